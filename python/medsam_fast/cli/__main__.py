"""``python -m medsam_fast.cli``: the ``medsam-fast`` command."""

import sys

from .commands import main

sys.exit(main())

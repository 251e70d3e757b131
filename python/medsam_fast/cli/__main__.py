"""``python -m medsam_fast.cli``: the ``medsam-fast`` command."""

import sys

from . import main

sys.exit(main())

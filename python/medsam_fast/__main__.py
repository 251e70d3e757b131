"""``python -m medsam_fast``: the ``medsam-fast`` command."""

import sys

from .cli import main

sys.exit(main())

"""The ``medsam-fast`` command line (``commands``: the parser and one function per
command; ``demo``: the demo command).  Entry point: ``medsam_fast.cli:main``."""

from .commands import build_parser, main

__all__ = ["build_parser", "main"]

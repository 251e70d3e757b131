"""The ``medsam-fast`` command line: ``parser`` (commands, options, help), ``commands``
(one function per command), ``terminal`` (what the logger shows), ``demo``.
Entry point: ``medsam_fast.cli:main``."""

from __future__ import annotations

import sys

from .parser import build_parser
from .terminal import level_for, terminal_logging

__all__ = ["build_parser", "main"]


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    with terminal_logging(level_for(args)):
        try:
            return args.func(args)
        except (ImportError, FileNotFoundError, NotADirectoryError, ValueError) as exc:
            print(f"medsam-fast: error: {exc}", file=sys.stderr)
            return 2

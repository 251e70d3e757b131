"""What the command line shows of the ``medsam_fast`` logger: INFO and DEBUG on stdout,
WARNING and above on stderr, at the level the options ask for: ``--quiet`` ERROR
(failures only), ``--verbose`` DEBUG, else INFO."""

from __future__ import annotations

import contextlib
import logging
import sys


class _TerminalHandler(logging.Handler):
    """Records below WARNING to stdout, the others to stderr: the streams as they are when
    the record is emitted (so a caller that swaps sys.stdout sees the output)."""

    def emit(self, record: logging.LogRecord) -> None:
        stream = sys.stderr if record.levelno >= logging.WARNING else sys.stdout
        try:
            stream.write(self.format(record) + "\n")
            stream.flush()
        except Exception:
            self.handleError(record)


@contextlib.contextmanager
def terminal_logging(level: int):
    """Shows the ``medsam_fast`` logger's records at ``level`` and above on the terminal
    while the block runs, and restores the logger after it."""
    logger = logging.getLogger("medsam_fast")
    handler = _TerminalHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    saved = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False  # an application's root handlers would print it twice
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]


def level_for(args) -> int:
    if getattr(args, "quiet", False):
        return logging.ERROR
    return logging.DEBUG if getattr(args, "verbose", False) else logging.INFO

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import interleave  # noqa: E402

from shared_fixtures import plain, reference, segmenter, torch_model  # noqa: E402,F401


def pytest_addoption(parser):
    parser.addoption(
        "--rounds",
        type=int,
        default=None,
        help="rounds of the interleaved benchmarks (default: $MEDSAM_BENCH_ROUNDS, else 3)",
    )
    parser.addoption(
        "--routes",
        default=None,
        help="comma-separated routes the strategy benchmarks run (default: all; the "
        "reference route is always run)",
    )


@pytest.fixture(scope="session")
def rounds(request) -> int:
    """How many interleaved rounds each case runs: --rounds, else $MEDSAM_BENCH_ROUNDS, else 3."""
    chosen = request.config.getoption("--rounds")
    return chosen if chosen is not None else interleave.default_rounds()


@pytest.fixture(scope="session")
def route_names(request) -> list[str] | None:
    """The routes named by --routes, or None for all."""
    chosen = request.config.getoption("--routes")
    return None if chosen is None else [name.strip() for name in chosen.split(",") if name.strip()]


def pytest_terminal_summary(terminalreporter):
    if not interleave.RECORDED:
        return
    terminalreporter.section("interleaved benchmarks")
    for title, runs in interleave.RECORDED:
        terminalreporter.write_line(interleave.table(title, runs))
        terminalreporter.write_line("")

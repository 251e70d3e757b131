"""The arithmetic of the interleaved benchmarks (benchmarks/interleave.py): ratios are taken
within a round, then their median and min-max; the order rotates each round.  And the
choice of routes a strategy benchmark runs (benchmarks/routes.py, --routes), and the
box-by-box gain with its bootstrap interval (benchmarks/paired.py)."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from interleave import Interleaved, format_ratio, ratio_summary, rotated, table  # noqa: E402
from paired import paired_gain  # noqa: E402
from routes import select_routes  # noqa: E402

ROUTES = {"a": ("seed", "MR"), "ref": ("seed", "US"), "c": ("confidence", "MR")}


def test_chosen_routes_keep_the_reference_and_the_table_order():
    assert select_routes(ROUTES, None, "ref") == ROUTES
    assert list(select_routes(ROUTES, ["c"], "ref")) == ["ref", "c"]
    assert list(select_routes(ROUTES, ["c", "a"], "ref")) == ["a", "ref", "c"]
    with pytest.raises(ValueError, match=r"unknown routes \['b'\]"):
        select_routes(ROUTES, ["b", "c"], "ref")


def test_ratio_is_taken_within_each_round():
    # Round 2 is slow for both sides: its ratio is still 2, unlike the ratio of the medians.
    summary = ratio_summary([2.0, 8.0, 3.0], [1.0, 4.0, 1.0])
    assert summary["rounds"] == [2.0, 2.0, 3.0]
    assert summary["median"] == 2.0
    assert (summary["min"], summary["max"]) == (2.0, 3.0)
    assert format_ratio(summary) == "2.00x (2.00-3.00)"


def test_median_of_an_even_number_of_rounds():
    assert ratio_summary([1.0, 3.0, 2.0, 4.0], [1.0, 1.0, 1.0, 1.0])["median"] == 2.5


def test_ratio_needs_one_pair_per_round():
    with pytest.raises(ValueError):
        ratio_summary([1.0, 2.0], [1.0])
    with pytest.raises(ValueError):
        ratio_summary([], [])


def test_rotated():
    assert rotated(["a", "b", "c"], 0) == ["a", "b", "c"]
    assert rotated(["a", "b", "c"], 4) == ["b", "c", "a"]
    assert rotated([], 3) == []


class FakeClock:
    """Each step advances time by the seconds it was given."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def step(self, seconds):
        def run():
            self.now += seconds.pop(0)
            return len(seconds)

        return run


def test_rounds_interleave_and_summarise():
    clock = FakeClock()
    order = []
    runs = Interleaved(reference="slow", clock=clock)
    slow, fast, floor = (
        clock.step([4.0, 8.0, 6.0]),
        clock.step([1.0, 2.0, 3.0]),
        clock.step([0.5, 1.0, 1.0]),
    )
    runs.add("slow", lambda: order.append("slow") or slow())
    runs.add("fast", lambda: order.append("fast") or fast(), before={"fast floor": floor})
    for _ in range(3):
        runs.round()
    # Units rotate: a configuration's `before` step always runs just before it.
    assert order == ["slow", "fast", "fast", "slow", "slow", "fast"]
    assert runs.seconds["fast"] == [1.0, 2.0, 3.0]
    assert runs.outputs["slow"] == 0
    runs.add_ratio("vs_floor", "fast", runs.ratio("fast", "fast floor"))
    info = runs.summary()
    assert info["rounds"] == 3
    assert info["fast"]["median_seconds"] == 2.0
    assert info["fast"]["speedup"] == {
        "median": 4.0,
        "min": 2.0,
        "max": 4.0,
        "rounds": [4.0, 4.0, 2.0],
    }
    assert info["fast"]["vs_floor"]["rounds"] == [2.0, 2.0, 3.0]
    assert "speedup" not in info["fast floor"]
    text = table("case", runs)
    assert "4.00x (2.00-4.00)" in text and "2.00x (2.00-3.00)" in text


def test_a_step_is_added_once():
    runs = Interleaved(reference="a")
    runs.add("a", lambda: None)
    with pytest.raises(ValueError):
        runs.add("a", lambda: None)


def test_paired_gain_is_the_mean_of_case_means_with_an_interval_around_it():
    ref = np.array([0.5, 0.5, 0.5, 0.5])
    cases = [(ref, ref + [0.1, 0.0, -0.1, 0.2]), (np.array([0.8]), np.array([0.7]))]
    g = paired_gain(cases, replicates=2000)
    assert g.gain == pytest.approx((0.05 - 0.1) / 2)
    assert (g.improved, g.boxes) == (2, 5)
    # The one-box case is the same in every replicate, so the interval is the
    # four-box case's spread, halved, shifted by its -0.1.
    assert (-0.1 - 0.1) / 2 <= g.low < g.gain < g.high <= (0.2 - 0.1) / 2


def test_paired_gain_of_equal_gains_has_no_spread_and_skips_unscored_boxes():
    cases = [(np.array([0.2, 0.4, np.nan]), np.array([0.25, 0.45, np.nan]))]
    g = paired_gain(cases, replicates=100)
    assert g.low == pytest.approx(0.05) and g.high == pytest.approx(0.05)
    assert (g.improved, g.boxes) == (2, 2)


def test_paired_gain_needs_one_score_per_box_from_both_routes():
    with pytest.raises(ValueError, match="one score per box"):
        paired_gain([(np.array([0.1, 0.2]), np.array([0.1]))])
    with pytest.raises(ValueError, match="no cases"):
        paired_gain([])
    with pytest.raises(ValueError, match="no box scored by both"):
        paired_gain([(np.array([np.nan, 0.3]), np.array([0.2, np.nan]))])

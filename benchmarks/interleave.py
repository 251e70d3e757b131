"""Interleaved timing: every configuration of a case back to back, for several rounds.

These machines drift by up to a third within minutes, so two configurations are only
compared within one round, where they ran seconds apart.  Each round runs every
configuration once, in an order rotated by one each round (so no configuration always
runs first or after the same neighbour).  A ratio is taken within each round; the report
gives its median over the rounds and its spread (the smallest and largest round).

A benchmark drives it through pytest-benchmark, one ``pedantic`` round per round:

    runs = Interleaved(reference="plain-onnx")
    runs.add("plain-onnx", lambda: plain.segment(imgs, boxes))
    runs.add("onnxruntime-fp32", lambda: segmenter.segment(data),
             before={"onnxruntime-fp32 floor": lambda: encode_all(...)})
    benchmark.pedantic(runs.round, rounds=rounds, iterations=1)
    benchmark.extra_info.update(runs.summary())
    record(case, runs)   # for the table printed at the end of the session

``summary()[config]`` holds ``seconds`` (one per round), ``median_seconds`` and
``speedup``: the reference's time over this configuration's, per round, with its
``median``, ``min`` and ``max`` (above 1: faster than the reference).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

ROUNDS_VARIABLE = "MEDSAM_BENCH_ROUNDS"
DEFAULT_ROUNDS = 3

# (title, Interleaved) for every case measured in this session, in order.
RECORDED: list[tuple[str, Interleaved]] = []


def default_rounds() -> int:
    """MEDSAM_BENCH_ROUNDS, else 3."""
    return int(os.environ.get(ROUNDS_VARIABLE, DEFAULT_ROUNDS))


def ratio_summary(numerators: Sequence[float], denominators: Sequence[float]) -> dict:
    """numerator / denominator within each round, then the median and the spread of those
    per-round ratios.  Never the ratio of two medians: each ratio must come from one round."""
    if len(numerators) != len(denominators) or not numerators:
        raise ValueError("one numerator and one denominator per round are needed")
    ratios = [n / d for n, d in zip(numerators, denominators, strict=True)]
    return {
        "median": statistics.median(ratios),
        "min": min(ratios),
        "max": max(ratios),
        "rounds": ratios,
    }


def rotated(items: Sequence, by: int) -> list:
    """``items`` started at index ``by`` (mod its length)."""
    if not items:
        return []
    by %= len(items)
    return list(items[by:]) + list(items[:by])


class Interleaved:
    """Configurations timed back to back, round after round (see the module's docstring)."""

    def __init__(self, reference: str, clock: Callable[[], float] = time.perf_counter):
        self.reference = reference
        self.clock = clock
        # One unit per configuration: its `before` steps, then itself; units are rotated.
        self._units: list[list[tuple[str, Callable[[], Any]]]] = []
        self.configs: list[str] = []
        self.seconds: dict[str, list[float]] = {}
        self.outputs: dict[str, Any] = {}  # each step's output in the latest round
        self.rounds_done = 0
        # Further per-round ratios a benchmark adds: {column: {step: ratio_summary(...)}}.
        self.columns: dict[str, dict[str, dict]] = {}

    def add(
        self,
        name: str,
        run: Callable[[], Any],
        before: dict[str, Callable[[], Any]] | None = None,
    ) -> None:
        """A configuration; `before` steps are timed just before it, in the same round
        (for a floor or a companion measurement that must sit beside it)."""
        steps = [*(before or {}).items(), (name, run)]
        for step, _ in steps:
            if step in self.seconds:
                raise ValueError(f"{step!r} is already added")
            self.seconds[step] = []
        self._units.append(steps)
        self.configs.append(name)

    def round(self) -> None:
        """Every configuration once, in the rotated order."""
        for unit in rotated(self._units, self.rounds_done):
            for name, run in unit:
                start = self.clock()
                self.outputs[name] = run()
                self.seconds[name].append(self.clock() - start)
        self.rounds_done += 1

    def ratio(self, numerator: str, denominator: str) -> dict:
        """`numerator`'s time over `denominator`'s, per round, with median and spread."""
        return ratio_summary(self.seconds[numerator], self.seconds[denominator])

    def add_ratio(self, column: str, step: str, summary: dict) -> None:
        """Another per-round ratio of `step` (from `ratio` or `ratio_summary`), reported
        in `summary()[step][column]` and as a column of the table."""
        self.columns.setdefault(column, {})[step] = summary

    def summary(self) -> dict:
        """Per step: its seconds per round and their median; per configuration also its
        speed-up over the reference (reference's time / its time, within each round)."""
        out: dict[str, Any] = {"rounds": self.rounds_done, "reference": self.reference}
        for name, seconds in self.seconds.items():
            if not seconds:
                continue
            entry: dict[str, Any] = {
                "seconds": [round(s, 4) for s in seconds],
                "median_seconds": round(statistics.median(seconds), 4),
            }
            if name in self.configs and self.seconds.get(self.reference):
                entry["speedup"] = _rounded(self.ratio(self.reference, name))
            for column, ratios in self.columns.items():
                if name in ratios:
                    entry[column] = _rounded(ratios[name])
            out[name] = entry
        return out


def _rounded(summary: dict, digits: int = 3) -> dict:
    return {
        key: [round(v, digits) for v in value] if isinstance(value, list) else round(value, digits)
        for key, value in summary.items()
    }


def record(title: str, runs: Interleaved) -> None:
    """Keep `runs` for the table printed at the end of the session."""
    RECORDED.append((title, runs))


def format_ratio(summary: dict) -> str:
    """'4.87x (4.71-5.02)': the median and the min-max of the per-round ratios."""
    return f"{summary['median']:.2f}x ({summary['min']:.2f}-{summary['max']:.2f})"


def table(title: str, runs: Interleaved) -> str:
    """A plain-text table: per step its median seconds, for configurations the speed-up
    over the reference, and a column for each ratio added with `add_ratio`."""
    extra = runs.columns
    header = ["", "median s", f"speed-up over {runs.reference}", *extra]
    rows = [header]
    for name, seconds in runs.seconds.items():
        if not seconds:
            continue
        speedup = ""
        if name in runs.configs and name != runs.reference and runs.seconds[runs.reference]:
            speedup = format_ratio(runs.ratio(runs.reference, name))
        cells = [format_ratio(column[name]) if name in column else "" for column in extra.values()]
        rows.append([name, f"{statistics.median(seconds):.3f}", speedup, *cells])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [f"{title} ({runs.rounds_done} rounds, interleaved; ratios: median (min-max))"]
    for row in rows:
        lines.append("  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    return "\n".join(line.rstrip() for line in lines)

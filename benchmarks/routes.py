"""Strategies named as routes, a routing table and a modality (the table routes the
modality to its 3D strategy), timed side by side on one case with interleave.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from interleave import Interleaved


def select_routes(
    routes: dict[str, tuple[str, str | None]], names: list[str] | None, reference: str
) -> dict[str, tuple[str, str | None]]:
    """The routes named in ``names`` (all when None), always with ``reference``, in the
    table's order; an unknown name is an error that lists the known ones."""
    if names is None:
        return dict(routes)
    unknown = sorted(set(names) - set(routes))
    if unknown:
        raise ValueError(f"unknown routes {unknown}; known: {sorted(routes)}")
    keep = set(names) | {reference}
    return {name: route for name, route in routes.items() if name in keep}


def time_routes(
    benchmark,
    rounds: int,
    routes: dict[str, tuple[str, str | None]],
    segmenters: dict[str, Any],
    segment: Callable[[Any, str | None], Any],
    reference: str,
) -> tuple[Interleaved, dict[str, dict]]:
    """Runs ``segment(segmenters[table], modality)`` for every route once a round, back to
    back; returns the runs (outputs of the last round, timing) and each route's
    ``last_stats``."""
    runs = Interleaved(reference=reference)
    stats: dict[str, dict] = {}

    def run(route: str):
        table, modality = routes[route]
        segs = segment(segmenters[table], modality)
        stats[route] = segmenters[table].last_stats
        return segs

    for route in routes:
        runs.add(route, lambda route=route: run(route))
    benchmark.pedantic(runs.round, rounds=rounds, iterations=1)
    return runs, stats

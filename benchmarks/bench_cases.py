"""Per-case latency of medsam_fast against the upstream baseline run in torch, same run.

    pytest benchmarks/bench_cases.py --benchmark-only --benchmark-group-by=param:case

Each pair (engine=medsam_fast / engine=torch) is measured side by side in one session;
compare within a group, not across runs.
"""
import pytest

from medsam_fast import colin27

CASES = {
    "2d-deepgrey": lambda: colin27.case_2d(80),
    "3d-thalamus": lambda: colin27.case_3d((77, 78)),
    "3d-pallidum": lambda: colin27.case_3d((75, 76)),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("engine", ["medsam_fast", "torch"])
def test_case_latency(benchmark, case, engine, segmenter, torch_reference):
    data = CASES[case]()
    if engine == "medsam_fast":
        run = lambda: segmenter.segment(data)  # noqa: E731
    elif data["boxes"].shape[1] == 6:
        run = lambda: torch_reference.segment_3d(data["imgs"], data["boxes"])  # noqa: E731
    else:
        run = lambda: torch_reference.segment_2d(data["imgs"], data["boxes"])  # noqa: E731
    benchmark.pedantic(run, rounds=2 if case.startswith("2d") else 1, iterations=1, warmup_rounds=0)

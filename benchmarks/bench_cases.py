"""Per-case latency of medsam_fast against the upstream baseline run in torch, same run.

    pytest benchmarks/bench_cases.py --benchmark-only --benchmark-group-by=param:case

Each pair (engine=medsam_fast / engine=torch) is measured side by side in one session;
compare within a group, not across runs.
"""

import pytest
from cases import TORCH_CASES as CASES


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("engine", ["medsam_fast", "torch"])
def test_case_latency(benchmark, case, engine, segmenter, reference):
    data = CASES[case]()
    if engine == "medsam_fast":
        run = lambda: segmenter.segment(data)  # noqa: E731
    else:
        run = lambda: reference.segment(data["imgs"], data["boxes"])  # noqa: E731
    benchmark.pedantic(run, rounds=2 if case.startswith("2d") else 1, iterations=1, warmup_rounds=0)

"""Cases per minute over a folder of many small real cases: the serial runner (one
process, 2 engine threads) against a Dask LocalCluster of 2 single-threaded workers, in
one run, interleaved (interleave.py), with Dask's overhead per case.

    pytest benchmarks/bench_distributed.py --benchmark-only [--rounds 3]

The folder: 2D slices of the two real MRIs (ITK's T1, coronal, one brain box each;
Colin27, axial, a box per deep-grey structure).  Each round runs both configurations once,
each into a fresh output folder, and includes what a run does beyond the cases: building
the Segmenter (serial) or registering the worker plugin that builds one per worker
(Dask).  The cluster starts once, before the rounds; its start-up is reported apart.

``extra_info``: per configuration, ``seconds`` per round, ``cases_per_minute`` per round
and its median, ``speedup`` (serial's time over this one's, within each round), and the
``overhead_per_case_seconds``: the worker time a run spends outside ``segment_case``,
(wall seconds x workers - the cases' own seconds) / cases.
"""

import statistics
import time

import numpy as np
import pytest
from interleave import Interleaved, record

from medsam_fast import Segmenter
from medsam_fast.runners import segment_folder
from realdata import colin27, itk_t1

distributed = pytest.importorskip("medsam_fast.distributed")

WORKERS = 2
ITK_SLICES = range(8, 56, 2)
COLIN_SLICES = range(60, 100, 5)  # the slices with deep-grey structures


def _write_cases(folder) -> int:
    folder.mkdir()
    cases = {f"2DBox_MR_itk-{z}.npz": lambda z=z: itk_t1.case_2d(z) for z in ITK_SLICES}
    cases |= {f"2DBox_MR_colin27-{z}.npz": lambda z=z: colin27.case_2d(z) for z in COLIN_SLICES}
    for name, build in cases.items():
        case = build()
        case.pop("gts")
        np.savez_compressed(folder / name, **case)
    return len(cases)


def test_serial_against_dask_workers(benchmark, tmp_path, rounds):
    imgs = tmp_path / "imgs"
    count = _write_cases(imgs)
    started = time.perf_counter()
    with distributed.connect(workers=WORKERS) as client:
        client.wait_for_workers(WORKERS)
        startup = time.perf_counter() - started
        results = {"serial-2-threads": [], f"dask-{WORKERS}-workers": []}
        outputs = iter(range(10_000))

        def serial():
            out = tmp_path / f"out{next(outputs)}"
            results["serial-2-threads"].append(
                segment_folder(Segmenter(threads=2), imgs, out, progress=False)
            )

        def on_dask():
            out = tmp_path / f"out{next(outputs)}"
            results[f"dask-{WORKERS}-workers"].append(
                distributed.segment_folder(
                    client, imgs, out, segmenter_options={"threads": 1}, progress=False
                )
            )

        runs = Interleaved(reference="serial-2-threads")
        runs.add("serial-2-threads", serial)
        runs.add(f"dask-{WORKERS}-workers", on_dask)
        benchmark.pedantic(runs.round, rounds=rounds, iterations=1)

    info = runs.summary()
    info["cases"] = count
    info["cluster_startup_seconds"] = round(startup, 3)
    for name, slots in (("serial-2-threads", 1), (f"dask-{WORKERS}-workers", WORKERS)):
        assert all(r.ok and len(r.times) == count for r in results[name])
        per_minute = [60 * count / s for s in runs.seconds[name]]
        overhead = [
            (wall * slots - sum(r.times.values())) / count
            for wall, r in zip(runs.seconds[name], results[name], strict=True)
        ]
        in_case = [statistics.median(r.times.values()) for r in results[name]]
        info[name] |= {
            "cases_per_minute": [round(v, 2) for v in per_minute],
            "median_cases_per_minute": round(statistics.median(per_minute), 2),
            "overhead_per_case_seconds": [round(v, 3) for v in overhead],
            "median_case_seconds": [round(v, 3) for v in in_case],
        }
        print(
            f"{name}: {statistics.median(per_minute):.1f} cases/min "
            f"(rounds {', '.join(f'{v:.1f}' for v in per_minute)}); overhead per case "
            f"{', '.join(f'{v:.3f}' for v in overhead)} s; median case "
            f"{', '.join(f'{v:.3f}' for v in in_case)} s"
        )
    print(f"{count} cases; cluster start-up {startup:.2f} s")
    benchmark.extra_info.update(info)
    record(f"folder of {count} small real 2D cases", runs)

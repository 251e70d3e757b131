"""Folders of real cases for the folder-run tests (serial, sharded, resumed, on Dask, and
predict.sh): the bundled demo cases plus small real ones from ``realdata``, and the
serial CLI's output for each case (``medsam-fast segment --threads 1``) as the reference.

Three small 2D cases fall in different shards of 3 (shard 1: the demo's deepgrey, 2:
the ITK slice and Colin27 z95, 3: Colin27 z70); the demo's 3D thalamus is the long case.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from medsam_fast.cli import main
from medsam_fast.cli.demo import DEMO_DIR

DEMO_2D = "2DBox_MR_colin27-deepgrey.npz"
LONG = "3DBox_MR_colin27-thalamus.npz"
SMALL = (
    DEMO_2D,
    "2DBox_MR_colin27-z70.npz",
    "2DBox_MR_colin27-z95.npz",
    "2DBox_MR_itk-brain31.npz",
)
ALL = (*SMALL, LONG)


def _built_cases() -> dict:
    from realdata import colin27, itk_t1

    return {
        "2DBox_MR_colin27-z70.npz": lambda: colin27.case_2d(70),
        "2DBox_MR_colin27-z95.npz": lambda: colin27.case_2d(95),
        "2DBox_MR_itk-brain31.npz": lambda: itk_t1.case_2d(31),
    }


@pytest.fixture(scope="session")
def case_store(tmp_path_factory) -> Path:
    """Every case of ``ALL`` in one folder (inputs only: no ground truth)."""
    store = tmp_path_factory.mktemp("case_store")
    for name in (DEMO_2D, LONG):
        shutil.copy(DEMO_DIR / "imgs" / name, store / name)
    for name, build in _built_cases().items():
        case = build()
        case.pop("gts")
        np.savez_compressed(store / name, **case)
    return store


def copy_cases(store: Path, folder: Path, names) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(store / name, folder / name)
    return folder


@pytest.fixture(scope="session")
def serial_segs(case_store, tmp_path_factory):
    """``serial_segs(names)``: {name: segs} as ``medsam-fast segment --threads 1`` writes
    them, each case run once per session."""
    done: dict[str, np.ndarray] = {}

    def reference(names) -> dict[str, np.ndarray]:
        missing = [n for n in names if n not in done]
        if missing:
            run = tmp_path_factory.mktemp("serial")
            imgs = copy_cases(case_store, run / "imgs", missing)
            code = main(["segment", "-i", str(imgs), "-o", str(run / "segs"), "--threads", "1"])
            assert code == 0
            done.update(read_segs(run / "segs", missing))
        return {n: done[n] for n in names}

    return reference


def read_segs(folder: Path, names) -> dict[str, np.ndarray]:
    segs = {}
    for name in names:
        with np.load(folder / name) as data:
            segs[name] = data["segs"]
    return segs


def assert_same_segs(folder: Path, reference: dict[str, np.ndarray]) -> None:
    """Every reference case written in ``folder``, label for label, and nothing else
    there but efficiency.csv (no partial or temporary files)."""
    assert sorted(p.name for p in folder.iterdir()) == sorted([*reference, "efficiency.csv"])
    for name, segs in read_segs(folder, reference).items():
        assert segs.dtype == reference[name].dtype, name
        assert np.array_equal(segs, reference[name]), name


def efficiency_rows(folder: Path) -> list[str]:
    lines = (folder / "efficiency.csv").read_text().splitlines()
    assert lines[0] == "case,time"
    return [line.split(",")[0] for line in lines[1:]]

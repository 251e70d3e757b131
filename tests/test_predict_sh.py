"""scripts/predict.sh, the challenge container's entry point, run on the host: the same
outputs as `medsam-fast segment`, from and to the folders it is given."""

import shutil
import subprocess
from pathlib import Path

import pytest

from case_folders import SMALL, assert_same_segs, copy_cases, efficiency_rows

PREDICT = Path(__file__).resolve().parents[1] / "scripts" / "predict.sh"
if not PREDICT.is_file():  # a copy of tests/ without the source tree (scripts/wheel_test.sh)
    pytest.skip(f"{PREDICT} is not here", allow_module_level=True)


@pytest.mark.slow
def test_predict_sh_in_out_writes_what_medsam_fast_segment_writes(
    tmp_path, case_store, serial_segs
):
    assert shutil.which("medsam-fast"), "the medsam-fast command is not on PATH"
    names = SMALL[:2]
    imgs = copy_cases(case_store, tmp_path / "inputs", names)
    out = tmp_path / "outputs"
    # `sh predict.sh` as the challenge's harness runs it, with IN and OUT given, and the
    # reference's thread count passed through to medsam-fast segment.
    done = subprocess.run(
        ["sh", str(PREDICT), str(imgs), str(out), "--threads", "1", "--quiet"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert_same_segs(out, serial_segs(names))
    assert efficiency_rows(out) == sorted(names)


def test_predict_sh_fails_like_the_cli_on_a_missing_folder(tmp_path):
    done = subprocess.run(
        ["sh", str(PREDICT), str(tmp_path / "nope"), str(tmp_path / "out")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "nope: not a folder" in done.stderr

"""The medsam-fast command line: batches survive bad cases and leave no partial output."""

import io
import shutil
import subprocess
import sys

import numpy as np
import pytest

from medsam_fast.cli import main
from medsam_fast.cli.demo import DEMO_DIR
from medsam_fast.runners.folder import segment_folder


def test_help_documents_every_segment_option():
    result = subprocess.run(
        [sys.executable, "-m", "medsam_fast.cli", "segment", "--help"],
        capture_output=True,
        text=True,
    )
    for option in (
        "--input",
        "--output",
        "--strategy",
        "--threads",
        "--margin",
        "--max-cached",
        "--model-dir",
        "--quiet",
        "--verbose",
        "--profile",
    ):
        assert option in result.stdout


def test_a_batch_with_bad_cases_finishes_the_good_ones_and_fails(tmp_path, segmenter, capsys):
    imgs, segs = tmp_path / "imgs", tmp_path / "segs"
    imgs.mkdir()
    good = "2DBox_MR_colin27-deepgrey.npz"
    shutil.copy(DEMO_DIR / "imgs" / good, imgs / good)
    np.savez(imgs / "2DBox_US_nokeys.npz", pixels=np.zeros((4, 4), np.uint8))
    (imgs / "3DBox_CT_corrupt.npz").write_bytes(b"PK\x03\x04 broken")
    (imgs / "notes.txt").write_text("ignored")
    code = main(["segment", "-i", str(imgs), "-o", str(segs), "--threads", "2"])
    assert code == 1
    err = capsys.readouterr().err
    assert "2 of 3 cases failed" in err
    assert "2DBox_US_nokeys.npz: missing key" in err and "3DBox_CT_corrupt.npz" in err
    assert sorted(p.name for p in segs.iterdir()) == sorted(["efficiency.csv", good])
    lines = (segs / "efficiency.csv").read_text().splitlines()
    assert lines[0] == "case,time" and lines[1].startswith(good + ",")
    with np.load(segs / good) as out, np.load(imgs / good) as inp:
        assert out.files == ["segs"] and out["segs"].shape == inp["imgs"].shape[:2]


def test_a_clean_batch_exits_zero_and_profiles_its_stages(tmp_path, segmenter, capsys):
    imgs = tmp_path / "imgs"
    imgs.mkdir()
    shutil.copy(DEMO_DIR / "imgs" / "2DBox_MR_colin27-deepgrey.npz", imgs)
    assert (
        main(["segment", "-i", str(imgs), "-o", str(tmp_path / "out"), "--quiet", "--profile"]) == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "case",
        "load",
        "preprocess",
        "encode",
        "decode",
        "postprocess",
        "write",
        "total",
    ]
    encode = float(lines[1].split()[3])
    assert lines[1].startswith("2DBox_MR_colin27-deepgrey.npz") and encode > 0


def test_a_missing_input_folder_is_a_usage_error(tmp_path, capsys):
    assert main(["segment", "-i", str(tmp_path / "nope"), "-o", str(tmp_path / "o")]) == 2
    assert "nope: not a folder" in capsys.readouterr().err


def test_verbose_names_the_strategy_of_each_case(tmp_path, capsys):
    imgs = tmp_path / "imgs"
    imgs.mkdir()
    shutil.copy(DEMO_DIR / "imgs" / "2DBox_MR_colin27-deepgrey.npz", imgs)
    assert (
        main(
            ["segment", "-i", str(imgs), "-o", str(tmp_path / "out"), "--verbose", "--threads", "2"]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "modality MR, box, 1 slices encoded, 6 masks" in out


def test_max_memory_refuses_a_case_above_it_naming_the_file(tmp_path, capsys):
    imgs = tmp_path / "imgs"
    imgs.mkdir()
    name = "2DBox_MR_colin27-deepgrey.npz"
    shutil.copy(DEMO_DIR / "imgs" / name, imgs)
    out = tmp_path / "out"
    code = main(["segment", "-i", str(imgs), "-o", str(out), "--max-memory", "0.001"])
    assert code == 1
    err = capsys.readouterr().err
    assert f"{name}: needs an estimated" in err and "above the limit of 0.001 GiB" in err
    assert not (out / name).exists()


def test_model_dir_loads_the_pair_from_that_folder(tmp_path, monkeypatch, capsys):
    import medsam_fast.segmentation
    from medsam_fast.models.store import litemedsam_files

    bundled = litemedsam_files()
    made = []

    class Spy(medsam_fast.segmentation.Segmenter):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(medsam_fast.segmentation, "Segmenter", Spy)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "litemedsam_encoder.onnx").symlink_to(bundled.encoder)
    empty = tmp_path / "imgs"
    empty.mkdir()
    args = ["segment", "-i", str(empty), "-o", str(tmp_path / "out"), "--threads", "1"]
    # Half a pair: refused, naming the missing file in that folder.
    assert main([*args, "--model-dir", str(mine)]) == 2
    assert f"{mine / 'litemedsam_decoder.onnx'}: model file not found" in capsys.readouterr().err
    (mine / "litemedsam_decoder.onnx").symlink_to(bundled.decoder)
    assert main([*args, "--model-dir", str(mine)]) == 0
    assert made[-1].files.encoder == mine / "litemedsam_encoder.onnx"
    assert made[-1].files.decoder == mine / "litemedsam_decoder.onnx"


class _Terminal(io.StringIO):
    def isatty(self):
        return True


class _StubSegmenter:
    last_stats: dict = {}

    def segment(self, case):
        return np.zeros(case.imgs.shape[:2], np.uint8)


@pytest.mark.parametrize("interactive", [False, True])
def test_the_progress_bar_shows_only_on_a_terminal(tmp_path, monkeypatch, interactive):
    pytest.importorskip("tqdm")
    imgs = tmp_path / "imgs"
    imgs.mkdir()
    for i in range(3):
        np.savez(imgs / f"2DBox_US_{i}.npz", imgs=np.zeros((8, 8), np.uint8), boxes=[[1, 1, 4, 4]])
    stderr = _Terminal() if interactive else io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    result = segment_folder(_StubSegmenter(), imgs, tmp_path / "out", progress=True)
    assert result.ok and len(result.times) == 3
    bar = "3/3" in stderr.getvalue()
    assert bar == interactive, stderr.getvalue()

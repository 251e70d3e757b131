"""medsam-fast evaluate: per-case CSV, modality summary, failures counted not crashed."""

import csv

import numpy as np

from medsam_fast import metrics
from medsam_fast.cli import main
from medsam_fast.cli.demo import DEMO_DIR


def test_evaluate_scores_cases_summarises_and_counts_failures(tmp_path, capsys):
    gts, segs = tmp_path / "gts", tmp_path / "segs"
    gts.mkdir(), segs.mkdir()
    with np.load(DEMO_DIR / "gts" / "3DBox_MR_colin27-thalamus.npz") as g:
        gt3 = g["gts"]
    with np.load(DEMO_DIR / "gts" / "2DBox_MR_colin27-deepgrey.npz") as g:
        gt2 = g["gts"]
    spacing = np.array([2.0, 1.0, 1.0])
    np.savez(gts / "3DBox_MR_a.npz", gts=gt3, spacing=spacing)
    np.savez(segs / "3DBox_MR_a.npz", segs=np.roll(gt3, 1, axis=2))
    np.savez(gts / "2DBox_US_b.npz", gts=gt2)
    np.savez(segs / "2DBox_US_b.npz", segs=gt2)
    np.savez(gts / "2DBox_US_missing.npz", gts=gt2)
    np.savez(gts / "3DBox_CT_broken.npz", gts=gt3, spacing=spacing)
    (segs / "3DBox_CT_broken.npz").write_bytes(b"PK\x03\x04 nope")
    (segs / "efficiency.csv").write_text("case,time\n3DBox_MR_a.npz,12.5\n2DBox_US_b.npz,0.5\n")

    out = tmp_path / "report" / "metrics.csv"
    code = main(["evaluate", "-s", str(segs), "-g", str(gts), "-o", str(out), "--threads", "2"])
    assert code == 1
    captured = capsys.readouterr()
    assert "2 of 4 cases failed" in captured.err and "missing prediction" in captured.err

    rows = {r["case"]: r for r in csv.DictReader(open(out))}
    expected_dsc, expected_nsd = metrics.case_scores(gt3, np.roll(gt3, 1, axis=2), spacing)
    assert float(rows["3DBox_MR_a.npz"]["dsc"]) == round(expected_dsc, 4)
    assert float(rows["3DBox_MR_a.npz"]["nsd"]) == round(expected_nsd, 4)
    assert (
        rows["3DBox_MR_a.npz"]["modality"] == "MR" and rows["3DBox_MR_a.npz"]["time"] == "12.5000"
    )
    assert rows["2DBox_US_b.npz"]["dsc"] == "1.0000" and rows["2DBox_US_b.npz"]["nsd"] == "1.0000"
    assert rows["2DBox_US_missing.npz"]["status"] == "missing prediction"
    assert rows["3DBox_CT_broken.npz"]["status"].startswith("unreadable")

    summary = {r["modality"]: r for r in csv.DictReader(open(out.with_name("metrics_summary.csv")))}
    assert summary["US"]["cases"] == "2" and summary["US"]["failures"] == "1"
    assert summary["all"]["cases"] == "4"
    assert "modality" in captured.out and "MR" in captured.out


def evaluate_one(tmp_path, gt, seg, spacing, *options):
    """Scores one 3D case through `medsam-fast evaluate`; its (dsc, nsd) row as floats."""
    gts, segs = tmp_path / "gts", tmp_path / "segs"
    gts.mkdir(exist_ok=True), segs.mkdir(exist_ok=True)
    np.savez(gts / "3DBox_CT_one.npz", gts=gt, spacing=np.asarray(spacing, float))
    np.savez(segs / "3DBox_CT_one.npz", segs=seg)
    out = tmp_path / "metrics.csv"
    args = ["evaluate", "-s", str(segs), "-g", str(gts), "-o", str(out), "--threads", "1"]
    assert main([*args, *options]) == 0
    (row,) = csv.DictReader(open(out))
    return float(row["dsc"]), float(row["nsd"])


def test_evaluate_reports_nsd_0_where_the_dsc_is_at_most_0_2(tmp_path, capsys):
    gt = np.zeros((3, 20, 20), np.uint8)
    gt[1, 5, 0:10] = 1
    beside = np.zeros_like(gt)
    beside[1, 6, 0:10] = 1  # no overlap (DSC 0), but every surface within tolerance
    assert metrics.nsd(gt, beside, (1, 1, 1)).mean == 1.0
    assert evaluate_one(tmp_path, gt, beside, (1, 1, 1)) == (0.0, 0.0)


def shifted_block():
    gt = np.zeros((8, 24, 24), np.uint8)
    gt[2:6, 4:16, 4:16] = 1
    seg = np.roll(np.roll(gt, 1, axis=0), 2, axis=2)
    return gt, seg


def test_evaluate_tolerance_changes_the_nsd(tmp_path, capsys):
    gt, seg = shifted_block()
    spacing = (1.0, 1.0, 1.0)
    default = evaluate_one(tmp_path, gt, seg, spacing)
    tight = evaluate_one(tmp_path, gt, seg, spacing, "--tolerance", "0.5")
    assert default[1] == round(metrics.case_scores(gt, seg, spacing)[1], 4)
    assert tight[1] == round(metrics.case_scores(gt, seg, spacing, tolerance=0.5)[1], 4)
    assert tight[0] == default[0] > 0.2 and tight[1] < default[1]


def test_evaluate_spacing_order_reversed_reverses_anisotropic_spacing(tmp_path, capsys):
    gt, seg = shifted_block()
    spacing = (3.0, 1.0, 0.5)
    array = evaluate_one(tmp_path, gt, seg, spacing)
    reversed_ = evaluate_one(tmp_path, gt, seg, spacing, "--spacing-order", "reversed")
    assert array[1] == round(metrics.case_scores(gt, seg, spacing)[1], 4)
    assert reversed_[1] == round(metrics.case_scores(gt, seg, spacing[::-1])[1], 4)
    assert reversed_[0] == array[0] > 0.2 and reversed_[1] != array[1]

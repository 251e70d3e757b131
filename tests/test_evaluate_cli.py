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

"""Scoring a folder of segmentations against ground truths, as the challenge scores them."""

from __future__ import annotations

import csv
import logging
import math
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..io.atomic import csv_text, write_text_atomic
from ..io.cases import modality_from_name
from . import metrics

log = logging.getLogger(__name__)


@dataclass
class CaseScore:
    case: str
    modality: str
    dsc: float
    nsd: float
    time: float | None
    status: str  # "ok", or why the case counts as a failure


def modality_of(name: str) -> str:
    return modality_from_name(name) or "unknown"


def _read_times(segs_dir: Path) -> dict[str, float]:
    path = segs_dir / "efficiency.csv"
    if not path.exists():
        return {}
    with open(path, newline="") as f:
        return {
            row["case"]: float(row["time"])
            for row in csv.DictReader(f)
            if row.get("case") and row.get("time")
        }


def _load(path: Path, key: str):
    with np.load(path, allow_pickle=False) as data:
        array = data[key]
        spacing = data["spacing"] if "spacing" in data.files else None
    return array, spacing


def score_case(
    gt_path: Path, seg_path: Path, tolerance: float, threads: int, spacing_order: str
) -> tuple[float, float]:
    gts, spacing = _load(gt_path, "gts")
    segs, _ = _load(seg_path, "segs")
    if gts.shape != segs.shape:
        raise ValueError(f"segs {segs.shape} and gts {gts.shape} differ in shape")
    is_3d = gt_path.name.startswith("3D") or gts.ndim == 3
    if is_3d and spacing is None:
        raise ValueError("3D ground truth without 'spacing'")
    return metrics.case_scores(
        gts, segs, spacing if is_3d else None, tolerance, threads, spacing_order
    )


def evaluate_folder(
    segs_dir, gts_dir, tolerance=2.0, threads=0, spacing_order="array"
) -> list[CaseScore]:
    """Scores every ground truth in ``gts_dir`` against the same-named prediction in
    ``segs_dir``; a case that cannot be scored is logged (ERROR) and counts 0."""
    segs_dir, gts_dir = Path(segs_dir), Path(gts_dir)
    for folder in (segs_dir, gts_dir):
        if not folder.is_dir():
            raise NotADirectoryError(f"{folder}: not a folder")
    times = _read_times(segs_dir)
    scores = []
    for gt_path in sorted(gts_dir.glob("*.npz")):
        name = gt_path.name
        seg_path = segs_dir / name
        dsc = nsd = 0.0
        if not seg_path.exists():
            status = "missing prediction"
        else:
            try:
                dsc, nsd = score_case(gt_path, seg_path, tolerance, threads, spacing_order)
                status = "ok"
            except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as exc:
                status = f"unreadable: {exc}"
        if status != "ok":
            log.error("FAILED %s: %s", name, status)
        scores.append(CaseScore(name, modality_of(name), dsc, nsd, times.get(name), status))
    return scores


def _fmt(v) -> str:
    return "" if v is None else ("nan" if isinstance(v, float) and math.isnan(v) else f"{v:.4f}")


def summarise(scores: list[CaseScore]) -> list[dict]:
    groups: dict[str, list[CaseScore]] = defaultdict(list)
    for s in scores:
        groups[s.modality].append(s)
    rows = []
    for modality in sorted(groups) + (["all"] if len(groups) > 1 else []):
        group = scores if modality == "all" else groups[modality]
        times = [s.time for s in group if s.time is not None]
        rows.append(
            {
                "modality": modality,
                "cases": len(group),
                "failures": sum(s.status != "ok" for s in group),
                "dsc": float(np.nanmean([s.dsc for s in group])) if group else float("nan"),
                "nsd": float(np.nanmean([s.nsd for s in group])) if group else float("nan"),
                "time": float(np.mean(times)) if times else None,
            }
        )
    return rows


def write_reports(scores: list[CaseScore], out_csv) -> tuple[Path, str]:
    """Writes the per-case CSV and ``<name>_summary.csv`` beside it; returns the summary path
    and the summary as a printable table."""
    out_csv = Path(out_csv)
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(
        out_csv,
        csv_text(
            ["case", "modality", "dsc", "nsd", "time", "status"],
            [
                [s.case, s.modality, _fmt(s.dsc), _fmt(s.nsd), _fmt(s.time), s.status]
                for s in scores
            ],
        ),
    )
    summary = summarise(scores)
    summary_path = out_csv.with_name(out_csv.stem + "_summary.csv")
    columns = ["modality", "cases", "failures", "dsc", "nsd", "time"]
    write_text_atomic(
        summary_path,
        csv_text(
            columns,
            [
                [_fmt(r[c]) if c in ("dsc", "nsd", "time") else r[c] for c in columns]
                for r in summary
            ],
        ),
    )
    widths = [12, 6, 9, 8, 8, 9]
    lines = ["".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    for r in summary:
        cells = [
            r["modality"],
            str(r["cases"]),
            str(r["failures"]),
            _fmt(r["dsc"]),
            _fmt(r["nsd"]),
            _fmt(r["time"]) or "-",
        ]
        lines.append("".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)))
    return summary_path, "\n".join(lines)

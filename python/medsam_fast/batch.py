"""Segmenting a folder of challenge cases: one bad case never stops the batch."""
from __future__ import annotations

import csv
import io
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from .cases import CaseError, load_case, write_npz_atomic


@dataclass
class BatchResult:
    times: dict[str, float] = field(default_factory=dict)     # case -> seconds
    failures: dict[str, str] = field(default_factory=dict)    # case -> message

    @property
    def ok(self) -> bool:
        return not self.failures


def write_text_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def segment_folder(segmenter, input_dir, output_dir, log=print) -> BatchResult:
    """Writes ``segs`` npz files (same names) and ``efficiency.csv`` into ``output_dir``."""
    input_dir, output_dir = Path(input_dir), Path(output_dir)
    if not input_dir.is_dir():
        raise NotADirectoryError(f"{input_dir}: not a folder")
    output_dir.mkdir(parents=True, exist_ok=True)
    result = BatchResult()
    paths = sorted(p for p in input_dir.iterdir() if p.suffix == ".npz" and p.is_file())
    if not paths:
        log(f"no .npz cases in {input_dir}")
    for path in paths:
        started = time.perf_counter()
        try:
            case = load_case(path)
            segs = segmenter.segment(case)
            write_npz_atomic(output_dir / path.name, segs=segs)
        except (CaseError, ValueError, TypeError, RuntimeError, MemoryError, OSError) as exc:
            message = str(exc) if isinstance(exc, CaseError) else f"{path.name}: {exc}"
            result.failures[path.name] = message
            log(f"FAILED {message}")
            continue
        result.times[path.name] = time.perf_counter() - started
        log(f"{path.name}: {result.times[path.name]:.2f} s")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["case", "time"])
    for name, seconds in result.times.items():
        writer.writerow([name, f"{seconds:.4f}"])
    write_text_atomic(output_dir / "efficiency.csv", buffer.getvalue())
    return result

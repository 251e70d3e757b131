"""Data in and out: the challenge's npz cases (``cases``), NIfTI volumes, DICOM series
and box files (``volumes``), and files written atomically (``atomic``)."""

from .atomic import csv_text, write_npz_atomic, write_text_atomic
from .cases import Case, CaseError, check_case, label_dtype, load_case, modality_from_name

__all__ = [
    "Case",
    "CaseError",
    "check_case",
    "csv_text",
    "label_dtype",
    "load_case",
    "modality_from_name",
    "write_npz_atomic",
    "write_text_atomic",
]

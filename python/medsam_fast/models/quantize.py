"""int8 encoders: NNCF post-training quantization of a LiteMedSAM encoder, done once.

The encoder dominates the cost, so only it is quantized; the decoder stays fp32.  NNCF
(the maintained quantizer for OpenVINO) calibrates the activations' ranges on real slices,
made into encoder inputs by the core's own preprocessing, so calibration sees exactly what
inference does.  The result is an OpenVINO IR written beside the fp32 pair
(``<encoder>_int8.xml`` and ``.bin``), and ``model.json`` records it: the file, the NNCF and
OpenVINO versions, the settings and the calibration slices.  Which settings we kept, and
what each tried setting did to accuracy, is in docs/performance.md ("int8").

Needs the ``quantize`` extra (openvino and nncf), at convert time only.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from .. import _core
from ..io.atomic import write_text_atomic
from ..io.cases import load_case
from .description import DESCRIPTION_FILE

log = logging.getLogger("medsam_fast")

# What nncf.quantize is given besides the calibration set, chosen by the embedding error on
# Colin27 slices (docs/performance.md, "int8"):
# - the transformer model type, which keeps LayerNorm, Softmax and GELU in float;
# - SmoothQuant off: with it the error grew (24.6% against 23.9%);
# - the convolutional stem and first stage (patch_embed, layers.0) left in float: they
#   alone took the error from 23.9% to 16.9%, for some speed (the encoder at 1.70x of
#   fp32 rather than 1.86x, side by side on 2 busy cores).  Leaving out
#   the ends (patch_embed, neck), the attention products or the MLPs' second layers did
#   not help.
SETTINGS = {
    "model_type": "transformer",
    "smooth_quant": False,
    "ignored_patterns": [r"/patch_embed/.*", r"/layers\.0/.*"],
}
# Slices per calibration case at most, spread evenly through its volume.
SLICES_PER_VOLUME = 12
DEMO_CASES = Path(__file__).resolve().parents[1] / "demo" / "imgs"


def int8_file(encoder: Path) -> Path:
    """Where the int8 IR of ``encoder`` lives: beside it, ``<stem>_int8.xml``."""
    return encoder.with_name(encoder.stem + "_int8.xml")


def calibration_slices(folders: Sequence[Path] = ()) -> list[tuple[str, np.ndarray]]:
    """(name, uint8 RGB image) for every 2D case and up to SLICES_PER_VOLUME slices of
    every 3D case in ``folders`` (default: the bundled demo cases)."""
    paths = sorted(p for folder in (folders or [DEMO_CASES]) for p in Path(folder).glob("*.npz"))
    if not paths:
        raise FileNotFoundError(f"no .npz calibration cases in {', '.join(map(str, folders))}")
    slices = []
    for path in paths:
        case = load_case(path)
        if not case.is_3d:
            slices.append((path.name, case.imgs))
            continue
        depth = case.imgs.shape[0]
        for z in np.unique(np.linspace(0, depth - 1, min(depth, SLICES_PER_VOLUME)).astype(int)):
            rgb = np.repeat(case.imgs[z][:, :, None], 3, axis=2)
            slices.append((f"{path.name}:z{z}", np.ascontiguousarray(rgb)))
    return slices


def _encoder_inputs(slices: Iterable[tuple[str, np.ndarray]]) -> list[np.ndarray]:
    return [_core.prepare_encoder_input(image)[0] for _, image in slices]


def _quantized_model(encoder: Path, inputs: list[np.ndarray]):
    try:
        import nncf
        import openvino as ov
    except ImportError as exc:
        raise ImportError(
            "int8 needs NNCF and OpenVINO at convert time: pip install 'medsam-fast[quantize]'"
        ) from exc
    # NNCF's own SmoothQuant strengths when on; an alpha of -1 turns it off.
    alphas = (
        nncf.AdvancedSmoothQuantParameters()
        if SETTINGS["smooth_quant"]
        else nncf.AdvancedSmoothQuantParameters(matmul=-1)
    )
    advanced = nncf.AdvancedQuantizationParameters(smooth_quant_alphas=alphas)
    ignored = nncf.IgnoredScope(patterns=list(SETTINGS["ignored_patterns"]), validate=False)
    model = ov.Core().read_model(str(encoder))
    quantized = nncf.quantize(
        model,
        nncf.Dataset(inputs),
        model_type=nncf.ModelType(SETTINGS["model_type"]),
        subset_size=len(inputs),
        ignored_scope=ignored,
        advanced_parameters=advanced,
    )
    versions = {"nncf": nncf.__version__, "openvino": ov.get_version()}
    return ov, quantized, versions


def quantize_encoder(encoder: Path, calibration: Sequence[Path] = ()) -> Path:
    """Writes the int8 IR of ``encoder`` beside it and records it in the folder's
    model.json; returns the IR's path.  ``calibration``: folders of npz cases (default:
    the bundled demo cases)."""
    encoder = Path(encoder)
    slices = calibration_slices(calibration)
    log.info("quantizing %s to int8 on %d calibration slices", encoder.name, len(slices))
    ov, quantized, versions = _quantized_model(encoder, _encoder_inputs(slices))
    target = int8_file(encoder)
    # Saved into a scratch folder beside the target and moved in, weights first, so a
    # reader never finds an .xml whose .bin is half-written.
    with tempfile.TemporaryDirectory(dir=encoder.parent, prefix=".int8-") as scratch:
        staged = Path(scratch) / target.name
        ov.save_model(quantized, str(staged), compress_to_fp16=False)
        shutil.move(str(staged.with_suffix(".bin")), target.with_suffix(".bin"))
        shutil.move(str(staged), target)
    record = {
        "file": target.name,
        **versions,
        "settings": SETTINGS,
        "calibration": [name for name, _ in slices],
    }
    _record_in_description(encoder.parent, record)
    return target


def _record_in_description(folder: Path, record: dict) -> None:
    path = folder / DESCRIPTION_FILE
    description = json.loads(path.read_text()) if path.exists() else {}
    description["int8"] = record
    write_text_atomic(path, json.dumps(description, indent=2) + "\n")


def int8_encoder(encoder: Path, quantize_missing: bool) -> Path:
    """The int8 IR recorded for ``encoder``'s folder.  When there is none, quantizes it
    (``quantize_missing``: the bundled model, converted on first use like its fp32 pair)
    or says how to make one."""
    encoder = Path(encoder)
    path = encoder.parent / DESCRIPTION_FILE
    record = json.loads(path.read_text()).get("int8") if path.exists() else None
    if record and (encoder.parent / record["file"]).is_file():
        return encoder.parent / record["file"]
    if not quantize_missing:
        raise FileNotFoundError(
            f"{encoder.parent}: no int8 encoder; make one with "
            f"`medsam-fast convert --precision int8 --out {encoder.parent}`"
        )
    return quantize_encoder(encoder)

"""Which model and which 3D strategy each modality gets.

A table maps a modality (from the challenge file name, ``3DBox_PET_x.npz`` -> ``PET``, or
given explicitly) to a Strategy; modalities not in the table take its default.

3D strategies:
- ``propagate``: the middle slice with the box, then slice by slice up and down, each
  prompted by the previous slice's mask box grown by ``margin`` px (256 frame).
- ``box_every_slice``: every slice of the box's z-range prompted with the box itself.
- ``three_view``: box_every_slice along z (axial), y (coronal) and x (sagittal), then a
  per-voxel majority vote (where all three views differ, the smallest label, often 0).

``model`` is ``"litemedsam"`` (the bundled checkpoint), ``"efficientsam"`` (the folder
``medsam-fast convert --family efficientsam`` writes by default), or a folder holding a
converted pair (``medsam-fast convert --checkpoint my.pth --out DIR``); ``fallback``
names the model used while ``model`` has not been converted.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

MODES_3D = ("propagate", "box_every_slice", "three_view")
BUNDLED_MODEL = "litemedsam"


@dataclass(frozen=True)
class Strategy:
    model: str = BUNDLED_MODEL
    mode_3d: str = "propagate"
    margin: int = 3
    # The model used while `model` is not converted, and for 3D cases when `model` is a
    # 2D-only family (EfficientSAM).
    fallback: str | None = None

    def __post_init__(self):
        if self.mode_3d not in MODES_3D:
            raise ValueError(f"unknown 3D strategy {self.mode_3d!r}; choose from {MODES_3D}")
        if not 0 <= int(self.margin) <= 256:
            raise ValueError(f"margin must be in [0, 256], got {self.margin}")


def normalise_modality(modality: str | None) -> str | None:
    if not modality:
        return None
    key = modality.strip().lower().replace("_", "-")
    return {"microscope": "microscopy", "xray": "x-ray"}.get(key, key)


@dataclass(frozen=True)
class StrategyTable:
    name: str
    default: Strategy
    by_modality: dict[str, Strategy] = field(default_factory=dict)

    def for_modality(self, modality: str | None) -> Strategy:
        return self.by_modality.get(normalise_modality(modality), self.default)

    def describe(self) -> str:
        rows = [f"{'modality':<12}{'model':<32}{'3D strategy':<17}margin"]
        for key, s in [("(default)", self.default), *sorted(self.by_modality.items())]:
            model = s.model if not s.fallback else f"{s.model} (else {s.fallback})"
            rows.append(f"{key:<12}{model:<32}{s.mode_3d:<17}{s.margin}")
        return "\n".join(rows)


# The seed entry's routing: CT and MR propagate with a 7 px margin, PET is segmented in
# three views with a vote, other 3D modalities take the box on every slice, and 2D
# Microscopy and X-Ray go to EfficientSAM once the user has converted a checkpoint
# (`medsam-fast convert --family efficientsam`), to LiteMedSAM until then.  (The seed's
# fine-tuned PET encoder does not ship either; see the README.)
SEED = StrategyTable("seed", Strategy(mode_3d="box_every_slice"), {
    "ct": Strategy(mode_3d="propagate", margin=7),
    "mr": Strategy(mode_3d="propagate", margin=7),
    "pet": Strategy(mode_3d="three_view"),
    "microscopy": Strategy(model="efficientsam", fallback=BUNDLED_MODEL, mode_3d="box_every_slice"),
    "x-ray": Strategy(model="efficientsam", fallback=BUNDLED_MODEL, mode_3d="box_every_slice"),
})

# The upstream LiteMedSAM baseline: every 3D modality propagates with a 3 px margin.
BASELINE = StrategyTable("baseline", Strategy(mode_3d="propagate", margin=3))

BUILTIN = {"seed": SEED, "baseline": BASELINE}


def _strategy_from(entry: dict, base: Strategy, where: str) -> Strategy:
    known = {f.name for f in fields(Strategy)}
    unknown = set(entry) - known
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {sorted(unknown)}; expected {sorted(known)}")
    return replace(base, **entry)


def table_from_dict(spec: dict, name: str = "custom") -> StrategyTable:
    """``{"default": {...}, "modality": {"PET": {...}, ...}}``; modality entries inherit
    the default's fields they do not set."""
    unknown = set(spec) - {"default", "modality"}
    if unknown:
        raise ValueError(f"{name}: unknown section(s) {sorted(unknown)}; use [default] and [modality.X]")
    default = _strategy_from(spec.get("default", {}), Strategy(), f"{name} [default]")
    by_modality = {normalise_modality(m): _strategy_from(entry, default, f"{name} [modality.{m}]")
                   for m, entry in spec.get("modality", {}).items()}
    return StrategyTable(name, default, by_modality)


def load_table(spec) -> StrategyTable:
    """``"seed"``, ``"baseline"``, a TOML file path, a dict, or a StrategyTable."""
    if isinstance(spec, StrategyTable):
        return spec
    if isinstance(spec, dict):
        return table_from_dict(spec)
    if isinstance(spec, str) and spec in BUILTIN:
        return BUILTIN[spec]
    path = Path(spec)
    if not path.is_file():
        raise ValueError(f"strategy {spec!r} is neither {sorted(BUILTIN)} nor a TOML file")
    try:
        spec_dict = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML ({exc})") from None
    return table_from_dict(spec_dict, path.name)

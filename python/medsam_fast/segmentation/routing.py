"""Routing tables: which model and which 3D slice strategy each modality gets.

A RoutingTable maps a modality (from the challenge file name, ``3DBox_PET_x.npz`` ->
``PET``, or given explicitly) to a Route; modalities not in the table take its default.
The user picks a table with ``strategy=`` (``Segmenter``, ``segment``) or ``--strategy``:
``"confidence"`` (the default: the seed's table with CT and MR confidence-guided),
``"per_modality"`` (``"seed"``, the original entry's name for it, is accepted too),
``"baseline"``, a TOML file or a dict.

A route's 3D slice strategy (``mode_3d``, run by the C++ core):
- ``propagate``: the middle slice with the box, then slice by slice up and down, each
  prompted by the previous slice's mask box grown by ``margin`` px (256 frame).
- ``box_every_slice``: every slice of the box's z-range prompted with the box itself.
- ``three_view``: box_every_slice along z (axial), y (coronal) and x (sagittal), then a
  per-voxel majority vote (where all three views differ, the smallest label, often 0).
- ``confidence``: propagate, but each slice after the middle one also decodes the box
  itself (the propagated box clipped to the box's footprint) in the same decoder call,
  and keeps the mask with the highest predicted IoU, cut at logit -1; a box under 32 px
  wide in the 256 frame decodes, on every slice, the box shrunk and grown by 2 px and
  cuts the mean of their logits at -2 (docs/strategies.md).

``model`` is ``"litemedsam"`` (the bundled checkpoint), ``"efficientsam"`` (the folder
``medsam-fast convert --family efficientsam`` writes by default), or a folder holding a
converted pair (``medsam-fast convert --checkpoint my.pth --out DIR``); ``fallback``
names the model used while ``model`` has not been converted.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from ..models.store import BUNDLED_MODEL

MODES_3D = ("propagate", "box_every_slice", "three_view", "confidence")


@dataclass(frozen=True)
class Route:
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
class RoutingTable:
    name: str
    default: Route
    by_modality: dict[str, Route] = field(default_factory=dict)

    def for_modality(self, modality: str | None) -> Route:
        return self.by_modality.get(normalise_modality(modality), self.default)

    def describe(self) -> str:
        rows = [f"{'modality':<12}{'model':<32}{'3D strategy':<17}margin"]
        for key, s in [("(default)", self.default), *sorted(self.by_modality.items())]:
            model = s.model if not s.fallback else f"{s.model} (else {s.fallback})"
            rows.append(f"{key:<12}{model:<32}{s.mode_3d:<17}{s.margin}")
        return "\n".join(rows)


# The seed entry's per-modality routing.  CT and MR propagate with a 7 px
# margin, PET is segmented in three views with a vote, other 3D modalities take the box
# on every slice, and 2D Microscopy and X-Ray go to EfficientSAM once the user has
# converted a checkpoint (`medsam-fast convert --family efficientsam`), to LiteMedSAM
# until then.  (The seed's fine-tuned PET encoder does not ship either; see docs/models.md.)
PER_MODALITY = RoutingTable(
    "per_modality",
    Route(mode_3d="box_every_slice"),
    {
        "ct": Route(mode_3d="propagate", margin=7),
        "mr": Route(mode_3d="propagate", margin=7),
        "pet": Route(mode_3d="three_view"),
        "microscopy": Route(
            model="efficientsam", fallback=BUNDLED_MODEL, mode_3d="box_every_slice"
        ),
        "x-ray": Route(model="efficientsam", fallback=BUNDLED_MODEL, mode_3d="box_every_slice"),
    },
)

# The upstream LiteMedSAM baseline: every 3D modality propagates with a 3 px margin.
BASELINE = RoutingTable("baseline", Route(mode_3d="propagate", margin=3))

# Confidence-guided 3D segmentation for CT and MR (docs/strategies.md has the evidence,
# measured on real MR): the seed's table otherwise.
CONFIDENCE = RoutingTable(
    "confidence",
    PER_MODALITY.default,
    {
        **PER_MODALITY.by_modality,
        "ct": Route(mode_3d="confidence", margin=7),
        "mr": Route(mode_3d="confidence", margin=7),
    },
)

BUILTIN = {"per_modality": PER_MODALITY, "baseline": BASELINE, "confidence": CONFIDENCE}
# The default: the confidence-guided table, which beat the seed's on real MR (mean DSC
# and NSD, tuning and held-out cases; docs/strategies.md).
DEFAULT_TABLE = "confidence"
# Other names the built-in tables answer to: "seed", the original entry's name.
ALIASES = {"seed": "per_modality"}


def _strategy_from(entry: dict, base: Route, where: str) -> Route:
    known = {f.name for f in fields(Route)}
    unknown = set(entry) - known
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {sorted(unknown)}; expected {sorted(known)}")
    return replace(base, **entry)


def table_from_dict(spec: dict, name: str = "custom") -> RoutingTable:
    """``{"default": {...}, "modality": {"PET": {...}, ...}}``; modality entries inherit
    the default's fields they do not set."""
    unknown = set(spec) - {"default", "modality"}
    if unknown:
        raise ValueError(
            f"{name}: unknown section(s) {sorted(unknown)}; use [default] and [modality.X]"
        )
    default = _strategy_from(spec.get("default", {}), Route(), f"{name} [default]")
    by_modality = {
        normalise_modality(m): _strategy_from(entry, default, f"{name} [modality.{m}]")
        for m, entry in spec.get("modality", {}).items()
    }
    return RoutingTable(name, default, by_modality)


def load_table(spec) -> RoutingTable:
    """``"confidence"``, ``"per_modality"`` (alias ``"seed"``), ``"baseline"``, a TOML
    file path, a dict,
    or a RoutingTable."""
    if isinstance(spec, RoutingTable):
        return spec
    if isinstance(spec, dict):
        return table_from_dict(spec)
    if isinstance(spec, str) and ALIASES.get(spec, spec) in BUILTIN:
        return BUILTIN[ALIASES.get(spec, spec)]
    path = Path(spec)
    if not path.is_file():
        raise ValueError(
            f"strategy {spec!r} is neither one of {sorted([*BUILTIN, *ALIASES])} nor a TOML file"
        )
    try:
        spec_dict = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML ({exc})") from None
    return table_from_dict(spec_dict, path.name)

"""A trained checkpoint to an ONNX pair, and the routing-table lines that send a
modality to it (the same 3D strategy the default table gives that modality)."""

from __future__ import annotations

from pathlib import Path

from ..segmentation.routing import PER_MODALITY


def routing_lines(model_dir: str | Path, modality: str | None) -> str:
    """TOML for ``medsam-fast segment --strategy FILE.toml``."""
    route = PER_MODALITY.for_modality(modality)
    section = f"[modality.{modality}]" if modality else "[default]"
    return "\n".join(
        [
            section,
            f'model = "{Path(model_dir).resolve()}"',
            f'mode_3d = "{route.mode_3d}"',
            f"margin = {route.margin}",
        ]
    )


def export_checkpoint(checkpoint: str | Path, out_dir: str | Path, modality: str | None) -> str:
    """Converts ``checkpoint`` into ``out_dir`` (atomically) and returns the TOML lines."""
    from ..convert.export import convert_litemedsam

    convert_litemedsam(Path(out_dir), checkpoint=Path(checkpoint))
    return routing_lines(out_dir, modality)

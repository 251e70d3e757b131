"""The fast preset: the fastest mode that is accurate and that this CPU runs natively.

A mode is accurate when, on the real-case benchmark (benchmarks/bench_precision.py), its
mean DSC change against fp32 is no worse than -0.005 and the upper end of the 95%
interval of that change is above -0.01.  ``ACCURATE`` records which modes passed, with
the numbers in docs/performance.md ("Precision"); fp32 needs no such check.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from .cpu import cpu_features, has_int8_dot_products, has_native_bf16


@dataclass(frozen=True)
class Mode:
    engine: str
    precision: str
    reason: str  # why the preset chose it, for --verbose and last_stats


# Fastest first.  int8 is left out of the preset until it passes the rule (it does not
# yet: docs/performance.md); bf16 passed on the 2-core EPYC with AVX-512 BF16.
ACCURATE = {"int8": False, "bf16": True}


def fast_mode(features: frozenset[str] | None = None, openvino: bool | None = None) -> Mode:
    """The mode ``--fast`` runs on a CPU with ``features`` (default: this one's)."""
    features = cpu_features() if features is None else features
    if openvino is None:
        openvino = importlib.util.find_spec("openvino") is not None
    if not openvino:
        return Mode("onnxruntime", "fp32", "fp32: OpenVINO is not installed (the openvino extra)")
    flags = ", ".join(sorted(features)) or "none"
    if ACCURATE["int8"] and has_int8_dot_products(features):
        return Mode("openvino", "int8", f"int8: the CPU has int8 dot products ({flags})")
    if ACCURATE["bf16"] and has_native_bf16(features):
        return Mode("openvino", "bf16", f"bf16: the CPU has native bf16 ({flags})")
    return Mode("onnxruntime", "fp32", f"fp32: no faster accurate mode is native here ({flags})")

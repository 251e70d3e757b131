"""What this CPU's instruction set offers the reduced-precision modes, read at run time.

Our machines differ (AMD EPYC with AVX-512 BF16 and VNNI; Intel with AMX), so nothing is
assumed: the flags come from the kernel (``/proc/cpuinfo`` on Linux).  Elsewhere the set
is empty, and the fast preset keeps fp32.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

# The flags the presets look at: native bf16 arithmetic (AVX-512 BF16, AMX-BF16) and int8
# dot products (AVX-512 VNNI, AVX-VNNI, AMX-INT8).
BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})
INT8_FLAGS = frozenset({"avx512_vnni", "avx_vnni", "amx_int8"})
KNOWN_FLAGS = BF16_FLAGS | INT8_FLAGS


def parse_cpuinfo(text: str) -> frozenset[str]:
    """The known flags in the text of /proc/cpuinfo (the first processor's line)."""
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return frozenset(value.split()) & KNOWN_FLAGS
    return frozenset()


@lru_cache(maxsize=1)
def cpu_features() -> frozenset[str]:
    """The known flags this CPU reports; empty where the kernel does not say."""
    try:
        return parse_cpuinfo(Path("/proc/cpuinfo").read_text(errors="replace"))
    except OSError:
        return frozenset()


def has_native_bf16(features: frozenset[str]) -> bool:
    return bool(features & BF16_FLAGS)


def has_int8_dot_products(features: frozenset[str]) -> bool:
    return bool(features & INT8_FLAGS)

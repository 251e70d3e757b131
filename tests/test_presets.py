"""The fast preset: CPU flags read at run time, and the mode chosen from them."""

from __future__ import annotations

import numpy as np
import pytest

from medsam_fast import Segmenter
from medsam_fast.cli.parser import build_parser
from medsam_fast.models import presets
from medsam_fast.models.cpu import cpu_features, parse_cpuinfo

EPYC = "processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_bf16 avx512_vnni avx_vnni\n"
SAPPHIRE_RAPIDS = "flags\t\t: avx512f avx512_bf16 avx512_vnni amx_bf16 amx_int8 amx_tile\n"
OLDER_XEON = "flags\t\t: sse2 avx2 avx512f avx512_vnni\n"
ARM = "processor\t: 0\nFeatures\t: fp asimd bf16 i8mm\n"


def test_cpuinfo_flags_are_read_and_filtered():
    assert parse_cpuinfo(EPYC) == {"avx512_bf16", "avx512_vnni", "avx_vnni"}
    assert parse_cpuinfo(SAPPHIRE_RAPIDS) == {"avx512_bf16", "avx512_vnni", "amx_bf16", "amx_int8"}
    assert parse_cpuinfo(ARM) == frozenset()
    assert parse_cpuinfo("") == frozenset()


def test_this_cpu_reports_what_its_kernel_says():
    with open("/proc/cpuinfo") as f:
        words = set(f.read().split())
    assert cpu_features() == frozenset(f for f in cpu_features() if f in words)


@pytest.mark.parametrize(
    ("cpuinfo", "precision"),
    [(EPYC, "bf16"), (SAPPHIRE_RAPIDS, "bf16"), (OLDER_XEON, "fp32"), (ARM, "fp32")],
)
def test_the_preset_takes_bf16_only_where_it_is_native(cpuinfo, precision):
    mode = presets.fast_mode(parse_cpuinfo(cpuinfo), openvino=True)
    assert mode.precision == precision
    assert mode.engine == ("openvino" if precision != "fp32" else "onnxruntime")


def test_without_openvino_the_preset_stays_exact():
    mode = presets.fast_mode(parse_cpuinfo(SAPPHIRE_RAPIDS), openvino=False)
    assert (mode.engine, mode.precision) == ("onnxruntime", "fp32")
    assert "OpenVINO is not installed" in mode.reason


def test_int8_enters_the_preset_only_once_it_is_accurate(monkeypatch):
    assert presets.fast_mode(parse_cpuinfo(OLDER_XEON), openvino=True).precision == "fp32"
    monkeypatch.setitem(presets.ACCURATE, "int8", True)
    assert presets.fast_mode(parse_cpuinfo(OLDER_XEON), openvino=True).precision == "int8"
    monkeypatch.setitem(presets.ACCURATE, "bf16", False)
    monkeypatch.setitem(presets.ACCURATE, "int8", False)
    assert presets.fast_mode(parse_cpuinfo(EPYC), openvino=True).precision == "fp32"


def test_a_fast_segmenter_says_what_ran_and_why():
    pytest.importorskip("openvino")
    segmenter = Segmenter(strategy="baseline", threads=2, fast=True)
    expected = presets.fast_mode()
    assert (segmenter.engine, segmenter.precision) == (expected.engine, expected.precision)
    segmenter.segment_2d(np.full((64, 64), 128, dtype=np.uint8), [[10, 10, 40, 40]])
    assert segmenter.last_stats["engine"] == expected.engine
    assert segmenter.last_stats["precision"] == expected.precision
    assert segmenter.last_stats["preset"] == expected.reason


def test_the_cli_takes_fast_and_int8():
    args = build_parser().parse_args(["segment", "-i", "in", "-o", "out", "--fast"])
    assert args.fast is True
    args = build_parser().parse_args(
        ["convert", "--precision", "int8", "--calibration", "a", "--calibration", "b"]
    )
    assert args.precision == "int8" and [str(p) for p in args.calibration] == ["a", "b"]

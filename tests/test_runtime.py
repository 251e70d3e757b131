"""ONNX Runtime loading and its errors: clear Python exceptions, never a crash."""

import os
import subprocess
import sys

import pytest

from medsam_fast import _core
from medsam_fast.models import engines


def run_python(code, **env):
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )


def test_the_wheel_library_is_found_and_new_enough():
    path = engines.find_library()
    assert path.name.startswith("libonnxruntime.so.1")
    version = engines.ensure_loaded()
    major, minor = (int(v) for v in version.split(".")[:2])
    assert (major, minor) >= (1, _core.ORT_API_VERSION)


def test_a_missing_library_override_is_named():
    result = run_python(
        "from medsam_fast.models import engines; engines.ensure_loaded()",
        MEDSAM_FAST_ORT_LIBRARY="/nonexistent/libonnxruntime.so",
    )
    assert result.returncode != 0
    assert "/nonexistent/libonnxruntime.so: no such file" in result.stderr


def test_a_library_that_is_not_onnx_runtime_raises_runtime_load_error():
    code = (
        "from medsam_fast import _core\n"
        f"try:\n    _core.load_runtime({_core.__file__!r})\n"
        "except _core.RuntimeLoadError as e:\n    print('refused:', e)\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert "does not export OrtGetApiBase" in result.stdout


def test_a_corrupt_model_raises_ort_error_with_ort_message(tmp_path, segmenter):
    bogus = tmp_path / "encoder.onnx"
    bogus.write_bytes(b"\x08\x07garbage")
    with pytest.raises(_core.OrtError) as err:
        _core.LiteMedSAMModel(str(bogus), str(segmenter.files.decoder), 1)
    assert str(bogus) in str(err.value)


def test_a_model_with_another_signature_is_refused(segmenter):
    with pytest.raises(ValueError, match="unexpected model signature"):
        _core.LiteMedSAMModel(str(segmenter.files.decoder), str(segmenter.files.encoder), 1)

"""ONNX Runtime loading and its errors: clear Python exceptions, never a crash."""

import os
import shutil
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


def load_runtime_in_a_subprocess(library):
    """Loads `library` as ONNX Runtime in a fresh process (a process loads one runtime),
    printing the RuntimeLoadError's message if it is refused."""
    code = (
        "from medsam_fast import _core\n"
        f"try:\n    _core.load_runtime({str(library)!r})\n"
        "except _core.RuntimeLoadError as e:\n    print('refused:', e)\n"
    )
    return run_python(code)


def test_the_wheel_library_is_found_and_new_enough():
    path = engines.find_library()
    assert path.name.startswith("libonnxruntime")
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
    result = load_runtime_in_a_subprocess(_core.__file__)
    assert result.returncode == 0, result.stderr
    assert "does not export OrtGetApiBase" in result.stdout


# An ONNX Runtime as old as 1.20: it exports OrtGetApiBase but serves no API past 20.
OLD_RUNTIME_C = r"""
#include <stddef.h>
#include <stdint.h>
typedef struct OrtApiBase {
  const void* (*GetApi)(uint32_t version);
  const char* (*GetVersionString)(void);
} OrtApiBase;
static const void* get_api(uint32_t version) { return version <= 20 ? (const void*)1 : NULL; }
static const char* version_string(void) { return "1.20.0"; }
static const OrtApiBase base = {get_api, version_string};
const OrtApiBase* OrtGetApiBase(void) { return &base; }
"""


def test_an_older_onnx_runtime_is_refused_with_the_version_it_needs(tmp_path):
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("needs a C compiler to build the stand-in library")
    source = tmp_path / "old_runtime.c"
    source.write_text(OLD_RUNTIME_C)
    library = tmp_path / "libonnxruntime.so.1.20.0"
    build = subprocess.run(
        [compiler, "-shared", "-fPIC", "-o", str(library), str(source)],
        capture_output=True,
        text=True,
    )
    if build.returncode != 0:  # e.g. the wheel test, whose PATH has no working compiler
        pytest.skip(f"cannot build the stand-in library: {build.stderr.strip()}")
    result = load_runtime_in_a_subprocess(library)
    assert result.returncode == 0, result.stderr
    api = _core.ORT_API_VERSION
    assert f"ONNX Runtime 1.20.0 at {library} does not serve API version {api}" in result.stdout
    assert f"install onnxruntime >= 1.{api}" in result.stdout


def test_a_corrupt_model_raises_ort_error_with_ort_message(tmp_path, segmenter):
    bogus = tmp_path / "encoder.onnx"
    bogus.write_bytes(b"\x08\x07garbage")
    with pytest.raises(_core.OrtError) as err:
        _core.LiteMedSAMModel(str(bogus), str(segmenter.files.decoder), 1)
    assert str(bogus) in str(err.value)


def test_a_model_with_another_signature_is_refused(segmenter):
    with pytest.raises(ValueError, match="unexpected model signature"):
        _core.LiteMedSAMModel(str(segmenter.files.decoder), str(segmenter.files.encoder), 1)

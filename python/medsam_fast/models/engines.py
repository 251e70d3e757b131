"""The inference engines: which engines and precisions exist, and finding and loading
the shared library each one's wheel ships.

The C++ core dlopens ONNX Runtime (the ``onnxruntime`` wheel's library) or OpenVINO's C
API (the ``openvino`` extra); we never import either Python module, so only one copy of
an engine lives in the process.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import sys
from pathlib import Path

from .. import _core

ENGINES = ("onnxruntime", "openvino")
PRECISIONS = ("fp32", "bf16", "int8")
ENV_LIBRARY = "MEDSAM_FAST_ORT_LIBRARY"


def _library_in_wheel(env: str, package: str, pattern: str, missing: str) -> Path:
    """The shared library `package`'s wheel ships at `pattern` (relative to the package),
    or the file the environment variable `env` names."""
    override = os.environ.get(env)
    if override:
        path = Path(override)
        if not path.is_file():
            raise FileNotFoundError(f"{env}={override}: no such file")
        return path
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(missing)
    for location in spec.submodule_search_locations:
        hits = sorted(glob.glob(os.path.join(location, pattern)))
        if hits:
            return Path(hits[-1])
    raise ImportError(
        f"the installed {package} package ships no {pattern}; set {env} to the library's path"
    )


# How the engines' wheels name their shared libraries on the platforms the core's dlopen
# layer serves (Linux, macOS).
_ORT_LIBRARY = "libonnxruntime.*.dylib" if sys.platform == "darwin" else "libonnxruntime.so.1*"
_OPENVINO_LIBRARY = "libopenvino_c*.dylib" if sys.platform == "darwin" else "libopenvino_c.so*"


def find_library() -> Path:
    """Path of the library the onnxruntime wheel ships (libonnxruntime.so.1.* on Linux;
    ``MEDSAM_FAST_ORT_LIBRARY`` overrides the search)."""
    return _library_in_wheel(
        ENV_LIBRARY,
        "onnxruntime",
        os.path.join("capi", _ORT_LIBRARY),
        "the onnxruntime package is not installed: pip install onnxruntime",
    )


def ensure_loaded() -> str:
    """Loads ONNX Runtime once per process and returns its version."""
    return _core.load_runtime(str(find_library()))


# ------------------------------------------------------------------ OpenVINO (optional)
ENV_OPENVINO_LIBRARY = "MEDSAM_FAST_OPENVINO_LIBRARY"


def find_openvino_library() -> Path:
    """Path of the OpenVINO C API library the ``openvino`` wheel ships
    (``MEDSAM_FAST_OPENVINO_LIBRARY`` overrides the search)."""
    return _library_in_wheel(
        ENV_OPENVINO_LIBRARY,
        "openvino",
        os.path.join("libs", _OPENVINO_LIBRARY),
        "engine 'openvino' needs the openvino package: pip install 'medsam-fast[openvino]'",
    )


def check_engine(engine: str, precision: str = "fp32") -> None:
    """Refuses an unknown engine or precision, or a precision the engine does not run."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    if engine == "onnxruntime" and precision != "fp32":
        raise ValueError(
            f"precision {precision} needs engine 'openvino'; "
            "ONNX Runtime's CPU provider runs these models in fp32 only"
        )


def ensure_engine(engine: str, precision: str = "fp32") -> None:
    """Loads the runtime library `engine` needs, once per process, after checking that
    the engine runs `precision`."""
    check_engine(engine, precision)
    if engine == "openvino":
        _core.load_openvino(str(find_openvino_library()))
    else:
        ensure_loaded()

"""Where the build gets ONNX Runtime's C API header (cmake/ort_headers.cmake), run in CMake's
script mode: the pinned release served from this machine, a wrong hash, an old header, and
the message when no source works."""

from __future__ import annotations

import functools
import hashlib
import http.server
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from medsam_fast import _core

ROOT = Path(__file__).resolve().parents[1]
HEADERS_SCRIPT = ROOT / "cmake" / "ort_headers.cmake"
PIN = ROOT / "cmake" / "ort_pin.cmake"

pytestmark = pytest.mark.skipif(
    not HEADERS_SCRIPT.exists() or shutil.which("cmake") is None,
    reason="needs the source tree and cmake",
)


def pinned(name: str) -> str:
    match = re.search(rf'set\({name}\s+"?([^")\s]+)"?\)', PIN.read_text())
    assert match, f"{name} not in {PIN}"
    return match.group(1)


def the_build_header() -> Path | None:
    """The header this machine's build used, if it came through the cache."""
    home = os.environ.get("MEDSAM_FAST_HOME")
    cache = Path(home) / "ort-headers" if home else Path.home() / ".cache/medsam_fast/ort-headers"
    header = cache / "onnxruntime_c_api.h"
    return header if header.exists() else None


def find_headers(tmp_path: Path, sources: str, **variables: str):
    defines = [f"-DMEDSAM_FAST_ORT_HEADER_SOURCES={sources}"]
    defines += [f"-D{key}={value}" for key, value in variables.items()]
    env = {k: v for k, v in os.environ.items() if k != "ONNXRUNTIME_INCLUDE_DIR"}
    return subprocess.run(
        ["cmake", *defines, "-P", str(HEADERS_SCRIPT)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )


@pytest.fixture
def served_header(tmp_path):
    """A real header served over HTTP from this machine; yields (url, sha256)."""
    source = the_build_header()
    if source is None:
        pytest.skip("no cached ONNX Runtime header to serve")
    folder = tmp_path / "served"
    folder.mkdir()
    shutil.copy(source, folder / source.name)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/{source.name}"
        yield url, hashlib.sha256(source.read_bytes()).hexdigest()
    finally:
        server.shutdown()
        server.server_close()


def test_the_pin_agrees_with_pyproject_and_the_core():
    api = int(pinned("MEDSAM_FAST_ORT_API_VERSION"))
    version = pinned("MEDSAM_FAST_ORT_VERSION")
    assert version.startswith(f"1.{api}.")
    assert f'"onnxruntime>=1.{api}"' in (ROOT / "pyproject.toml").read_text()
    assert _core.ORT_API_VERSION == api


def test_the_pinned_hash_is_that_of_the_release_header_debian_carries():
    header = the_build_header()
    if header is None:
        pytest.skip("the build did not go through the header cache")
    api_line = f"#define ORT_API_VERSION {pinned('MEDSAM_FAST_ORT_API_VERSION')}\n"
    if api_line not in header.read_text():
        pytest.skip("the cached header is of another release")
    digest = hashlib.sha256(header.read_bytes()).hexdigest()
    assert digest == pinned("MEDSAM_FAST_ORT_RELEASE_HEADER_SHA256")


def fetch_release(tmp_path, url, sha256, cache):
    return find_headers(
        tmp_path,
        "release",
        MEDSAM_FAST_ORT_CACHE=str(cache),
        MEDSAM_FAST_ORT_HEADER_URL=url,
        MEDSAM_FAST_ORT_HEADER_SHA256=sha256,
    )


def test_the_release_header_is_fetched_checked_and_cached(tmp_path, served_header):
    url, sha256 = served_header
    cache = tmp_path / "cache"
    result = fetch_release(tmp_path, url, sha256, cache)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines()[-1] == str(cache)
    assert hashlib.sha256((cache / "onnxruntime_c_api.h").read_bytes()).hexdigest() == sha256
    # A second build finds it in the cache without the server.
    again = find_headers(tmp_path, "cache", MEDSAM_FAST_ORT_CACHE=str(cache))
    assert again.returncode == 0, again.stderr
    assert "(cache)" in again.stdout


def test_a_release_header_with_another_hash_is_refused_and_not_cached(tmp_path, served_header):
    url, sha256 = served_header
    wrong = sha256[::-1]
    cache = tmp_path / "cache"
    result = fetch_release(tmp_path, url, wrong, cache)
    assert result.returncode != 0
    assert f"has SHA-256 {sha256}, expected {wrong}" in result.stderr
    assert not cache.exists()
    assert not (tmp_path / "cache.partial").exists()


def test_an_old_header_is_passed_over_for_the_next_source(tmp_path, served_header):
    url, sha256 = served_header
    old = tmp_path / "old"
    old.mkdir()
    (old / "onnxruntime_c_api.h").write_text("#define ORT_API_VERSION 20\n")
    cache = tmp_path / "cache"
    result = find_headers(
        tmp_path,
        "dir;release",
        ONNXRUNTIME_INCLUDE_DIR=str(old),
        MEDSAM_FAST_ORT_CACHE=str(cache),
        MEDSAM_FAST_ORT_HEADER_URL=url,
        MEDSAM_FAST_ORT_HEADER_SHA256=sha256,
    )
    assert result.returncode == 0, result.stderr
    assert "(release)" in result.stdout


def test_when_no_source_works_the_message_names_every_fix(tmp_path):
    old = tmp_path / "old"
    old.mkdir()
    (old / "onnxruntime_c_api.h").write_text("#define ORT_API_VERSION 20\n")
    result = find_headers(
        tmp_path,
        "dir;cache;release",
        ONNXRUNTIME_INCLUDE_DIR=str(old),
        MEDSAM_FAST_ORT_CACHE=str(tmp_path / "empty"),
        # A port nothing listens on: the download fails at once.
        MEDSAM_FAST_ORT_HEADER_URL="http://127.0.0.1:9/onnxruntime_c_api.h",
    )
    assert result.returncode != 0
    message = " ".join(result.stderr.split())
    assert "has API version '20', older than" in message
    assert "cache: no onnxruntime_c_api.h in" in message
    assert "release: download of http://127.0.0.1:9/onnxruntime_c_api.h failed" in message
    for fix in ("set ONNXRUNTIME_INCLUDE_DIR", "ONNX Runtime's release", "libonnxruntime-dev"):
        assert fix in message

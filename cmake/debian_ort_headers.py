#!/usr/bin/env python3
"""Fetch ONNX Runtime's C API headers from Debian's ``libonnxruntime-dev``.

The last of the header sources cmake/ort_headers.cmake tries, for machines that reach
Debian's archive but not ONNX Runtime's release.  Neither PyPI's onnxruntime wheel nor
Debian 12 ship the C API headers; newer Debian suites do.  We ask apt itself for the
package, with a private state directory so the machine's own apt configuration is left
untouched, and reuse the archive mirror that the machine's apt sources already name (no
host is written in this file).

Usage: debian_ort_headers.py DEST_DIR MIN_API_VERSION
Prints the include directory (holding onnxruntime_c_api.h) on stdout.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# Suites to try, oldest first: the oldest that carries the package gives the most
# conservative API version, and a header of API N works with any newer library.
SUITES = ("trixie", "forky", "sid")
HEADER = "onnxruntime_c_api.h"


def log(msg: str) -> None:
    print(f"[debian_ort_headers] {msg}", file=sys.stderr)


def debian_mirrors() -> list[tuple[str, str]]:
    """(uri, signed_by) of the Debian archive entries in the machine's apt sources."""
    found: list[tuple[str, str]] = []
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        for stanza in Path(path).read_text(errors="replace").split("\n\n"):
            fields = {}
            for line in stanza.splitlines():
                if line.startswith("#") or ":" not in line:
                    continue
                key, _, value = line.partition(":")
                fields[key.strip().lower()] = value.strip()
            uris = fields.get("uris", "").split()
            suites = fields.get("suites", "").split()
            if "deb" not in fields.get("types", "").split():
                continue
            if any(s.endswith("-security") for s in suites):
                continue
            for uri in uris:
                found.append((uri, fields.get("signed-by", "")))
    lists = ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list"))
    for path in lists:
        if not os.path.exists(path):
            continue
        for line in Path(path).read_text(errors="replace").splitlines():
            m = re.match(r"^\s*deb\s+(\[[^\]]*\]\s+)?(\S+)\s+(\S+)", line)
            if not m or m.group(3).endswith("-security"):
                continue
            opts = m.group(1) or ""
            signed = re.search(r"signed-by=(\S+?)[\s\]]", opts)
            found.append((m.group(2), signed.group(1) if signed else ""))
    # Only the main Debian archive carries libonnxruntime-dev.
    debian = [(u, s) for (u, s) in found if re.search(r"/debian/?$", u)]
    return debian


def api_version(header: Path) -> int:
    m = re.search(r"#define\s+ORT_API_VERSION\s+(\d+)", header.read_text(errors="replace"))
    return int(m.group(1)) if m else -1


def apt_download(mirror: str, signed_by: str, suite: str, work: Path) -> Path | None:
    state = work / "state"
    for sub in ("lists/partial", "cache/archives/partial", "etc/preferences.d", "etc/apt.conf.d"):
        (state / sub).mkdir(parents=True, exist_ok=True)
    opts = f"[signed-by={signed_by}] " if signed_by else ""
    (state / "etc/sources.list").write_text(f"deb {opts}{mirror} {suite} main\n")
    (state / "status").write_text("")
    common = [
        "-o",
        f"Dir::Etc::SourceList={state / 'etc/sources.list'}",
        "-o",
        "Dir::Etc::SourceParts=/nonexistent",
        "-o",
        f"Dir::Etc::Preferences={state / 'etc/preferences'}",
        "-o",
        f"Dir::Etc::PreferencesParts={state / 'etc/preferences.d'}",
        "-o",
        f"Dir::State={state}",
        "-o",
        f"Dir::State::Lists={state / 'lists'}",
        "-o",
        f"Dir::State::status={state / 'status'}",
        "-o",
        f"Dir::Cache={state / 'cache'}",
        "-o",
        "APT::Sandbox::User=root" if os.geteuid() == 0 else "Debug::NoLocking=1",
        "-o",
        "Acquire::Languages=none",
        "-o",
        "APT::Get::List-Cleanup=0",
        "-o",
        "Debug::NoLocking=1",
    ]
    log(f"apt-get update for suite {suite}")
    r = subprocess.run(["apt-get", *common, "update"], capture_output=True, text=True)
    if r.returncode != 0:
        log(r.stderr.strip()[-2000:])
        return None
    r = subprocess.run(
        ["apt-get", *common, "download", "libonnxruntime-dev"],
        cwd=work,
        capture_output=True,
        text=True,
    )
    if r.returncode != 0:
        log(f"libonnxruntime-dev not available in {suite}: {r.stderr.strip()[-500:]}")
        return None
    debs = sorted(work.glob("libonnxruntime-dev_*.deb"))
    return debs[-1] if debs else None


def extract_headers(deb: Path, work: Path) -> Path | None:
    root = work / "extract"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    hits = sorted(root.rglob(HEADER))
    return hits[0].parent if hits else None


def main() -> int:
    if len(sys.argv) != 3 or not sys.argv[2].isdigit():
        print(__doc__, file=sys.stderr)
        return 2
    dest = Path(sys.argv[1]).resolve()
    min_api_version = int(sys.argv[2])
    if not shutil.which("apt-get") or not shutil.which("dpkg-deb"):
        log("apt-get/dpkg-deb not found: this is not a Debian machine.")
        return 1
    mirrors = debian_mirrors()
    if not mirrors:
        log("no Debian archive found in /etc/apt sources.")
        return 1
    for mirror, signed_by in mirrors:
        for suite in SUITES:
            with tempfile.TemporaryDirectory(prefix="ort-headers-") as tmp:
                work = Path(tmp)
                deb = apt_download(mirror, signed_by, suite, work)
                if deb is None:
                    continue
                include = extract_headers(deb, work)
                if include is None or api_version(include / HEADER) < min_api_version:
                    log(f"{deb.name} has no usable {HEADER}")
                    continue
                # Copied beside the destination, then renamed: never a half-filled cache.
                partial = dest.with_name(dest.name + ".partial")
                shutil.rmtree(partial, ignore_errors=True)
                shutil.copytree(include, partial)
                shutil.rmtree(dest, ignore_errors=True)
                partial.rename(dest)
                log(f"headers from {deb.name} (API {api_version(dest / HEADER)}) -> {dest}")
                print(dest)
                return 0
    log("could not obtain libonnxruntime-dev from the Debian archives in /etc/apt.")
    return 1


if __name__ == "__main__":
    sys.exit(main())

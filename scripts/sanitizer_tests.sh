#!/usr/bin/env bash
# The core and the extension built with AddressSanitizer and UBSan (-DMEDSAM_FAST_SANITIZE=ON),
# installed into build/sanitize/site (the active environment keeps its normal build), then
# the fuzz replay and the fast tests run against it.  Any ASan or UBSan report fails the run.
# Run after scripts/test.sh (it needs the test extra and the converted model).
set -euo pipefail
cd "$(dirname "$0")/.."
out="$PWD/build/sanitize"
rm -rf "$out/site"
python -m pip install --no-deps --quiet --target "$out/site" \
  -Ccmake.define.MEDSAM_FAST_SANITIZE=ON -Cbuild-dir="$out/cmake" .

# Python is not built with ASan, so the runtimes are preloaded ahead of everything else.
# detect_leaks=0: CPython, numpy and torch keep allocations until exit by design, so leak
# reports would be noise.  ONNX Runtime is dlopen'ed uninstrumented: ASan still checks
# our reads and writes of its buffers, not its own code.
LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
export LD_PRELOAD
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# OpenVINO's TBB dlopens libtbbbind with RTLD_DEEPBIND, which ASan refuses (it aborts);
# this TBB switch drops the flag.
export TBB_ENABLE_SANITIZERS=1
export PYTHONPATH="$out/site${PYTHONPATH:+:$PYTHONPATH}"
log="$out/pytest.log"
status=0
python -m pytest tests -m "not slow" -q -p no:cacheprovider "$@" 2>&1 | tee "$log" || status=$?
# A report that did not abort (e.g. from a child process) still fails the run.
if grep -qE "ERROR: AddressSanitizer|runtime error:" "$log"; then
  echo "sanitizer_tests: a sanitizer report is in $log" >&2
  exit 1
fi
exit "$status"

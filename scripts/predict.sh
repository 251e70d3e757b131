#!/bin/sh
# The challenge's entry point (`sh predict.sh` in the container): segments every case in
# IN (default /workspace/inputs) into OUT (default /workspace/outputs) with the same
# command as `medsam-fast segment`.  Anything after IN and OUT goes to that command
# (e.g. --threads 1).  Exit code: 0, or 1 if any case failed (each one is named on stderr).
set -eu
IN=${1:-/workspace/inputs}
OUT=${2:-/workspace/outputs}
[ "$#" -gt 0 ] && shift
[ "$#" -gt 0 ] && shift
# No network at run time: the models were converted when the image was built, and
# medsam-fast never downloads anything.
exec medsam-fast segment -i "$IN" -o "$OUT" "$@"

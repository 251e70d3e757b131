#!/usr/bin/env bash
# Builds and imports the package on the oldest Python pyproject claims (3.10), so a
# 3.11-only module or syntax cannot slip in. Uses pyenv's 3.10 where the machine has it.
set -euo pipefail
cd "$(dirname "$0")/.."
python310=$(ls -d /root/.pyenv/versions/3.10.*/bin/python 2>/dev/null | head -n 1 || true)
[ -n "$python310" ] || python310=$(command -v python3.10 || true)
if [ -z "$python310" ]; then
  echo "check_oldest_python: no Python 3.10 on this machine; not checked" >&2
  exit 0
fi
venv=$(mktemp -d)/py310
"$python310" -m venv "$venv"
"$venv/bin/python" -m pip install -q .
(cd / && "$venv/bin/python" -c "import medsam_fast, medsam_fast.cli, medsam_fast.segmentation.routing as r; r.load_table('per_modality'); print('Python', __import__('sys').version.split()[0], 'imports medsam_fast', medsam_fast.__version__)")
rm -rf "$(dirname "$venv")"

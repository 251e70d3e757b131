#!/usr/bin/env bash
# The style checks .ci/run makes before the tests: ruff (lint and format, the version
# pinned in pyproject's "lint" extra) on Python, Debian's clang-format on src/cpp.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null 2>&1; then
  SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq clang-format
fi
ruff_pin=$(python - <<'PY'
import re
text = open("pyproject.toml").read()
print(re.search(r'lint = \["(ruff==[^"]+)"\]', text).group(1))
PY
)
python -m pip install -q "$ruff_pin"
python -m ruff check .
python -m ruff format --check .
git ls-files 'src/cpp/*.cpp' 'src/cpp/*.hpp' 'src/cpp/*.inl' | xargs clang-format --dry-run -Werror
echo "lint: ruff check, ruff format and clang-format passed"

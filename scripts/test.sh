#!/usr/bin/env bash
# Installs what the tests need (Debian's mricron-data and insighttoolkit5-examples for
# real MRI with labels, the test extra) and runs them.  Run scripts/setup.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! dpkg -s mricron-data insighttoolkit5-examples >/dev/null 2>&1; then
  SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq mricron-data insighttoolkit5-examples
fi
python -m pip install ".[convert,test]"
python -m pytest tests "$@"

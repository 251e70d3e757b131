#!/usr/bin/env bash
# Installs what the tests need (Debian's mricron-data and insighttoolkit5-examples for
# real MRI with labels, invesalius-examples for a real CT with labels; xvfb and the X
# libraries Qt's xcb platform loads, for the napari plugin's tests in a real viewer; the
# test extra) and runs them.  Run scripts/setup.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."
DEBIAN_PACKAGES=(mricron-data insighttoolkit5-examples invesalius-examples
  xvfb libgl1 libegl1 libdbus-1-3 libfontconfig1 libxkbcommon-x11-0 libxcb-icccm4
  libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-xinerama0
  libxcb-shape0 libxcb-cursor0 libxcb-xkb1 libxcb-xfixes0)
if ! dpkg -s "${DEBIAN_PACKAGES[@]}" >/dev/null 2>&1; then
  SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${DEBIAN_PACKAGES[@]}"
fi
python -m pip install ".[convert,test]"
python -m pytest tests "$@"

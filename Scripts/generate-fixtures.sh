#!/usr/bin/env bash
# Regenerates the PyTorch parity fixtures (Tests/TorchTests/Fixtures/*.json) with Python torch 2.11.0.
#
# Creates the Python environment on first use: $SWIFTLIGHTNING_CACHE/pyenv (default
# ~/.cache/swiftlightning/pyenv) with torch==2.11.0, numpy and lightning==2.6.6 (about 4 GB of wheels,
# once: Python's torch needs the CUDA libraries to import, even on a CPU machine).
#
# Usage: Scripts/generate-fixtures.sh [--out DIR] [--only case1,case2]
#   --out DIR   write the fixtures there instead of Tests/TorchTests/Fixtures
#   PYTHON=...  the interpreter that creates the environment (default python3)
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE="${SWIFTLIGHTNING_CACHE:-$HOME/.cache/swiftlightning}"
VENV="$CACHE/pyenv"
PY="$VENV/bin/python"

if ! "$PY" -c 'import torch, numpy, lightning; assert torch.__version__.startswith("2.11.0"), torch.__version__; assert lightning.__version__ == "2.6.6", lightning.__version__' 2> /dev/null; then
    echo "[fixtures] creating the Python environment in $VENV (torch==2.11.0, numpy, lightning==2.6.6)" >&2
    mkdir -p "$CACHE"
    [[ -x "$PY" ]] || "${PYTHON:-python3}" -m venv "$VENV"
    "$PY" -m pip install --quiet --upgrade pip
    "$PY" -m pip install --quiet "torch==2.11.0" numpy "lightning==2.6.6"
fi

exec "$PY" Tools/parity/generate_fixtures.py "$@"

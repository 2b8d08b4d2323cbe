#!/usr/bin/env bash
# Regenerates the PyTorch parity fixtures (Tests/TorchTests/Fixtures/*.json, and Optim/optim.json for
# optimizers, clipping and LR schedulers) with Python torch 2.11.0.
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
OUT=Tests/TorchTests/Fixtures
ARGS=("$@")
for ((i = 0; i < ${#ARGS[@]}; i++)); do
    if [[ "${ARGS[i]}" == "--out" ]]; then OUT="${ARGS[i + 1]}"; fi
done
"$PY" Tools/parity/generate_fixtures.py "$@"
"$PY" Tools/parity/make_optim_fixtures.py --out "$OUT/Optim/optim.json"

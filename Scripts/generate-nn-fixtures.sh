#!/usr/bin/env bash
# Regenerates the neural-network parity fixtures (Tests/TorchTests/Fixtures/nn_layers/*.json) with
# Python torch 2.11.0: layers, losses, functional forms, init functions, composite models.
#
# Usage: Scripts/generate-nn-fixtures.sh [--out DIR] [--only case1,case2]
set -euo pipefail
cd "$(dirname "$0")/.."

PY="$(Scripts/python-env.sh)"
exec "$PY" Tools/parity/make_nn_fixtures.py "$@"

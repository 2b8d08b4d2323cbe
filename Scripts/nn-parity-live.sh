#!/usr/bin/env bash
# Runs the neural-network parity tests live against Python torch 2.11.0:
# 1. regenerates the nn fixtures into a temporary folder and says whether the committed ones are
#    still what Python produces;
# 2. runs NNParityTests against the fresh fixtures, exporting every Swift layer's state dict;
# 3. loads each Swift state dict strictly into the same PyTorch module
#    (Tools/parity/check_swift_state_dicts.py).
#
# Usage: Scripts/nn-parity-live.sh [extra `swift test` arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

OUT="$(mktemp -d "${TMPDIR:-/tmp}/swiftlightning-nn-parity.XXXXXX")"
trap 'rm -rf "$OUT"' EXIT
PY="$(Scripts/python-env.sh)"

"$PY" Tools/parity/make_nn_fixtures.py --out "$OUT/fixtures"
if diff -rq Tests/TorchTests/Fixtures/nn_layers "$OUT/fixtures" > /dev/null; then
    echo "[nn-parity] the committed fixtures are up to date"
else
    echo "[nn-parity] note: the committed fixtures differ from what Python produces now; run Scripts/generate-nn-fixtures.sh and commit"
fi

source "${SWIFTLIGHTNING_CACHE:-$HOME/.cache/swiftlightning}/env.sh"
SWIFTLIGHTNING_NN_FIXTURES="$OUT/fixtures" SWIFTLIGHTNING_NN_EXPORT="$OUT/swift-states" \
    swift test --filter NNParityTests "$@"
"$PY" Tools/parity/check_swift_state_dicts.py "$OUT/swift-states"

#!/usr/bin/env bash
# Runs the PyTorch parity tests live: regenerates the fixtures with Python torch 2.11.0 into a
# temporary folder (the committed ones are left alone), says whether the committed fixtures are
# still what Python produces, and runs the same Swift tests against the fresh ones.
#
# Usage: Scripts/parity-live.sh [extra `swift test` arguments]
#   SWIFTLIGHTNING_PARITY_VERBOSE=1   also print differences that are within tolerance
set -euo pipefail
cd "$(dirname "$0")/.."

OUT="$(mktemp -d "${TMPDIR:-/tmp}/swiftlightning-parity.XXXXXX")"
trap 'rm -rf "$OUT"' EXIT

Scripts/generate-fixtures.sh --out "$OUT"
if diff -rq -x tokenizer -x bert -x nn_layers Tests/TorchTests/Fixtures "$OUT" > /dev/null; then  # tokenizer/, bert/: Scripts/bert-live.sh; nn_layers/: Scripts/nn-parity-live.sh
    echo "[parity] the committed fixtures are up to date"
else
    echo "[parity] note: the committed fixtures differ from what Python produces now; run Scripts/generate-fixtures.sh and commit"
fi

source "${SWIFTLIGHTNING_CACHE:-$HOME/.cache/swiftlightning}/env.sh"
SWIFTLIGHTNING_FIXTURES="$OUT" swift test --filter "OpParityTests|RandomParityTests|OptimParityTests|LRSchedulerParityTests" "$@"

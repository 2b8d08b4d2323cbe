#!/usr/bin/env bash
# Runs the PyTorch parity tests live: regenerates the fixtures with Python torch 2.11.0 into a
# temporary folder (the committed ones are left alone) and runs the same Swift tests against them.
#
# Usage: Scripts/parity-live.sh [extra `swift test` arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

OUT="$(mktemp -d "${TMPDIR:-/tmp}/swiftlightning-parity.XXXXXX")"
trap 'rm -rf "$OUT"' EXIT

Scripts/generate-fixtures.sh --out "$OUT"
source "${SWIFTLIGHTNING_CACHE:-$HOME/.cache/swiftlightning}/env.sh"
SWIFTLIGHTNING_FIXTURES="$OUT" swift test --filter "OpParityTests|RandomParityTests" "$@"

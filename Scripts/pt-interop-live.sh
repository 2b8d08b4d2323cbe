#!/usr/bin/env bash
# Checks PyTorch's file format (torch.save / torch.load) live against Python torch 2.11.0, both ways:
#
#   Python -> Swift: writes fresh .pt/.ckpt files with torch.save and Lightning 2.6.6
#     (Tools/fixtures/make_pt_fixtures.py, into a temporary folder), says whether the committed
#     fixtures are still what Python writes, and runs the Swift loading tests against the fresh files.
#   Swift -> Python: the Swift test PTInteropWriter writes files (SWIFTLIGHTNING_PT_OUT), and
#     Tools/fixtures/check_pt_files.py loads each with torch.load(weights_only=True) (and mmap=True,
#     and PyTorch's own storage-offset prediction), compares values, shares, load_state_dict and
#     LightningModule.load_from_checkpoint.
#
# Usage: Scripts/pt-interop-live.sh [--keep]     (--keep: leave the files in the printed folder)
set -euo pipefail
cd "$(dirname "$0")/.."

OUT="$(mktemp -d "${TMPDIR:-/tmp}/swiftlightning-pt.XXXXXX")"
if [[ "${1:-}" == "--keep" ]]; then echo "[pt-interop] files in $OUT"; else trap 'rm -rf "$OUT"' EXIT; fi
PY="$(Scripts/python-env.sh)"
source "${SWIFTLIGHTNING_CACHE:-$HOME/.cache/swiftlightning}/env.sh"

echo "[pt-interop] Python -> Swift"
"$PY" Tools/fixtures/make_pt_fixtures.py --out "$OUT/python" | grep -v '^\[make_pt_fixtures\] [a-z_0-9]*:' || true
if cmp -s "$OUT/python/pt/python-files.json" Tests/TorchTests/Fixtures/pt/python-files.json; then
    echo "[pt-interop] the committed fixtures are up to date"
else
    echo "[pt-interop] note: the committed fixtures differ from what Python writes now; run Tools/fixtures/make_pt_fixtures.py and commit"
fi
swift build --build-tests
SWIFTLIGHTNING_FIXTURES="$OUT/python" swift test --skip-build --filter "PTPythonFileTests|PTBadInputTests"

echo "[pt-interop] Swift -> Python"
SWIFTLIGHTNING_PT_OUT="$OUT/swift" swift test --skip-build --filter "PTInteropWriter"
"$PY" Tools/fixtures/check_pt_files.py "$OUT/swift"

#!/usr/bin/env bash
# Regenerates the operator layer from ATen's native_functions.yaml:
#   Sources/CTorch/include/ctorch_generated.h, Sources/CTorch/generated/ops_*.cpp,
#   Sources/Torch/Generated/Tensor+Ops*.swift and docs/generated-ops.md.
# The output is committed; run this after changing Tools/generate-ops/generate.py or libtorch.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${SWIFTLIGHTNING_CACHE:-$HOME/.cache/swiftlightning}"
PY="${PYTHON:-python3}"

if [[ -f "$CACHE/env.sh" ]]; then
    # shellcheck source=/dev/null
    source "$CACHE/env.sh"
fi
if [[ -z "${SWIFTLIGHTNING_TORCH_DIR:-}" || ! -d "${SWIFTLIGHTNING_TORCH_DIR}/include/ATen" ]]; then
    "$ROOT/Scripts/setup.sh"
    # shellcheck source=/dev/null
    source "$CACHE/env.sh"
fi

YAML="$SWIFTLIGHTNING_TORCH_DIR/../torchgen/packaged/ATen/native/native_functions.yaml"
if [[ ! -f "$YAML" ]]; then
    echo "[generate-ops] error: $YAML not found; the torch wheel's torchgen/packaged folder is needed (Scripts/setup.sh unpacks it)" >&2
    exit 1
fi
"$PY" -c 'import yaml' 2> /dev/null || { echo "[generate-ops] error: $PY needs PyYAML (pip install pyyaml)" >&2; exit 1; }

exec "$PY" "$ROOT/Tools/generate-ops/generate.py" \
    --yaml "$YAML" --torch-include "$SWIFTLIGHTNING_TORCH_DIR/include" --out "$ROOT"

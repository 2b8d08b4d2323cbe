#!/usr/bin/env bash
# Regenerates the Lightning reference fixtures (Tests/LightningTests/Fixtures/) with Python
# Lightning 2.6.6 + torch 2.11.0 on the CPU. See Tools/lightning-reference/README.md.
#
# The Python environment is $SWIFTLIGHTNING_CACHE/pyenv (default ~/.cache/swiftlightning/pyenv);
# Scripts/python-env.sh creates it on first use.
#
# Usage: Scripts/generate-lightning-fixtures.sh [--out DIR] [--only script1,script2]
#   --out DIR     write the fixtures there instead of Tests/LightningTests/Fixtures
#   --only LIST   run only these scripts (names without .py, e.g. hook_order,loop_counters)
set -euo pipefail
cd "$(dirname "$0")/.."

SCRIPTS=(hook_order logging_semantics checkpoint_layout early_stopping loop_counters printed_output lr_monitor ddp_w1 tuning callback_assembly)
ARGS=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --only) IFS=',' read -r -a SCRIPTS <<< "$2"; shift 2 ;;
        --out) ARGS+=(--out "$2"); shift 2 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done

PY="$(Scripts/python-env.sh)"
for s in "${SCRIPTS[@]}"; do
    echo "[lightning-reference] $s.py" >&2
    "$PY" "Tools/lightning-reference/$s.py" ${ARGS[@]+"${ARGS[@]}"} > /dev/null
done

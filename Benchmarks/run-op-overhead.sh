#!/usr/bin/env bash
# Per-operation overhead: the same tight loops of small-tensor ops in Swift (release build) and in
# Python PyTorch, run one after the other on this machine, reported as Swift/Python ratios.
# Usage: Benchmarks/run-op-overhead.sh [iterations]
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
CACHE="${SWIFTLIGHTNING_CACHE:-$HOME/.cache/swiftlightning}"
source "$CACHE/env.sh"
PY="${PYTHON_TORCH:-$CACHE/pyenv/bin/python}"
[[ -x "$PY" ]] || PY="$(Scripts/python-env.sh)"
ITERATIONS="${1:-20000}"

swift build -c release --product OpOverheadBenchmark > /dev/null
swift_json="$(.build/release/OpOverheadBenchmark "$ITERATIONS")"
python_json="$("$PY" Benchmarks/OpOverhead/op_overhead.py "$ITERATIONS")"
"$PY" - "$swift_json" "$python_json" <<'PYEOF'
import json, sys
s, p = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"Per-op overhead, median ns per call (torch {p['torch']}, 2 threads)")
print(f"{'op':<18}{'Swift':>10}{'Python':>10}{'Swift/Python':>14}")
ratios = []
for name, py in p["ns_per_op"].items():
    sw = s["ns_per_op"][name]
    ratios.append(sw / py)
    print(f"{name:<18}{sw:>10.0f}{py:>10.0f}{sw / py:>14.2f}")
print(f"{'geometric mean':<38}{(__import__('math').prod(ratios)) ** (1 / len(ratios)):>14.2f}")
PYEOF

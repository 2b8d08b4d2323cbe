#!/usr/bin/env bash
# Per-operation overhead: the same tight loops of small-tensor ops in Swift (release build) and in
# Python PyTorch, run one after the other on this machine, reported as Swift/Python ratios.
# Usage: Benchmarks/run-op-overhead.sh [iterations]
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/common.sh
ITERATIONS="${1:-20000}"

ROUNDS="${ROUNDS:-3}"

swift build -c release --product OpOverheadBenchmark > /dev/null
# Alternate the two sides so that background load falls on both alike; keep every round.
results=()
for _ in $(seq "$ROUNDS"); do
    results+=("$(.build/release/OpOverheadBenchmark "$ITERATIONS")")
    results+=("$("$PY" Benchmarks/OpOverhead/op_overhead.py "$ITERATIONS")")
done
"$PY" - "${results[@]}" <<'PYEOF'
import json, statistics, sys
runs = [json.loads(a) for a in sys.argv[1:]]
def merged(side):
    rounds = runs[side::2]
    return {"torch": rounds[0]["torch"], "ns_per_op": {k: statistics.median(r["ns_per_op"][k] for r in rounds) for k in rounds[0]["ns_per_op"]}}
s, p = merged(0), merged(1)
print(f"Per-op overhead, median ns per call over {len(runs) // 2} alternating rounds (torch {p['torch']}, 2 threads)")
print(f"{'op':<18}{'Swift':>10}{'Python':>10}{'Swift/Python':>14}")
ratios = []
for name, py in p["ns_per_op"].items():
    sw = s["ns_per_op"][name]
    ratios.append(sw / py)
    print(f"{name:<18}{sw:>10.0f}{py:>10.0f}{sw / py:>14.2f}")
print(f"{'geometric mean':<38}{(__import__('math').prod(ratios)) ** (1 / len(ratios)):>14.2f}")
PYEOF

#!/usr/bin/env bash
# Walking a module tree (parameters(), namedModules(), train(), zeroGrad()) in Swift (release build)
# and in Python PyTorch, one after the other on this machine, reported as Swift/Python ratios.
# Usage: Benchmarks/run-module-tree.sh      ROUNDS=n alternating rounds (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/common.sh
ROUNDS="${ROUNDS:-3}"

[[ "${SKIP_BUILD:-0}" == 1 ]] || swift build -c release --product ModuleTreeBenchmark > /dev/null
results=()
for _ in $(seq "$ROUNDS"); do
    results+=("$(.build/release/ModuleTreeBenchmark)")
    results+=("$("$PY" Benchmarks/ModuleTree/module_tree.py)")
done
"$PY" - "${results[@]}" <<'PYEOF'
import json, statistics, sys
runs = [json.loads(a) for a in sys.argv[1:]]
def merged(side):
    rounds = runs[side::2]
    return {k: statistics.median(r["us_per_call"][k] for r in rounds) for k in rounds[0]["us_per_call"]}
s, p = merged(0), merged(1)
print(f"Module tree walks, median µs per call over {len(runs) // 2} alternating rounds (torch {runs[1]['torch']})")
print(f"{'case':<30}{'Swift':>10}{'Python':>10}{'Swift/Python':>14}")
for name, py in p.items():
    print(f"{name:<30}{s[name]:>10.1f}{py:>10.1f}{s[name] / py:>14.2f}")
PYEOF

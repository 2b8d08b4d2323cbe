#!/usr/bin/env bash
# DDP scaling on the CPU: W1 and W3 (benchmarks.md) with the Swift Trainer and PyTorch Lightning
# 2.6.6, each on 1 and on 2 processes (Gloo on 127.0.0.1, the 2 intra-op threads shared between the
# processes), ROUNDS rounds (default 3), the sides alternating within a round. Reports the medians:
# fit time, samples per second over all ranks, the 2-process speed-up, and Swift/Python ratios.
# Usage: Benchmarks/run-ddp.sh [W1 W3 ...]
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/common.sh
ROUNDS="${ROUNDS:-3}"
WORKLOADS=("$@")
[[ ${#WORKLOADS[@]} -gt 0 ]] || WORKLOADS=(W1 W3)
[[ "${SKIP_BUILD:-0}" == 1 ]] || swift build -c release --product TrainerBenchmark > /dev/null
BIN=.build/release/TrainerBenchmark
RESULTS="$(mktemp)"
trap 'rm -f "$RESULTS"' EXIT
for w in "${WORKLOADS[@]}"; do
  for r in $(seq 1 "$ROUNDS"); do
    for d in 1 2; do
      BENCH_DEVICES=$d timeout 600 "$BIN" "$w" trainer 2>/dev/null | grep '^{' | tail -n 1 >> "$RESULTS"
      BENCH_DEVICES=$d timeout 600 "$PY" Benchmarks/Trainer/bench_python.py "$w" lightning 2>/dev/null | grep '^{' | tail -n 1 >> "$RESULTS"
    done
    echo "  $w round $r done (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  done
done
"$PY" - "$RESULTS" "$(nproc)" "$ROUNDS" <<'PYEOF'
import json, statistics, sys
from collections import defaultdict
batch = {"W1": 64, "W2": 64, "W3": 32, "W4": 64, "W5": 30}
runs = defaultdict(list)
for line in open(sys.argv[1]):
    r = json.loads(line)
    runs[(r["workload"], r["side"], r.get("devices", 1))].append(r)
print(f"DDP scaling on the CPU, medians of {sys.argv[3]} rounds ({sys.argv[2]} cores, 2 intra-op threads shared by the processes)")
print(f"{'workload':<9}{'side':<18}{'procs':>6}{'fit s':>9}{'samples/s':>11}{'speed-up':>10}{'final loss':>12}")
for w in sorted({k[0] for k in runs}):
    rate = {}
    for side in ["swift_trainer", "python_lightning"]:
        for d in (1, 2):
            rs = runs.get((w, side, d))
            if not rs: continue
            fit = statistics.median(r["fit_s"] for r in rs)
            samples = statistics.median(r["steps"] * batch[w] * d / r["fit_s"] for r in rs)
            rate[(side, d)] = samples
            up = f"{samples / rate[(side, 1)]:.2f}x" if d == 2 and (side, 1) in rate else ""
            print(f"{w:<9}{side:<18}{d:>6}{fit:>9.2f}{samples:>11.0f}{up:>10}{statistics.median(r['final_loss'] for r in rs):>12.4f}")
    for d in (1, 2):
        if ("swift_trainer", d) in rate and ("python_lightning", d) in rate:
            print(f"{w:<9}Swift/Lightning samples/s with {d} process(es): {rate[('swift_trainer', d)] / rate[('python_lightning', d)]:.2f}x")
PYEOF

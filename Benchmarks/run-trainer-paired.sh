#!/usr/bin/env bash
# The Trainer's wall-time overhead over the raw Swift loop, measured so that a shared, noisy machine
# can still resolve a few percent: both sides run in one process (Benchmarks/Trainer,
# `TrainerBenchmark W paired N`), back to back in pairs, the order swapped every pair, each run on
# freshly made data and model with the same seeds. Each pair gives one ratio Trainer/raw; the load of
# the machine moves both runs of a pair together, so the ratios spread far less than the times. Prints
# the median ratio with a 95% confidence interval (bootstrap over the pairs) for the whole fit call
# and for the training loop alone (first step to last step), in wall time and in CPU time.
#
# Usage: Benchmarks/run-trainer-paired.sh [workload (W1)] [pairs (21)]
#        BENCH_THREADS=n sets the intra-op threads (default 2); SKIP_BUILD=1 skips the build.
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/common.sh
WORKLOAD="${1:-W1}"
PAIRS="${2:-21}"
RESULTS="$(mktemp)"
trap 'rm -f "$RESULTS"' EXIT
run_trainer_benchmark "$RESULTS" "$WORKLOAD: $PAIRS pairs plus one warm-up pair" "$WORKLOAD" paired "$((PAIRS + 1))"
"$PY" - "$RESULTS" "$(nproc)" "${BENCH_THREADS:-2}" <<'PYEOF'
import json, random, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
pairs = {}
for r in runs:
    if r["pair"] > 0:  # pair 0 is the warm-up
        pairs.setdefault(r["pair"], {})[r["side"]] = r
pairs = [p for p in pairs.values() if len(p) == 2]
losses = {(r["side"], r["final_loss"]) for r in runs}
print(f"{runs[0]['workload']}: {len(pairs)} pairs in one process ({sys.argv[2]} CPU cores, {sys.argv[3]} intra-op threads), "
      f"{runs[0]['steps']} steps per run")
print(f"final losses: {sorted(losses)}")
random.seed(0)
def summary(key):
    ratios = [p["swift_trainer"][key] / p["swift_raw"][key] for p in pairs]
    median = statistics.median(ratios)
    boots = sorted(statistics.median(random.choices(ratios, k=len(ratios))) for _ in range(10_000))
    low, high = boots[250], boots[9_749]
    t = statistics.median(p["swift_trainer"][key] for p in pairs)
    r = statistics.median(p["swift_raw"][key] for p in pairs)
    spread = max(p["swift_raw"][key] for p in pairs) / min(p["swift_raw"][key] for p in pairs)
    print(f"{key:<13} Trainer {t:8.5f} s  raw {r:8.5f} s  (raw max/min {spread:4.2f})  "
          f"Trainer/raw median {100 * (median - 1):+5.2f}%  95% CI [{100 * (low - 1):+5.2f}%, {100 * (high - 1):+5.2f}%]  "
          f"pairs with the Trainer slower: {sum(x > 1 for x in ratios)}/{len(ratios)}")
for key in ("fit_s", "loop_s", "loop_cpu_s", "step_median_s", "forward_median_s"):
    summary(key)
PYEOF

#!/usr/bin/env bash
# Trainer overhead (workloads W1–W5 of the shared benchmarks.md): each workload run four ways — the
# Swift Trainer, a raw Swift loop over the same Torch layers, a raw PyTorch loop and PyTorch
# Lightning 2.6.6 — one process per run, the four sides alternating within each round, ROUNDS
# rounds (default 3); prints the medians and the ratios. Same seeds, data, initial weights and batch
# order on every side, 2 intra-op threads.
# Usage: Benchmarks/run-trainer.sh [W1 W2 ...]   (default: W1 W2 W3 W4 W5; ROUNDS=n to change rounds)
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/common.sh
ROUNDS="${ROUNDS:-3}"
WORKLOADS=("$@")
[[ ${#WORKLOADS[@]} -gt 0 ]] || WORKLOADS=(W1 W2 W3 W4 W5)

[[ "${SKIP_BUILD:-0}" == 1 ]] || swift build -c release --product TrainerBenchmark > /dev/null
BIN=.build/release/TrainerBenchmark
RESULTS="$(mktemp)"
trap 'rm -f "$RESULTS"' EXIT
for w in "${WORKLOADS[@]}"; do
  for r in $(seq 1 "$ROUNDS"); do
    "$BIN" "$w" trainer 2>/dev/null | tail -n 1 >> "$RESULTS"
    "$PY" Benchmarks/Trainer/bench_python.py "$w" lightning 2>/dev/null | tail -n 1 >> "$RESULTS"
    "$BIN" "$w" raw 2>/dev/null | tail -n 1 >> "$RESULTS"
    "$PY" Benchmarks/Trainer/bench_python.py "$w" raw 2>/dev/null | tail -n 1 >> "$RESULTS"
    echo "  $w round $r done (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  done
done
[[ -n "${KEEP_RESULTS:-}" ]] && cp "$RESULTS" "$KEEP_RESULTS"
"$PY" - "$RESULTS" "$(nproc)" "$ROUNDS" <<'PYEOF'
import json, statistics, sys
from collections import defaultdict
runs = defaultdict(list)
for line in open(sys.argv[1]):
    line = line.strip()
    if line.startswith("{"):
        r = json.loads(line)
        runs[(r["workload"], r["side"])].append(r)
sides = ["swift_trainer", "swift_raw", "python_lightning", "python_raw"]
med = lambda rs, k: statistics.median(r[k] for r in rs)
print(f"Trainer benchmark, medians of {sys.argv[3]} rounds ({sys.argv[2]} CPU cores, 2 intra-op threads)")
print(f"{'workload':<5}{'side':<18}{'fit s':>9}{'steps/s':>10}{'1st step s':>11}{'peak MiB':>10}{'final loss':>12}")
summary = []
for w in sorted({k[0] for k in runs}):
    m = {}
    for s in sides:
        rs = runs.get((w, s))
        if not rs:
            continue
        m[s] = {k: med(rs, k) for k in ("fit_s", "steps_per_s", "first_step_s", "peak_rss_mib")}
        m[s]["final_loss"] = rs[-1]["final_loss"]
        m[s]["steps"] = rs[-1]["steps"]
        print(f"{w:<5}{s:<18}{m[s]['fit_s']:>9.3f}{m[s]['steps_per_s']:>10.1f}{m[s]['first_step_s']:>11.3f}"
              f"{m[s]['peak_rss_mib']:>10.0f}{m[s]['final_loss']:>12.6f}")
    summary.append((w, m))
print()
print(f"{'workload':<9}{'Trainer/raw Swift':>19}{'Lightning/Swift Trainer':>25}{'PyTorch raw/Swift raw':>23}{'Lightning/PyTorch raw':>23}")
for w, m in summary:
    def ratio(a, b): return m[a]["fit_s"] / m[b]["fit_s"] if a in m and b in m else float("nan")
    over = (ratio("swift_trainer", "swift_raw") - 1) * 100
    print(f"{w:<9}{over:>+18.1f}%{ratio('python_lightning', 'swift_trainer'):>24.2f}x"
          f"{ratio('python_raw', 'swift_raw'):>22.2f}x{(ratio('python_lightning', 'python_raw') - 1) * 100:>+22.1f}%")
print("(fit wall time ratios; >1x means the Swift side is faster)")
PYEOF

#!/usr/bin/env bash
# DataLoader throughput: the same dataset (1024 images 3x64x64), transform and loader settings
# (batch 32, shuffle, 0/1/2 workers) in Swift (release build; worker threads) and in Python PyTorch
# (worker processes), run one after the other on this machine, reported as samples/s and Swift/Python.
# Usage: Benchmarks/run-dataloader.sh [samples] [epochs] [workers,...]
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/common.sh
SAMPLES="${1:-1024}"
EPOCHS="${2:-3}"
WORKERS="${3:-0,1,2}"

swift build -c release --product DataLoaderBenchmark > /dev/null
swift_json="$(.build/release/DataLoaderBenchmark "$SAMPLES" "$EPOCHS" "$WORKERS")"
python_json="$("$PY" Benchmarks/DataLoader/dataloader.py "$SAMPLES" "$EPOCHS" "$WORKERS")"
"$PY" - "$swift_json" "$python_json" "$(nproc)" <<'PYEOF'
import json, sys
s, p, cores = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
print(f"DataLoader throughput, samples/s, median of the measured epochs (torch {p['torch']}, {cores} CPU cores)")
print(f"{'workload':<28}{'Swift':>10}{'Python':>10}{'Swift/Python':>14}")
for name, py in p["samples_per_s"].items():
    sw = s["samples_per_s"][name]
    print(f"{name:<28}{sw:>10.0f}{py:>10.0f}{sw / py:>14.2f}")
bad = [k for k in p["checksum"] if abs(s["checksum"][k] - p["checksum"][k]) > 1e-3 * max(1.0, abs(p["checksum"][k]))]
print("checksums (sum of every batch of the last epoch) agree" if not bad else f"checksums differ: {bad}")
PYEOF

#!/usr/bin/env bash
# The Trainer's per-step overhead over the raw Swift loop, measured so that a shared machine's load
# falls on every side alike: in one fit through the Trainer, every BLOCK Trainer steps two raw loops
# make BLOCK steps each (each on its own model, optimizer and loader, made with the same seeds), so
# the sides alternate every few milliseconds instead of every run (`run-trainer-paired.sh` alternates
# whole fits, a second or more apart, and a load change inside a pair shows as overhead).
#   raw:             the conventional loop: zero grad, forward, backward, optimizer step.
#   raw, L. order:   the same loop with zero grad where Lightning's closure has it, after the forward
#                    and before backward: exactly the Trainer's tensor work, in the Trainer's order.
# Trainer / raw is the overhead a user sees; Trainer / raw-in-Lightning's-order is what the Trainer's
# own code costs; raw-in-Lightning's-order / raw is what that order of zero grad costs.
# A step lasts from its start to the next step's start, data loading and every hook included. Each
# ratio is of the mean step (total time over steps), with a 95% confidence interval (bootstrap over
# the blocks), and per fit, then the median over blocks of the per-block Trainer / raw ratio (less
# moved by a block that load slowed on one side only). The set-up and teardown of `fit` (outside the steps) are not in these
# numbers; `run-trainer-paired.sh` gives the whole fit.
#
# Usage: Benchmarks/run-trainer-interleaved.sh [workload (W1); W0 is a model so small that a step is
#        almost all fixed cost] [fits (5)] [block (20)]
#        BENCH_THREADS=n sets the intra-op threads (default 2); SKIP_BUILD=1 skips the build;
#        KEEP_RESULTS=file keeps the raw JSON lines.
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/common.sh
WORKLOAD="${1:-W1}"
FITS="${2:-5}"
BLOCK="${3:-20}"
RESULTS="$(mktemp)"
trap 'rm -f "$RESULTS"' EXIT
run_trainer_benchmark "$RESULTS" "$WORKLOAD: $FITS fits plus one warm-up, raw blocks of $BLOCK steps" \
    "$WORKLOAD" interleaved "$((FITS + 1))" "$BLOCK"
"$PY" - "$RESULTS" "$(nproc)" "${BENCH_THREADS:-2}" <<'PYEOF'
import json, random, statistics, sys
fits = [json.loads(line) for line in open(sys.argv[1])][1:]  # the first fit warms up
SIDES = ("trainer_steps_s", "raw_steps_s", "raw_lightning_order_steps_s")
def blocks_of(fit):
    return list(zip(*(fit[side] for side in SIDES)))
blocks = [b for fit in fits for b in blocks_of(fit)]
print(f"{fits[0]['workload']}: {len(fits)} fits in one process ({sys.argv[2]} CPU cores, {sys.argv[3]} intra-op threads), "
      f"{len(blocks)} blocks of {fits[0]['block']} steps per side")
print(f"final losses: Trainer {sorted({f['final_loss'] for f in fits})}, raw {sorted({f['raw_final_loss'] for f in fits})}")
for i, name in enumerate(("Trainer", "raw", "raw, L. order")):
    steps = [x for b in blocks for x in b[i]]
    print(f"  {name:<14} mean step {1e6 * statistics.mean(steps):7.1f} µs   median step {1e6 * statistics.median(steps):7.1f} µs")

def ratio(bs, a, b):
    return sum(sum(x[a]) for x in bs) / sum(sum(x[b]) for x in bs)

random.seed(0)
for label, a, b in (("Trainer / raw", 0, 1), ("Trainer / raw, L. order", 0, 2), ("raw, L. order / raw", 2, 1)):
    boots = sorted(ratio(random.choices(blocks, k=len(blocks)), a, b) for _ in range(2_000))
    slower = sum(sum(x[a]) > sum(x[b]) for x in blocks)
    per_fit = "  ".join(f"{100 * (ratio(blocks_of(f), a, b) - 1):+.2f}%" for f in fits)
    print(f"{label:<24} {100 * (ratio(blocks, a, b) - 1):+5.2f}%  95% CI [{100 * (boots[50] - 1):+5.2f}%, {100 * (boots[1_949] - 1):+5.2f}%]  "
          f"blocks slower: {slower}/{len(blocks)}  per fit: {per_fit}")

# The median over blocks of each block's ratio: a block that the machine's neighbours slowed on one
# side only (a hypervisor taking the cores for a few milliseconds) moves it far less than the mean.
block_ratios = [sum(x[0]) / sum(x[1]) for x in blocks]
boots = sorted(statistics.median(random.choices(block_ratios, k=len(block_ratios))) for _ in range(2_000))
print(f"{'Trainer / raw, median block':<24} {100 * (statistics.median(block_ratios) - 1):+5.2f}%  95% CI [{100 * (boots[50] - 1):+5.2f}%, {100 * (boots[1_949] - 1):+5.2f}%]")
PYEOF

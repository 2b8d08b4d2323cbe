#!/usr/bin/env bash
# The Trainer's overhead over the raw Swift loop in instructions, which, unlike wall time, do not
# depend on what else the machine runs: callgrind counts the instructions of `Trainer.fit` and of the
# raw loop (`rawFit`) of Benchmarks/Trainer on one workload, one intra-op thread, at two step counts;
# the difference gives the cost per step and the fixed cost (setup and teardown) of each side, and
# from them the overhead of a whole run of the workload.
#
# Usage: Benchmarks/count-trainer-instructions.sh [workload (W1)] [steps of a whole run (938)]
# Needs valgrind. Takes about 10 minutes on 2 cores (the two sides run side by side).
set -euo pipefail
cd "$(dirname "$0")/.."
WORKLOAD="${1:-W1}"
FULL_STEPS="${2:-938}"
SHORT="${SHORT_STEPS:-50}"
LONG="${LONG_STEPS:-150}"
command -v valgrind > /dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 2; }
source Benchmarks/common.sh

swift build -c release --product TrainerBenchmark > /dev/null
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# valgrind 3.19 cannot read the DWARF 5 of Swift's release builds; the symbol table is enough.
cp .build/release/TrainerBenchmark "$WORK/bench"
strip --strip-debug "$WORK/bench"

# count MODE STEPS: the instructions inside the timed part of one run (prints one number).
count() {
    local mode="$1" steps="$2" toggle
    # Exact symbols: a pattern that also matched a function called inside would toggle counting off there.
    if [[ "$mode" == raw ]]; then toggle='$s16TrainerBenchmark6rawFitySi5steps_5Torch6TensorCSg4losstAA8WorkloadVKF'
    else toggle='$s9Lightning7TrainerC3fit_16trainDataloaders03valE08ckptPathyx_AA11BatchLoader_p0I0QzAJRS_XPSgSayAaH_pA2JRS_XPGSgSSSgtKAA0A6ModuleRzlF'; fi
    BENCH_STEPS="$steps" BENCH_THREADS=1 OMP_NUM_THREADS=1 valgrind --tool=callgrind \
        --callgrind-out-file="$WORK/$mode.$steps.out" --toggle-collect="$toggle" \
        "$WORK/bench" "$WORKLOAD" "$mode" > "$WORK/$mode.$steps.json" 2> "$WORK/$mode.$steps.err"
    local ir
    ir="$(grep -o 'Collected : [0-9]*' "$WORK/$mode.$steps.err" | awk '{print $3}')"
    if [[ -z "$ir" || "$ir" == 0 ]]; then
        echo "callgrind counted nothing for $mode (was the function renamed?): $(tail -n 3 "$WORK/$mode.$steps.err")" >&2
        exit 1
    fi
    echo "$ir"
}

declare -A IR
for steps in "$SHORT" "$LONG"; do
    count raw "$steps" > "$WORK/raw.$steps.ir" &
    count trainer "$steps" > "$WORK/trainer.$steps.ir" &
    wait
    IR[raw.$steps]="$(cat "$WORK/raw.$steps.ir")"
    IR[trainer.$steps]="$(cat "$WORK/trainer.$steps.ir")"
done

python3 - "$WORKLOAD" "$SHORT" "$LONG" "$FULL_STEPS" "${IR[raw.$SHORT]}" "${IR[raw.$LONG]}" \
    "${IR[trainer.$SHORT]}" "${IR[trainer.$LONG]}" <<'PYEOF'
import sys
workload, short, long_, full = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
raw_s, raw_l, tr_s, tr_l = map(int, sys.argv[5:9])
def split(s, l):
    per_step = (l - s) / (long_ - short)
    return per_step, s - short * per_step
raw_step, raw_fixed = split(raw_s, raw_l)
tr_step, tr_fixed = split(tr_s, tr_l)
raw_full, tr_full = raw_fixed + full * raw_step, tr_fixed + full * tr_step
print(f"{workload}, instructions (callgrind, 1 thread; steps {short} and {long_}):")
print(f"{'':<16}{'per step':>14}{'fixed':>16}{f'{full} steps':>18}")
print(f"{'raw Swift loop':<16}{raw_step:>14,.0f}{raw_fixed:>16,.0f}{raw_full:>18,.0f}")
print(f"{'Swift Trainer':<16}{tr_step:>14,.0f}{tr_fixed:>16,.0f}{tr_full:>18,.0f}")
print(f"Trainer over raw: {100 * (tr_step / raw_step - 1):+.2f}% per step, {100 * (tr_full / raw_full - 1):+.2f}% over {full} steps")
PYEOF

# Sourced by the benchmark scripts (run from the repository root): libtorch set up and on the
# loader path, and PY, the Python with torch 2.11.0 and Lightning 2.6.6 to run beside Swift.
Scripts/setup.sh > /dev/null
CACHE="${SWIFTLIGHTNING_CACHE:-$HOME/.cache/swiftlightning}"
source "$CACHE/env.sh"
PY="${PYTHON_TORCH:-$CACHE/pyenv/bin/python}"
[[ -x "$PY" ]] || PY="$(Scripts/python-env.sh)"

# run_trainer_benchmark RESULTS DESCRIPTION ARGS…: runs `TrainerBenchmark ARGS…` (built first unless
# SKIP_BUILD=1), its JSON lines into RESULTS (copied to KEEP_RESULTS=file when set), telling the
# machine's load before and after (the runs are only as steady as the machine).
run_trainer_benchmark() {
    local results="$1" description="$2"
    shift 2
    [[ "${SKIP_BUILD:-0}" == 1 ]] || swift build -c release --product TrainerBenchmark > /dev/null
    echo "  $description (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    .build/release/TrainerBenchmark "$@" 2>/dev/null | grep '^{' > "$results"
    echo "  done (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    if [[ -n "${KEEP_RESULTS:-}" ]]; then cp "$results" "$KEEP_RESULTS"; fi
}

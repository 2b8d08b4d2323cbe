# Sourced by the benchmark scripts (run from the repository root): libtorch set up and on the
# loader path, and PY, the Python with torch 2.11.0 and Lightning 2.6.6 to run beside Swift.
Scripts/setup.sh > /dev/null
CACHE="${SWIFTLIGHTNING_CACHE:-$HOME/.cache/swiftlightning}"
source "$CACHE/env.sh"
PY="${PYTHON_TORCH:-$CACHE/pyenv/bin/python}"
[[ -x "$PY" ]] || PY="$(Scripts/python-env.sh)"

#!/usr/bin/env bash
# Creates (once) the Python environment that tests and benchmarks compare against:
# torch 2.11.0 (the same build as our libtorch), Lightning 2.6.6 and the readers we check files with.
# Prints the path of its python. Lives in the cache, never in the work tree.
set -euo pipefail
CACHE="${SWIFTLIGHTNING_CACHE:-$HOME/.cache/swiftlightning}"
ENV="$CACHE/pyenv"
PACKAGES=(torch==2.11.0 numpy lightning==2.6.6 tensorboard safetensors tokenizers)
if [[ ! -x "$ENV/bin/python" ]] || ! "$ENV/bin/python" -c 'import torch, lightning, safetensors, tokenizers, tensorboard; assert torch.__version__.startswith("2.11.0")' 2> /dev/null; then
    echo "[python-env] installing ${PACKAGES[*]} into $ENV (about 4 GB, once)" >&2
    python3 -m venv "$ENV"
    "$ENV/bin/pip" install --quiet --no-input "${PACKAGES[@]}" >&2
fi
echo "$ENV/bin/python"

#!/usr/bin/env bash
# The main example (Fashion-MNIST) trained with DDP on two CPU processes: the same program as
# Scripts/example.sh, with `devices: 2` — the Trainer starts the second process itself and the two
# average their gradients over Gloo on 127.0.0.1.
#   Scripts/example-ddp.sh [--epochs E]
set -euo pipefail
cd "$(dirname "$0")/.."
exec Scripts/example.sh fashion-mnist --accelerator cpu --devices 2 --root runs/fashion-mnist-ddp "$@"

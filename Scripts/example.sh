#!/usr/bin/env bash
# The README's example command: installs what is missing (libtorch, the data sets), builds the
# examples in release mode and trains one.
#   Scripts/example.sh              Fashion-MNIST: a CNN on 60,000 real images, then its test accuracy
#   Scripts/example.sh iris         the seeds' Iris MLP with a data module and a custom callback
# Extra arguments go to the example (e.g. --epochs 5).
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
source "${SWIFTLIGHTNING_CACHE:-$HOME/.cache/swiftlightning}/env.sh"
Scripts/fetch-data.sh

example="${1:-fashion-mnist}"
[[ $# -gt 0 ]] && shift
case "$example" in
    fashion-mnist) product=FashionMNISTExample ;;
    iris) product=IrisExample ;;
    *) echo "unknown example '$example': use fashion-mnist or iris" >&2; exit 2 ;;
esac
echo "== building $product (release)"
swift build -c release --product "$product"
echo "== running $product"
".build/release/$product" "$@"

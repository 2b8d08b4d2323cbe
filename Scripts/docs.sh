#!/usr/bin/env bash
# Builds the DocC documentation of Torch and Lightning (Sources/<Module>/<Module>.docc plus every
# public symbol's `///` comments) into .build/docs/<Module>, from the debug build's modules.
#   Scripts/docs.sh            # then open .build/docs/<Module>/index.html through a web server,
#                              # or `docc preview` the catalog
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
CACHE="${SWIFTLIGHTNING_CACHE:-$HOME/.cache/swiftlightning}"
source "$CACHE/env.sh"
swift build --target Lightning > /dev/null
BIN="$(swift build --show-bin-path)"
DOCC="$(dirname "$(command -v swift)")/docc"
GRAPHS="$(mktemp -d)"
trap 'rm -rf "$GRAPHS"' EXIT
mkdir -p .build/docs
for module in Torch Lightning; do
    mkdir -p "$GRAPHS/$module"
    swift symbolgraph-extract -module-name "$module" -I "$BIN/Modules" \
        -Xcc -fmodule-map-file="$BIN/CTorch.build/module.modulemap" -I Sources/CTorch/include -I Sources/CLibTorch \
        -target "$(uname -m)-unknown-linux-gnu" -minimum-access-level public -output-dir "$GRAPHS/$module"
    "$DOCC" convert "Sources/$module/$module.docc" --additional-symbol-graph-dir "$GRAPHS/$module" \
        --fallback-display-name "$module" --fallback-bundle-identifier "org.swiftlightning.$module" \
        --output-dir ".build/docs/$module" 2> "$GRAPHS/$module.log" > /dev/null
    echo "$module: .build/docs/$module ($(grep -c 'warning:' "$GRAPHS/$module.log" || true) warnings)"
done

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
if [[ ! -x "$DOCC" ]]; then
    echo "docs: skipped, this Swift toolchain has no docc (it ships with swift.org's Linux toolchains)"
    exit 0
fi
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
        --output-dir ".build/docs/$module" > "$GRAPHS/$module.log" 2>&1
    # Every DocC warning counts: a link that resolves to nothing or to several symbols, a
    # documented parameter list that misses one, a link that breaks where a comment is inherited.
    warnings="$(grep -c '^warning' "$GRAPHS/$module.log" || true)"
    echo "$module: .build/docs/$module ($warnings warnings)"
    if [[ "$warnings" != 0 ]]; then grep -A4 '^warning' "$GRAPHS/$module.log" | head -60; fi
done

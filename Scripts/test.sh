#!/usr/bin/env bash
# The README's test command: sets everything up (libtorch, data) and runs the whole test suite.
# A second run downloads nothing. Usage: Scripts/test.sh [extra `swift test` arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

Scripts/setup.sh
source "${SWIFTLIGHTNING_CACHE:-$HOME/.cache/swiftlightning}/env.sh"
if [[ -x Scripts/fetch-data.sh ]]; then Scripts/fetch-data.sh; fi

echo "== swift test"
swift build --build-tests
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
swift test --skip-build "$@" 2>&1 | tee "$log"

echo "== a separate package that depends on SwiftLightning by path"
# Runs with a clean loader environment: the binary must find libtorch on its own. Without build
# manifest caching: a cached plan misses source files added to the dependency since the last build.
( cd Tests/Fixtures/ConsumerPackage && swift build -q --disable-build-manifest-caching && env -u LD_LIBRARY_PATH .build/debug/Consumer ) | tee /tmp/swiftlightning-consumer.txt
grep -q "consumer: sum=12.0 grad=\[2.0, 2.0, 2.0\]" /tmp/swiftlightning-consumer.txt \
    || { echo "the consumer package printed the wrong result"; exit 1; }
echo "consumer package: ok"

echo "== documentation (DocC): the catalogs and the public symbols' comments build without a warning"
Scripts/docs.sh | tee /tmp/swiftlightning-docs.txt
grep -q "docs: skipped" /tmp/swiftlightning-docs.txt \
    || { grep -q "Torch: .* (0 warnings)" /tmp/swiftlightning-docs.txt && grep -q "Lightning: .* (0 warnings)" /tmp/swiftlightning-docs.txt; } \
    || { echo "DocC warned: run Scripts/docs.sh and fix what it names"; exit 1; }

# One closing line for CI: Swift Testing's count (the consumer and documentation checks above
# count as one more each).
passed="$(sed -n 's/.*Test run with \([0-9]*\) tests\{0,1\} in .* passed.*/\1/p' "$log" | tail -1)"
echo "tests: $(( ${passed:-0} + 2 )) passed, 0 failed"

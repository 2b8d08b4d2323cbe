#!/usr/bin/env bash
# Runs the BERT tokenizer and model tests live against Python: regenerates the fixtures with Hugging
# Face tokenizers and torch 2.11.0 into a temporary folder (the committed ones are left alone), says
# whether the committed fixtures and Unicode tables are still what Python produces, and runs the
# same Swift tests against the fresh fixtures.
#
# Usage: Scripts/bert-live.sh [extra `swift test` arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

OUT="$(mktemp -d "${TMPDIR:-/tmp}/swiftlightning-bert.XXXXXX")"
trap 'rm -rf "$OUT"' EXIT

Scripts/generate-bert-fixtures.sh --out "$OUT"
stale=0
for dir in tokenizer bert; do diff -rq "Tests/TorchTests/Fixtures/$dir" "$OUT/$dir" > /dev/null || stale=1; done
cmp -s Sources/Torch/Text/BertUnicodeTables.swift "$OUT/BertUnicodeTables.swift" || stale=1
if [[ $stale == 0 ]]; then
    echo "[bert-live] the committed fixtures and Unicode tables are up to date"
else
    echo "[bert-live] note: the committed fixtures or Unicode tables differ from what Python produces now;"
    echo "[bert-live]       run Scripts/generate-bert-fixtures.sh and commit"
fi

source "${SWIFTLIGHTNING_CACHE:-$HOME/.cache/swiftlightning}/env.sh"
SWIFTLIGHTNING_BERT_FIXTURES="$OUT" swift test --filter "Bert" "$@"

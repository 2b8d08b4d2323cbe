#!/usr/bin/env bash
# Regenerates what the BERT tokenizer and model tests compare against, with Hugging Face tokenizers
# and Python torch 2.11.0: the fixtures in Tests/TorchTests/Fixtures/{tokenizer,bert} and the generated
# Sources/Torch/Text/BertUnicodeTables.swift. Needs the data (Scripts/fetch-data.sh) and the Python
# environment (Scripts/python-env.sh, created on first use).
#
# Usage: Scripts/generate-bert-fixtures.sh [--out DIR]
#   --out DIR   write the fixtures to DIR/{tokenizer,bert} and the table to DIR/BertUnicodeTables.swift
#               instead of their committed places
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=""
if [[ "${1:-}" == "--out" ]]; then OUT="${2:?--out needs a folder}"; fi
PY="$(Scripts/python-env.sh)"
if [[ -n "$OUT" ]]; then
    mkdir -p "$OUT"
    "$PY" Tools/fixtures/make_tokenizer_fixtures.py --out "$OUT"
    "$PY" Tools/fixtures/make_bert_fixtures.py --out "$OUT"
    "$PY" Tools/fixtures/make_bert_unicode_tables.py --out "$OUT/BertUnicodeTables.swift"
else
    "$PY" Tools/fixtures/make_tokenizer_fixtures.py
    "$PY" Tools/fixtures/make_bert_fixtures.py
    "$PY" Tools/fixtures/make_bert_unicode_tables.py
fi

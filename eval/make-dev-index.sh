#!/usr/bin/env bash
# Builds the index that eval/real-dev.jsonl is measured on: the documents of ../shared/data/plans-dev,
# ninhbinh-pdfs and luongminh-docs (their PROVENANCE/README/manifest files left out: they are notes about the
# data, in English, not documents of the archive) with the default (bundled) model.
#   bash eval/make-dev-index.sh [INDEX_DIR]        then: tracuu eval eval/real-dev.jsonl --index INDEX_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
data="$(cd ../shared/data && pwd)"
index="${1:-index-real-dev}"
corpus="${TMPDIR:-/tmp}/tracuu-real-dev-corpus"
rm -rf "$corpus"
for d in plans-dev ninhbinh-pdfs luongminh-docs; do
  mkdir -p "$corpus/$d"
  for f in "$data/$d"/*; do
    case "$(basename "$f")" in PROVENANCE*|README.md|manifest.json) continue ;; esac
    ln -s "$f" "$corpus/$d/$(basename "$f")"
  done
done
exec "${TRACUU:-.venv/bin/tracuu}" index "$corpus/plans-dev" "$corpus/ninhbinh-pdfs" "$corpus/luongminh-docs" --index "$index"

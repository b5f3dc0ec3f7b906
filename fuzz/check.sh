#!/usr/bin/env bash
# Builds every fuzz target with the stable toolchain (no coverage instrumentation: this
# checks that the targets compile and link, which CI needs without nightly) and runs each
# target once on every test fixture and sample file, so a parser panic on any of them fails.
# Fuzzing itself needs nightly and cargo-fuzz: see fuzz/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --manifest-path fuzz/Cargo.toml --bins

mapfile -t inputs < <(find tests/fixtures data/sample data/mesh_sample.tsv -type f | sort)
targets=(pubmed_xml medline jsonl abstract_page id_text query mesh_vocabulary stored_record)
for target in "${targets[@]}"; do
  "$CARGO_TARGET_DIR/debug/$target" "${inputs[@]}" >/dev/null 2>"$CARGO_TARGET_DIR/fuzz-$target.log" || {
    echo "fuzz target $target failed on a fixture:" >&2
    tail -30 "$CARGO_TARGET_DIR/fuzz-$target.log" >&2
    exit 1
  }
  echo "fuzz target $target: ran on ${#inputs[@]} inputs"
done

#!/usr/bin/env bash
# README's first command: runs heapdiff on the bundled snapshots (builds the binary if needed).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/heapdiff
run() { echo; echo "\$ heapdiff $*"; "$bin" "$@"; }
for cmd in "$@"; do :; done
run summary snapshots/webcache-2.json.gz --top 10

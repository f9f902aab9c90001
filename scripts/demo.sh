#!/usr/bin/env bash
# README's first command: runs heapdiff on the bundled snapshots (builds the binary if needed).
# snapshots/service-*.json.gz: three snapshots of one running examples/service.py, taken by signal
# (scripts/service_snapshots.py); snapshots/model-server-*.json.gz: two of examples/model_server.py.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/heapdiff
run() { echo; echo "\$ heapdiff $*"; "$bin" "$@"; }
run summary snapshots/service-3.json.gz --top 8
run top snapshots/service-3.json.gz --top 5
run snapshots/service-1.json.gz snapshots/service-2.json.gz --top 3
run trend snapshots/service-1.json.gz snapshots/service-2.json.gz snapshots/service-3.json.gz
run suggest snapshots/service-3.json.gz --top 3
run snapshots/model-server-1.json.gz snapshots/model-server-2.json.gz --top 2

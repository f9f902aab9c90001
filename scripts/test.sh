#!/usr/bin/env bash
# The one command that runs every test on a fresh machine (README: "Run every test").
# cargo's tests (Rust), then the Python suite on CPython 3.11, 3.12, 3.13, 3.14 and 3.15, each in its
# own venv with the extension built for it (scripts/test_versions.sh), and a table of counts per
# version; exits non-zero if cargo's tests or any version failed. Needs Rust (cargo), Python 3.11 with
# venv/pip, pyenv's 3.12.1 and 3.13.0, and root for the Debian chroot of 3.14 and 3.15.
# HEAPDIFF_VERSIONS="3.11 3.12" runs a subset; arguments go to each pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSIONS=${HEAPDIFF_VERSIONS:-"3.11 3.12 3.13 3.14 3.15"}
if [[ " $VERSIONS " == *" 3.11 "* ]]; then
  echo "== cargo test"
  cargo test --release --quiet 2>&1
else
  echo "== cargo build --release (the heapdiff binary the Python tests run)"
  cargo build --release --quiet 2>&1
fi

HEAPDIFF_VERSIONS=$VERSIONS bash scripts/test_versions.sh "$@"

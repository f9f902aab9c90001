#!/usr/bin/env bash
# The one command that runs every test on a fresh machine (README: "Run every test").
# Makes .venv, installs maturin, pytest and the test-only packages, builds the extension into the venv,
# then runs cargo's tests and pytest. Needs only Rust (cargo) and Python 3.11 with venv/pip.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${HEAPDIFF_VENV:-.venv}
if [[ ! -x "$VENV/bin/python" ]]; then
  python3 -m venv "$VENV"
fi
PY="$VENV/bin/python"
"$PY" -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null
"$PY" -m pip install --quiet --disable-pip-version-check -r requirements-test.txt

echo "== cargo test"
cargo test --release --quiet 2>&1

if [[ -f pyproject.toml ]]; then
  echo "== build the Python extension (maturin develop --release)"
  ( . "$VENV/bin/activate" && maturin develop --release 2>&1 | tail -n 3 )
fi

echo "== pytest"
"$PY" -m pytest -q -rs tests/python "$@"

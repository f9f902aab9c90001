#!/usr/bin/env bash
# The Python suite on each CPython heapdiff supports, called by scripts/test.sh after cargo's tests.
#
# usage: bash scripts/test_versions.sh [PYTEST_ARGS...]
#
# For each version in HEAPDIFF_VERSIONS (default "3.11 3.12 3.13 3.14 3.15"): one venv with maturin,
# pytest and requirements-test.txt (wheels only: a package without a wheel for that version fails it),
# the extension built into it by `maturin develop` with its own Cargo target dir, then pytest on
# tests/python with PYTHONPATH=python (so the repo's heapdiff and that version's `_native` .so are the
# ones imported, the pytest plugin included).  Prints a table of counts per version at the end and exits
# 1 if any version failed, skipped by nothing: a version that cannot be set up counts as failed.
#
# where each version comes from:
#   3.11         `python3` (HEAPDIFF_PYTHON), venv .venv (HEAPDIFF_VENV), `maturin develop --release`
#                into target/ as before
#   3.12, 3.13   pyenv: ~/.pyenv/versions/3.12.1, 3.13.0 (HEAPDIFF_PY312, HEAPDIFF_PY313);
#                venv .venv-3.12, target/py3.12, Cargo profile `ci-ext` (release without LTO)
#   3.14, 3.15   Debian sid in a chroot made by shared/tools/pyroots.sh (HEAPDIFF_PYROOTS, default
#                ../shared/tools/pyroots.sh from the repository root: CI's layout, where shared/ lies
#                beside the clone); the repo is mounted at /src, ~/.cargo and ~/.rustup are mounted in,
#                venv .venv-3.14 made inside by the chroot's python3.14
# environment:
#   HEAPDIFF_VERSIONS   versions to run, e.g. "3.11 3.12" (default: all five)
#   HEAPDIFF_PYTEST_N   pytest-xdist workers (default 2; 0 runs in one process)
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

VERSIONS=${HEAPDIFF_VERSIONS:-"3.11 3.12 3.13 3.14 3.15"}
PYROOTS=${HEAPDIFF_PYROOTS:-../shared/tools/pyroots.sh}
NPROC=${HEAPDIFF_PYTEST_N:-2}
OUT=target/test-versions
mkdir -p "$OUT"
rm -f "$OUT"/*.xml "$OUT"/*.status

loud() {   # a banner that a CI log reader cannot miss
  echo >&2
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
  echo "!!! $*" >&2
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
  echo >&2
}

# how version $V runs: MODE host|chroot, SRC (the repo as the commands see it), BASE (interpreter that
# makes the venv), VENV (relative to the repo)
where() {
  local v=$1
  MODE=host SRC=$ROOT VENV=.venv-$v
  case $v in
    3.11) BASE=${HEAPDIFF_PYTHON:-python3}; VENV=${HEAPDIFF_VENV:-.venv} ;;
    3.12) BASE=${HEAPDIFF_PY312:-$HOME/.pyenv/versions/3.12.1/bin/python3} ;;
    3.13) BASE=${HEAPDIFF_PY313:-$HOME/.pyenv/versions/3.13.0/bin/python3} ;;
    *)    MODE=chroot SRC=/src BASE=python$v ;;
  esac
}

# run a command for version $V with its venv first on PATH, PYTHONPATH=python and its target dir
in_version() {
  local v=$1; shift
  local env=("VIRTUAL_ENV=$SRC/$VENV" "PATH=$SRC/$VENV/bin:$EXTRA_PATH" "PYTHONPATH=$SRC/python"
             "CARGO_TARGET_DIR=$TARGET_DIR")
  # numpy's OpenBLAS needs these on some processors (the chroot's environment starts empty)
  local k
  for k in OPENBLAS_CORETYPE OPENBLAS_L2_SIZE; do
    [[ -n ${!k:-} ]] && env+=("$k=${!k}")
  done
  if [[ $MODE == host ]]; then
    env "${env[@]}" "$@"
  else
    local e=() x
    for x in "${env[@]}"; do e+=(-e "$x"); done
    bash "$PYROOTS" -d "$ROOT" "$v" "${e[@]}" -- "$@"
  fi
}

setup_version() {   # venv, packages, extension; returns non-zero with a loud message on failure
  local v=$1
  if [[ $MODE == chroot ]]; then
    if [[ ! -f $PYROOTS ]]; then
      loud "CPython $v: no chroot tool at \`$PYROOTS\` (set HEAPDIFF_PYROOTS to shared/tools/pyroots.sh): $v FAILED"
      return 1
    fi
    if ! bash "$PYROOTS" -d "$ROOT" "$v" -- true; then
      loud "CPython $v: the Debian sid chroot could not be made or lacks python$v (no network to the mirror?): $v FAILED"
      return 1
    fi
  elif ! command -v "$BASE" >/dev/null; then
    loud "CPython $v: no interpreter \`$BASE\`: $v FAILED"
    return 1
  fi
  # kept between runs; made again when its interpreter is gone (its bin/python may only resolve in the chroot)
  if [[ ! -f $VENV/pyvenv.cfg ]] || ! in_version "$v" "$SRC/$VENV/bin/python" -c "" 2>/dev/null; then
    rm -rf "$VENV"
    in_version "$v" "$BASE" -m venv "$SRC/$VENV" || { loud "CPython $v: could not make the venv $VENV"; return 1; }
  fi
  local pip=("$SRC/$VENV/bin/python" -m pip install --disable-pip-version-check --quiet --only-binary=:all:)
  in_version "$v" "${pip[@]}" --upgrade pip >/dev/null 2>&1 || true
  if ! in_version "$v" "${pip[@]}" -r requirements-test.txt >"$OUT/pip-$v.log" 2>&1; then
    cat "$OUT/pip-$v.log" >&2
    local missing
    missing=$(grep -oE "No matching distribution found for [^ ]+" "$OUT/pip-$v.log" | sed 's/.* for //' | tr '\n' ' ')
    loud "CPython $v: no wheel for ${missing:-a test package} (requirements-test.txt): $v FAILED"
    return 1
  fi
  echo "== build the Python extension for $v (maturin develop ${PROFILE_ARGS[*]}, target dir ${TARGET_DIR#$SRC/})"
  local t0=$SECONDS
  if ! in_version "$v" maturin develop "${PROFILE_ARGS[@]}" >"$OUT/build-$v.log" 2>&1; then
    tail -n 40 "$OUT/build-$v.log" >&2
    loud "CPython $v: the extension did not build (whole log: $OUT/build-$v.log): $v FAILED"
    return 1
  fi
  echo "   built in $((SECONDS - t0)) s"
  # the package and the extension pytest will import: the repo's, built for this version
  in_version "$v" "$SRC/$VENV/bin/python" -c "
import sys, heapdiff, heapdiff._native as n
assert heapdiff.__file__.startswith('$SRC/python/'), heapdiff.__file__
assert n.__file__.startswith('$SRC/python/'), n.__file__
print('   ', sys.version.split()[0], 'imports', n.__file__.replace('$SRC/', ''))" \
    || { loud "CPython $v: heapdiff does not import from the repo's python/ with its own extension"; return 1; }
}

run_version() {
  local v=$1 t0=$SECONDS
  where "$v"
  EXTRA_PATH=$PATH TARGET_DIR=$SRC/target/py$v PROFILE_ARGS=(--profile ci-ext)
  if [[ $MODE == chroot ]]; then EXTRA_PATH=/root/.cargo/bin:/usr/local/bin:/usr/bin:/bin; fi
  if [[ $v == 3.11 ]]; then TARGET_DIR=$SRC/target PROFILE_ARGS=(--release); fi
  echo
  echo "==== CPython $v ($MODE, venv $VENV)"
  if ! setup_version "$v"; then
    echo "setup $((SECONDS - t0))" >"$OUT/py$v.status"
    return
  fi
  local xdist=()
  [[ $NPROC != 0 ]] && xdist=(-n "$NPROC")
  echo "== pytest on $v"
  in_version "$v" "$SRC/$VENV/bin/python" -m pytest -q -rs "${xdist[@]}" \
    --junitxml="$SRC/$OUT/py$v.xml" tests/python "${PYTEST_ARGS[@]}"
  echo "$? $((SECONDS - t0))" >"$OUT/py$v.status"
}

PYTEST_ARGS=("$@")
for v in $VERSIONS; do run_version "$v"; done

# the table: counts from each version's JUnit XML (read by any python3)
python3 - "$OUT" $VERSIONS <<'EOF'
import sys, os, xml.etree.ElementTree as ET
out, versions = sys.argv[1], sys.argv[2:]
rows, bad, tot = [], [], [0, 0, 0, 0]
for v in versions:
    status = open(os.path.join(out, f"py{v}.status")).read().split()
    secs = int(status[1])
    took = f"{secs // 60}m{secs % 60:02d}s"
    xml = os.path.join(out, f"py{v}.xml")
    if status[0] == "setup" or not os.path.exists(xml):
        rows.append((v, "-", "-", "-", "-", took, "FAILED (" + ("setup" if status[0] == "setup" else "no pytest result") + ")"))
        bad.append(v)
        continue
    root = ET.parse(xml).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    n = [sum(int(s.get(k, 0)) for s in suites) for k in ("tests", "failures", "errors", "skipped")]
    passed = n[0] - n[1] - n[2] - n[3]
    ok = status[0] == "0" and n[1] == n[2] == 0
    rows.append((v, passed, n[1], n[2], n[3], took, "ok" if ok else f"FAILED (pytest exit {status[0]})"))
    if not ok:
        bad.append(v)
    for i, x in enumerate((passed, n[1], n[2], n[3])):
        tot[i] += x
print("\n== per-version results")
fmt = "{:<8} {:>7} {:>7} {:>7} {:>8} {:>8}  {}"
print(fmt.format("CPython", "passed", "failed", "errors", "skipped", "time", "result"))
for r in rows:
    print(fmt.format(*map(str, r)))
if bad:
    print("failed on CPython " + ", ".join(bad))
print(f"total: {tot[0]} passed, {tot[1] + tot[2]} failed, {tot[3]} skipped")
sys.exit(1 if bad else 0)
EOF

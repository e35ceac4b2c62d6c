#!/usr/bin/env bash
# Set up zcps in ./.venv. `scripts/setup.sh` installs the runtime; `scripts/setup.sh --test` also
# installs the test tools and the Debian packages the tests use (Chromium, CJK fonts).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
extras=""
if [ "${1:-}" = "--test" ]; then
  extras="[test]"
  need=()
  command -v chromium >/dev/null || need+=(chromium)
  fc-list 2>/dev/null | grep -qi "wqy-zenhei" || need+=(fonts-wqy-zenhei)
  fc-list 2>/dev/null | grep -qi "ukai" || need+=(fonts-arphic-ukai fonts-arphic-uming)
  if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    else
      echo "warning: missing Debian packages ${need[*]}; browser/font tests will be skipped" >&2
    fi
  fi
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extras}"
.venv/bin/zcps models install
.venv/bin/python -m pip check

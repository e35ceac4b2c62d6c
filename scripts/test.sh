#!/usr/bin/env bash
# Set up with the test extras, check the machine with `zcps doctor`, then run the whole test suite
# (the README's test command). With CI=true a test whose font, browser or server is missing fails.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
.venv/bin/zcps doctor
exec .venv/bin/python -m pytest -q -ra "$@"

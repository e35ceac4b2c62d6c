#!/usr/bin/env bash
# Set up with the test extras, then run the whole test suite (the README's test command).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
exec .venv/bin/python -m pytest -q -ra "$@"

#!/usr/bin/env bash
# The whole test suite: system programs the tests need, lint, types, tests.
# Called by `make test` (and so by .ci/run). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
bash scripts/system-deps.sh
echo "== ruff"
$VENV/bin/ruff check renkei tests benchmarks scripts
$VENV/bin/ruff format --check renkei tests benchmarks scripts
echo "== mypy --strict renkei/"
$VENV/bin/mypy
echo "== pytest"
$VENV/bin/python -m pytest -q "$@"

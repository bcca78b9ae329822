#!/usr/bin/env bash
# Every benchmark in benchmarks/ in turn; each writes its section of docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
for bench in benchmarks/bench_*.py; do
  module="benchmarks.$(basename "$bench" .py)"
  echo "== $module"
  .venv/bin/python -m "$module"
done

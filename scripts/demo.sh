#!/usr/bin/env bash
# The main job: environment, sample landing folder, pipeline, dashboard.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
export DO_NOT_TRACK=1
cli=.venv/bin/credit-scoreboard
[ -d landing/sample ] || $cli generate --out landing/sample --seed 7
$cli run --landing landing/sample --warehouse warehouse/credit.duckdb
exec $cli serve --warehouse warehouse/credit.duckdb --port "${PORT:-8050}"

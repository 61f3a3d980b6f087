# Airflow on this machine, without Docker: `source airflow/env.sh && airflow standalone`.
# Everything Airflow writes (SQLite database, logs, generated passwords) goes to
# airflow_home/ in the checkout, which git ignores.
_credit_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

export AIRFLOW_HOME="$_credit_root/airflow_home"
export AIRFLOW__CORE__DAGS_FOLDER="$_credit_root/dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
# The LocalExecutor starts one worker process per slot (32 by default); the pipeline is a
# chain of single tasks, so a few are plenty on a laptop.
export AIRFLOW__CORE__PARALLELISM="${AIRFLOW__CORE__PARALLELISM:-4}"
# `standalone` runs `airflow ...` subcommands: the venv's bin must be first on PATH.
export PATH="$_credit_root/.venv/bin:$PATH"
export DO_NOT_TRACK=1

# The project's paths (the DAGs' defaults); override before sourcing to use others.
export CREDIT_SCOREBOARD_LANDING="${CREDIT_SCOREBOARD_LANDING:-$_credit_root/landing/sample}"
export CREDIT_SCOREBOARD_WAREHOUSE="${CREDIT_SCOREBOARD_WAREHOUSE:-$_credit_root/warehouse/credit.duckdb}"
# Locally, a failed task retries once after 30 s instead of waiting 5 minutes.
export CREDIT_SCOREBOARD_TASK_RETRIES="${CREDIT_SCOREBOARD_TASK_RETRIES:-1}"
export CREDIT_SCOREBOARD_RETRY_DELAY_SECONDS="${CREDIT_SCOREBOARD_RETRY_DELAY_SECONDS:-30}"

unset _credit_root

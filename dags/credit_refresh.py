"""
# credit_refresh: the daily refresh of the credit scoreboard warehouse

The same steps as `credit-scoreboard run`, one task per step, so that a failure shows
on the step where it happened and only that step is retried:

`detect_new_extracts` -> `anything_to_do` -> `prepare_build` -> `ingest` -> `validate_raw`
-> `resolve_as_of` -> `dbt_seeds` -> `dbt_staging` -> `dbt_intermediate` -> `dbt_marts`
-> `validate_marts` -> `record_run` -> `publish` (emits the `credit_warehouse` Asset),
and `discard_build` as a teardown.

- Every step runs on a private build file (a copy of the published warehouse, keyed on
  the logical date); `publish` replaces the published file in one `os.replace` only
  after every step passed, so a failed run leaves the last good warehouse in place, and
  the teardown deletes the build file whatever happened.
- Idempotent for a logical date: a rerun recreates the same build file from the
  published warehouse, loads only extracts not already loaded, and rebuilds the same
  marts.
- Nothing new in the landing folder: the run stops after `anything_to_do` (set `force`,
  or an `as_of` date, to rebuild anyway).
- A data problem (unreadable file, failed check, failed dbt test) fails its task at once:
  retrying cannot fix a file. Other failures are retried with exponential backoff.
- `max_active_runs=1`: DuckDB allows one writer per file.

## Why one task per dbt layer, not astronomer-cosmos

astronomer-cosmos 1.15.1 installs and supports Airflow 3; it is not used here because:
- it renders one task per model from `dbt ls` (work for the dag-processor, cached but
  redone when the project changes) or from a compiled manifest we would have to build
  and ship;
- its default (local) mode starts one dbt invocation per model and each re-parses the
  project: about 5-10 s each on a 2-core machine, minutes for our three dozen models, where four
  layer builds cost four dbt start-ups (its newer watcher mode, one `dbt build` feeding
  per-model sensors, needs the triggerer and deferrable sensors);
- it would run dbt its own way rather than through `credit_scoreboard.transform`, the
  code `credit-scoreboard run` uses, and the per-run build file would have to be
  templated into every operator's environment.

One `dbt build --select <layer>` per layer shows the lineage (seeds -> staging ->
intermediate -> marts), and a test spanning two layers runs once, with the later one
("buildable" indirect selection; checked in tests/test_dags.py).
"""

from __future__ import annotations

from airflow.sdk import Param, dag
from credit_common import (
    DEFAULT_ARGS,
    START_DATE,
    TAGS,
    anything_to_do,
    detect_new_extracts,
    refresh_steps,
    run_params,
)


@dag(
    dag_id="credit_refresh",
    doc_md=__doc__,
    schedule="@daily",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=[*TAGS, "daily"],
    params={
        **run_params("Landing folder of extracts (daily deltas land here)."),
        "force": Param(
            False, type="boolean", description="Rebuild even when no extract changed."
        ),
    },
)
def credit_refresh():
    anything_to_do(detect_new_extracts()) >> refresh_steps(from_scratch=False)


credit_refresh()

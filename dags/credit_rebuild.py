"""
# credit_rebuild: rebuild the warehouse's history from a full set of extracts

Triggered by hand (no schedule), e.g. after a change of the ERP export or of a KPI
definition: the same steps as `credit_refresh`, but the build file starts **empty**
instead of from the published warehouse, so raw history, the load log and every mart
are rebuilt from the files of `landing_dir` alone (point it at the folder holding the
full set of extracts). It publishes only if every step passes, like the refresh, and
emits the same `credit_warehouse` Asset.

`publish` refuses to overwrite a warehouse that another run (a refresh, the CLI)
published while this one was building: run it again then.
"""

from __future__ import annotations

from airflow.sdk import dag
from credit_common import DEFAULT_ARGS, START_DATE, TAGS, refresh_steps, run_params


@dag(
    dag_id="credit_rebuild",
    doc_md=__doc__,
    schedule=None,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=[*TAGS, "rebuild"],
    params=run_params("Landing folder holding the full set of extracts to rebuild from."),
)
def credit_rebuild():
    refresh_steps(from_scratch=True)


credit_rebuild()

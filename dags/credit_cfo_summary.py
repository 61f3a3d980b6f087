"""
# credit_cfo_summary: the CFO's headline KPIs after each publish

Scheduled on the `credit_warehouse` Asset: it runs each time `credit_refresh` or
`credit_rebuild` publishes the warehouse, reads the headline KPIs of the as-of date that
was published (from the asset event) and writes the summary to the task log and XCom.
To e-mail it, add a task after `summarise` that sends its return value (the SMTP
provider is installed; configure the `smtp_default` connection).
"""

from __future__ import annotations

from airflow.sdk import dag, get_current_context, task
from credit_common import DEFAULT_ARGS, START_DATE, TAGS, WAREHOUSE, WAREHOUSE_PATH


def _published_as_of() -> str:
    """The as-of date of the publish that triggered this run."""
    from airflow.sdk.exceptions import AirflowFailException

    events = get_current_context()["triggering_asset_events"].get(WAREHOUSE, [])
    if not events:
        raise AirflowFailException(
            "no credit_warehouse event: this DAG runs after a publish of the warehouse"
        )
    return events[-1].extra["as_of"]


@dag(
    dag_id="credit_cfo_summary",
    doc_md=__doc__,
    schedule=[WAREHOUSE],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=[*TAGS, "reporting"],
)
def credit_cfo_summary():
    @task
    def summarise() -> str:
        """Headline KPIs of the published as-of date, one line each."""
        import datetime as dt

        from credit_scoreboard import pipeline

        as_of = _published_as_of()
        kpis = pipeline.headline_kpis(WAREHOUSE_PATH, dt.date.fromisoformat(as_of))
        lines = [f"Credit scoreboard as of {as_of}"] + [
            f"- {name}: {'n/a' if value is None else f'{value:,.2f}'}"
            for name, value in kpis.items()
        ]
        summary = "\n".join(lines)
        print(summary)
        return summary

    summarise()


credit_cfo_summary()

"""What the credit scoreboard DAGs share: the warehouse Asset, the settings they read from
the environment, and one task per `credit_scoreboard.pipeline` step.

The tasks only wire steps: every step is a function of the shared package, the same one
`credit-scoreboard run` calls, so the CLI and the DAGs cannot drift apart. Only paths,
dates and small numbers travel through XCom.

Parsing is cheap (the dag-processor re-reads this file every 30 s): no I/O and no heavy
import at module level; the package (and through it dbt, GX, pandas) is imported inside
the tasks.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import time
from collections.abc import Iterator
from pathlib import Path

from airflow.sdk import Asset, Param, chain, get_current_context, task

from credit_scoreboard import settings

# --- settings (environment, read once at parse time) -------------------------------------

WAREHOUSE_PATH = settings.default_warehouse()
DEFAULT_LANDING = Path(
    os.environ.get("CREDIT_SCOREBOARD_LANDING", settings.PROJECT_ROOT / "landing" / "sample")
)

# Downstream DAGs (e.g. the CFO summary) are scheduled on this Asset: every successful
# publish of the warehouse emits an event on it.
WAREHOUSE = Asset(name="credit_warehouse", uri=f"file://{WAREHOUSE_PATH}", group="credit")

# Retries with exponential backoff (5, 10, 20 min by default). Tests and local runs
# override them so that a failing task does not wait minutes for its retry.
DEFAULT_ARGS = {
    "owner": "credit-data",
    "retries": int(os.environ.get("CREDIT_SCOREBOARD_TASK_RETRIES", "3")),
    "retry_delay": dt.timedelta(
        seconds=float(os.environ.get("CREDIT_SCOREBOARD_RETRY_DELAY_SECONDS", "300"))
    ),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": dt.timedelta(hours=1),
    # Workers of other machines may serve other queues; the pipeline tasks must run where
    # the landing and warehouse volumes are mounted.
    "queue": os.environ.get("CREDIT_SCOREBOARD_QUEUE", "default"),
}

START_DATE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
TAGS = ["credit-scoreboard", "receivables"]

# dbt, one task per layer so that the graph shows the lineage; seeds (lookups such as the
# aging buckets and ECB rates) build first because the models read them.
DBT_LAYERS = (
    ("seeds", "resource_type:seed"),
    ("staging", "path:models/staging"),
    ("intermediate", "path:models/intermediate"),
    ("marts", "path:models/marts"),
)




def run_params(landing_help: str) -> dict[str, Param]:
    """The params both pipeline DAGs take (a fresh set per DAG)."""
    return {
        "landing_dir": Param(str(DEFAULT_LANDING), type="string", description=landing_help),
        "as_of": Param(
            None,
            type=["null", "string"],
            format="date",
            description="As-of date YYYY-MM-DD; empty = the latest date seen in the extracts.",
        ),
    }


# --- helpers -----------------------------------------------------------------------------


def run_key() -> str:
    """The key of this DAG run's build file: the same logical date gives the same key, so
    a rerun recreates the same build from the published warehouse. Runs without a logical
    date (asset-triggered, some manual ones) use the time they were queued for."""
    context = get_current_context()
    dag_run = context["dag_run"]
    when = dag_run.logical_date or dag_run.run_after
    return f"{dag_run.dag_id}-{when:%Y%m%dT%H%M%S}"


def param(name: str):
    """A DAG param of this run (`landing_dir`, `as_of`, `force`)."""
    return get_current_context()["params"].get(name)


def run_started_at() -> dt.datetime:
    """When the DAG run started (naive UTC): the `checked_at` of its data-quality rows."""
    started = get_current_context()["dag_run"].start_date or dt.datetime.now(dt.UTC)
    return started.astimezone(dt.UTC).replace(tzinfo=None)


def existing_build(build_db: str) -> Path:
    """The build file of this run; DuckDB would silently create an empty one if it were gone."""
    from airflow.sdk.exceptions import AirflowFailException

    path = Path(build_db)
    if not path.exists():
        raise AirflowFailException(
            f"build file {path} is gone (discarded after a failure): clear the run from "
            "prepare_build"
        )
    return path


@contextlib.contextmanager
def pipeline_step(step: str) -> Iterator[dict]:
    """Times a step and sorts its failures. A data problem (a bad file, a failed check,
    a failed dbt test) fails the task at once: retrying cannot fix it. Anything else
    (a lock, a full disk, a lost worker) is left to Airflow's retries with backoff."""
    from airflow.sdk.exceptions import AirflowFailException

    from credit_scoreboard.ingest import ExtractError
    from credit_scoreboard.pipeline import PipelineError
    from credit_scoreboard.quality import QualityError
    from credit_scoreboard.transform import TransformError

    facts: dict = {}
    start = time.perf_counter()
    try:
        yield facts
    except PipelineError as error:
        if error.step == "lock":  # another refresh is publishing: worth a retry
            raise
        raise AirflowFailException(str(error)) from error
    except (ExtractError, QualityError, TransformError) as error:
        raise AirflowFailException(str(PipelineError(step, str(error)))) from error
    facts["seconds"] = round(time.perf_counter() - start, 3)


# --- tasks: one per pipeline step ----------------------------------------------------------


@task
def detect_new_extracts() -> list[str]:
    """Extract files of the landing folder new or changed since the published load log."""
    from credit_scoreboard import pipeline

    with pipeline_step("detect"):
        return pipeline.detect_new_extracts(Path(param("landing_dir")), WAREHOUSE_PATH)


@task.short_circuit(ignore_downstream_trigger_rules=False)
def anything_to_do(new_files: list[str]) -> bool:
    """Skip the refresh when no extract changed (the marts would come out the same),
    unless the run was forced or asked for a given as-of date."""
    print(f"new or changed extracts: {', '.join(new_files) or 'none'}")
    return bool(new_files) or bool(param("force")) or param("as_of") is not None


@task(multiple_outputs=True)
def prepare_build(from_scratch: bool) -> dict:
    """This run's build file: a copy of the published warehouse, or empty to rebuild history.
    Notes which published version it started from, so publish can refuse to overwrite a
    warehouse another run published in between."""
    from credit_scoreboard import pipeline

    with pipeline_step("prepare") as facts:
        facts["published_version"] = pipeline.published_version(WAREHOUSE_PATH)
        build_db = pipeline.prepare_build(WAREHOUSE_PATH, run_key(), from_scratch)
        if not build_db.exists():  # nothing published yet, or a rebuild: an empty database
            with pipeline.connect(build_db):
                pass
        facts["build_db"] = str(build_db)
    return facts


@task
def ingest(build_db: str) -> dict:
    """Load new or changed extracts into raw; bad rows go to raw.quarantine."""
    from credit_scoreboard import pipeline

    with pipeline_step("ingest") as facts:
        report = pipeline.ingest(existing_build(build_db), Path(param("landing_dir")))
        facts.update(
            rows_read=report.rows_read,
            rows_loaded=report.rows_loaded,
            rows_quarantined=report.rows_quarantined,
            files_loaded=report.files_loaded,
            files_skipped=report.files_skipped,
        )
    return facts


@task
def validate_raw(build_db: str) -> dict:
    """Great Expectations on the raw tables; a failed critical check stops the run."""
    from credit_scoreboard import pipeline

    with pipeline_step("validate_raw") as facts:
        pipeline.validate_raw(existing_build(build_db), run_started_at())
    return facts


@task
def resolve_as_of(build_db: str) -> dict:
    """The as-of date: the `as_of` param, else the latest date seen in the extracts."""
    from credit_scoreboard import pipeline

    with pipeline_step("as_of") as facts:
        asked = dt.date.fromisoformat(param("as_of")) if param("as_of") else None
        facts["as_of"] = pipeline.resolve_as_of(existing_build(build_db), asked).isoformat()
    return facts


@task
def dbt_build(build_db: str, as_of: str, select: str) -> dict:
    """`dbt build` (models, seeds, unit and data tests) of one layer; a test that reads
    models of two layers runs with the later one (see transform.build_models)."""
    from credit_scoreboard import pipeline

    with pipeline_step("dbt_build") as facts:
        pipeline.build_models(existing_build(build_db), dt.date.fromisoformat(as_of), select)
    return facts


@task
def validate_marts(build_db: str) -> dict:
    """Batch-level business checks on the marts; a failed critical check stops the run."""
    from credit_scoreboard import pipeline

    with pipeline_step("validate_marts") as facts:
        pipeline.validate_marts(existing_build(build_db), run_started_at())
    return facts


@task
def record_run(build_db: str, as_of: str, loaded: dict, steps: dict) -> dict:
    """One row in marts.pipeline_runs: rows, step timings and the headline KPIs."""
    from credit_scoreboard import pipeline

    context = get_current_context()
    with pipeline_step("record_run") as facts:
        build = existing_build(build_db)
        summary = pipeline.RunSummary(
            run_id=context["dag_run"].run_id,
            landing_dir=param("landing_dir"),
            warehouse=str(WAREHOUSE_PATH),
            as_of=as_of,
            rows_read=loaded["rows_read"],
            rows_loaded=loaded["rows_loaded"],
            rows_quarantined=loaded["rows_quarantined"],
            files_loaded=loaded["files_loaded"],
            files_skipped=loaded["files_skipped"],
            step_seconds={name: facts_["seconds"] for name, facts_ in steps.items()},
            headline=pipeline.headline_kpis(build, dt.date.fromisoformat(as_of)),
        )
        pipeline.record_run(build, summary, run_started_at())
        print("recorded; the publish task publishes it:\n" + summary.render())
    return facts


@task(outlets=[WAREHOUSE])
def publish(build_db: str, published_version: str, as_of: str) -> dict:
    """Replace the published warehouse with the finished build, in one os.replace."""
    from credit_scoreboard import pipeline

    context = get_current_context()
    with pipeline_step("publish") as facts:
        pipeline.publish_if_unchanged(existing_build(build_db), WAREHOUSE_PATH, published_version)
    # Downstream DAGs read which as-of date was published from the asset event.
    context["outlet_events"][WAREHOUSE].extra = {
        "as_of": as_of,
        "run_id": context["dag_run"].run_id,
    }
    return facts


# A teardown (see refresh_steps); not `@teardown`, whose decorator object can be called
# only once per process and the refresh and rebuild DAGs both call it.
@task
def discard_build(build_db: str) -> None:
    """Remove the build file whatever happened; after a publish there is nothing left."""
    from credit_scoreboard import pipeline

    pipeline.discard_build(Path(build_db))


def refresh_steps(from_scratch: bool):
    """The task graph of one refresh, after the decision to run it: prepare -> ingest ->
    validate raw -> as-of -> dbt layers -> validate marts -> record -> publish, with the
    build file discarded in a teardown whether the run published or failed. Returns the
    setup task, so that callers can put a decision upstream of it."""
    build = prepare_build(from_scratch)
    build_db = build["build_db"]
    loaded = ingest(build_db)
    raw_checked = validate_raw(build_db)
    run_as_of = resolve_as_of(build_db)
    layers = {
        f"dbt_{layer}": dbt_build.override(task_id=f"dbt_{layer}")(
            build_db, run_as_of["as_of"], select
        )
        for layer, select in DBT_LAYERS
    }
    marts_checked = validate_marts(build_db)
    recorded = record_run(
        build_db,
        run_as_of["as_of"],
        loaded,
        steps={
            "prepare": build,
            "ingest": loaded,
            "validate_raw": raw_checked,
            "as_of": run_as_of,
            **layers,
            "validate_marts": marts_checked,
        },
    )
    published = publish(build_db, build["published_version"], run_as_of["as_of"])

    chain(build, loaded, raw_checked, run_as_of, *layers.values(), marts_checked, recorded,
          published)
    published >> discard_build(build_db).as_teardown(setups=build)
    return build

"""The Airflow DAGs: they import, carry owner/tags/retries, and wire the pipeline steps in
the right order. (The end-to-end `airflow dags test` run is in test_dags_e2e.py.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from credit_scoreboard import pipeline

REPO = Path(__file__).resolve().parents[1]
DAGS = REPO / "dags"

REFRESH_CHAIN = [
    "detect_new_extracts", "anything_to_do", "prepare_build", "ingest", "validate_raw",
    "resolve_as_of", "dbt_seeds", "dbt_staging", "dbt_intermediate", "dbt_marts",
    "validate_marts", "record_run", "publish", "discard_build",
]


def airflow_env(home: Path) -> dict[str, str]:
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "CREDIT_SCOREBOARD_WAREHOUSE": str(home / "warehouse" / "credit.duckdb"),
    }


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory):
    # Airflow reads AIRFLOW_HOME and AIRFLOW__* when it is first imported; the variables
    # are restored afterwards so that they do not leak into other test modules.
    with pytest.MonkeyPatch.context() as patch:
        for name, value in airflow_env(tmp_path_factory.mktemp("airflow_home")).items():
            patch.setenv(name, value)
        from airflow.dag_processing.dagbag import BundleDagBag

        # The DAG files import credit_common from their folder, which Airflow puts on
        # sys.path as the "dags-folder" bundle: BundleDagBag does the same.
        yield BundleDagBag(dag_folder=str(DAGS), bundle_path=DAGS)


@pytest.fixture(scope="module")
def credit_common(dagbag):
    """The DAGs' shared module (importable once the bag put dags/ on sys.path)."""
    import credit_common

    return credit_common


def test_every_dag_imports_without_error(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == {"credit_refresh", "credit_rebuild", "credit_cfo_summary"}


def test_every_dag_has_tags_an_owner_and_retries_with_backoff(dagbag):
    for dag in dagbag.dags.values():
        assert "credit-scoreboard" in dag.tags, dag.dag_id
        assert dag.doc_md and dag.doc_md.strip().startswith("#"), dag.dag_id
        assert not dag.catchup, dag.dag_id
        assert dag.max_active_runs == 1, dag.dag_id  # DuckDB: one writer per file
        for task in dag.tasks:
            assert task.owner == "credit-data", task.task_id
            assert task.retries >= 1, task.task_id
            assert task.retry_exponential_backoff > 1, task.task_id


def chain_of(dag) -> list[str]:
    """The task ids from the root along the single path the run takes."""
    (task,) = dag.roots
    order = [task.task_id]
    while task.downstream_list:
        # every step's only direct follower on the main line is the next step
        nexts = [t for t in task.downstream_list if not (t.upstream_task_ids - set(order))]
        assert len(nexts) == 1, (task.task_id, [t.task_id for t in nexts])
        task = nexts[0]
        order.append(task.task_id)
    return order


def test_refresh_runs_the_steps_in_order(dagbag):
    dag = dagbag.dags["credit_refresh"]
    assert chain_of(dag) == REFRESH_CHAIN
    assert dag.schedule == "@daily"
    assert dag.params["as_of"] is None and dag.params["force"] is False


def test_rebuild_runs_the_same_steps_from_an_empty_build(dagbag):
    dag = dagbag.dags["credit_rebuild"]
    assert chain_of(dag) == REFRESH_CHAIN[2:]
    assert dag.schedule is None  # triggered by hand
    assert dag.params["as_of"] is None
    # from_scratch is the only difference with the refresh
    assert dag.get_task("prepare_build").op_args == (True,)
    assert dagbag.dags["credit_refresh"].get_task("prepare_build").op_args == (False,)


def test_build_file_is_discarded_by_a_teardown_that_does_not_hide_failures(dagbag):
    for dag_id in ("credit_refresh", "credit_rebuild"):
        dag = dagbag.dags[dag_id]
        cleanup = dag.get_task("discard_build")
        assert cleanup.is_teardown
        assert "prepare_build" in cleanup.upstream_task_ids
        # teardowns do not decide the run's state: publish (the real leaf) does
        assert [task.task_id for task in dag.leaves] == ["discard_build"]
        assert dag.get_task("discard_build").on_failure_fail_dagrun is False


def test_publish_emits_the_warehouse_asset_that_schedules_the_cfo_summary(dagbag, credit_common):
    publish = dagbag.dags["credit_refresh"].get_task("publish")
    assert credit_common.WAREHOUSE in publish.outlets
    assert dagbag.dags["credit_rebuild"].get_task("publish").outlets == publish.outlets
    assert dagbag.dags["credit_cfo_summary"].schedule == [credit_common.WAREHOUSE]


def test_dbt_layers_cover_every_model_folder(credit_common):
    model_folders = {
        path.name for path in (REPO / "dbt_project" / "models").iterdir() if path.is_dir()
    }
    selected = {select.removeprefix("path:models/") for _, select in credit_common.DBT_LAYERS}
    assert model_folders <= selected, f"models outside any DAG layer: {model_folders - selected}"
    assert [layer for layer, _ in credit_common.DBT_LAYERS][0] == "seeds"


def test_parsing_is_cheap_no_dbt_gx_or_duckdb_import(tmp_path):
    """The dag-processor re-parses the files every 30 s: heavy libraries load in tasks only."""
    code = (
        "import sys, time; from pathlib import Path;"
        "from airflow.dag_processing.dagbag import BundleDagBag;"
        f"d = Path({str(DAGS)!r}); start = time.perf_counter();"
        "bag = BundleDagBag(dag_folder=str(d), bundle_path=d);"
        "elapsed = time.perf_counter() - start;"
        "assert not bag.import_errors, bag.import_errors;"
        "heavy = [m for m in ('dbt', 'great_expectations', 'duckdb', 'pandas', 'dash') "
        "if m in sys.modules];"
        "print(elapsed, heavy)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
        env={**os.environ, **airflow_env(tmp_path)},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    elapsed, heavy = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert heavy == "[]", f"DAG parsing imported {heavy}"
    assert float(elapsed) < 10, f"parsing the DAG folder took {elapsed} s"


def test_publish_if_unchanged_refuses_to_overwrite_a_newer_publish(tmp_path):
    warehouse = tmp_path / "credit.duckdb"
    warehouse.write_bytes(b"version 1")
    started_from = pipeline.published_version(warehouse)
    build = tmp_path / "build"
    build.write_bytes(b"version 2")
    # another run publishes in between (different size, so the version differs for sure)
    warehouse.write_bytes(b"version 1 republished")
    with pytest.raises(pipeline.PipelineError, match="published by another run"):
        pipeline.publish_if_unchanged(build, warehouse, started_from)
    assert warehouse.read_bytes() == b"version 1 republished"

    pipeline.publish_if_unchanged(build, warehouse, pipeline.published_version(warehouse))
    assert warehouse.read_bytes() == b"version 2" and not build.exists()


def test_first_publish_expects_no_warehouse(tmp_path):
    warehouse = tmp_path / "credit.duckdb"
    build = tmp_path / "build"
    build.write_bytes(b"first")
    assert pipeline.published_version(warehouse) == ""
    pipeline.publish_if_unchanged(build, warehouse, "")
    assert warehouse.read_bytes() == b"first"


def test_every_dbt_test_runs_in_exactly_one_layer_task(credit_common, tmp_path, monkeypatch):
    """Layer by layer, dbt must run the same tests as one `dbt build`: none twice, none
    dropped, and none before all of its models are built (the DAG's buildable selection)."""
    from dbt.cli.main import dbtRunner

    monkeypatch.setenv("CREDIT_SCOREBOARD_DB", str(tmp_path / "unused.duckdb"))  # ls: no query
    monkeypatch.setenv("CREDIT_SCOREBOARD_DUCKDB_MEMORY_LIMIT", "25%")  # the profile needs both
    project = str(REPO / "dbt_project")

    def tests_selected(*select: str) -> list[str]:
        result = dbtRunner().invoke([
            "ls", "--project-dir", project, "--profiles-dir", project,
            "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
            "--resource-type", "test", "--resource-type", "unit_test",
            "--output", "name", "--quiet", *select,
        ])
        assert result.success, result.exception
        return list(result.result)

    every_test = tests_selected()
    by_layer = []
    for _, select in credit_common.DBT_LAYERS:
        # the indirect selection transform.build_models uses with a selection
        by_layer += tests_selected("--select", select, "--indirect-selection", "buildable")
    assert len(every_test) > 0
    assert sorted(by_layer) == sorted(every_test)

"""`airflow dags test credit_refresh` end to end, as CI runs it: a real Airflow (SQLite
metadata database in a temporary AIRFLOW_HOME), a small generated landing folder, a
temporary warehouse.

The tests run in file order and share one Airflow home: a first run publishes; a second
run for the same logical date rebuilds identical marts; a run with nothing new does
nothing; a run with a bad file fails on `ingest` and leaves the warehouse as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from credit_scoreboard.contract import MARTS_COLUMNS

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LOGICAL_DATE = "2026-11-01"
# Run metadata, not results: one row per run, and the time each check ran.
RUN_METADATA_TABLES = ("pipeline_runs", "data_quality")


@dataclass
class Airflow:
    home: Path
    landing: Path
    warehouse: Path
    env: dict[str, str]

    def dags_test(self, dag_id: str, conf: dict | None = None) -> subprocess.CompletedProcess:
        command = [str(BIN / "airflow"), "dags", "test", dag_id, LOGICAL_DATE]
        if conf:
            command += ["--conf", json.dumps(conf)]
        return subprocess.run(command, env=self.env, cwd=self.home, capture_output=True,
                              text=True, timeout=600)

    def last_run_tasks(self, dag_id: str) -> dict[str, tuple[str | None, int]]:
        """task_id -> (state, try_number) of the DAG's latest run, from the metadata DB."""
        with sqlite3.connect(self.home / "airflow.db") as metadata:
            rows = metadata.execute(
                """
                select task_id, state, try_number from task_instance
                where dag_id = ? and run_id = (
                    select run_id from dag_run where dag_id = ? order by id desc limit 1)
                """,
                [dag_id, dag_id],
            ).fetchall()
        return {task_id: (state, tries) for task_id, state, tries in rows}


@pytest.fixture(scope="module")
def airflow(tmp_path_factory) -> Airflow:
    root = tmp_path_factory.mktemp("dags_e2e")
    landing, warehouse = root / "landing", root / "warehouse" / "credit.duckdb"
    subprocess.run(
        [str(BIN / "credit-scoreboard"), "generate", "--out", str(landing), "--customers", "60",
         "--years", "1", "--format", "csv", "--no-progress"],
        check=True, timeout=300,
    )
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "AIRFLOW_HOME": str(root / "airflow_home"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "CREDIT_SCOREBOARD_LANDING": str(landing),
        "CREDIT_SCOREBOARD_WAREHOUSE": str(warehouse),
        # one retry after 1 s, so that a retried failure does not wait 5 minutes
        "CREDIT_SCOREBOARD_TASK_RETRIES": "1",
        "CREDIT_SCOREBOARD_RETRY_DELAY_SECONDS": "1",
        "DO_NOT_TRACK": "1",
    }
    (root / "airflow_home").mkdir()
    migrate = subprocess.run([str(BIN / "airflow"), "db", "migrate"], env=env,
                             capture_output=True, text=True, timeout=300)
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    return Airflow(root / "airflow_home", landing, warehouse, env)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def marts(warehouse: Path) -> dict[str, list[tuple]]:
    """Every row of every mart (run metadata aside), in a stable order."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [name for (name,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
        ).fetchall() if name not in RUN_METADATA_TABLES]
        return {table: con.execute(f"select * from marts.{table} order by all").fetchall()
                for table in tables}


def build_files_left(airflow: Airflow) -> list[str]:
    return [path.name for path in airflow.warehouse.parent.glob(".*build*")]


def tail(result: subprocess.CompletedProcess) -> str:
    return (result.stdout + result.stderr)[-4000:]


def test_refresh_publishes_the_warehouse(airflow):
    result = airflow.dags_test("credit_refresh")
    assert result.returncode == 0, tail(result)

    tasks = airflow.last_run_tasks("credit_refresh")
    assert {state for state, _ in tasks.values()} == {"success"}, tasks
    published = marts(airflow.warehouse)
    for table in set(MARTS_COLUMNS) - set(RUN_METADATA_TABLES):
        assert published.get(table), f"marts.{table} missing or empty"
    with duckdb.connect(str(airflow.warehouse), read_only=True) as con:
        (checks,) = con.execute("select count(*) from marts.data_quality").fetchone()
        assert checks > 0
        runs = con.execute(
            "select run_id, rows_read, rows_loaded + rows_quarantined, summary "
            "from marts.pipeline_runs"
        ).fetchall()
        (latest_month,) = con.execute("select max(as_of_date) from marts.kpi_monthly").fetchone()
    assert len(runs) == 1
    run_id, rows_read, rows_accounted_for, summary = runs[0]
    assert run_id.startswith("manual__") and rows_read > 0 and rows_read == rows_accounted_for
    summary = json.loads(summary)
    assert summary["as_of"] == latest_month.isoformat()
    assert summary["headline"]["total_ar"] is not None
    assert set(summary["step_seconds"]) >= {"ingest", "dbt_seeds", "dbt_marts", "validate_marts"}
    assert build_files_left(airflow) == []


def test_second_run_for_the_same_logical_date_gives_identical_marts(airflow):
    before = marts(airflow.warehouse)
    result = airflow.dags_test("credit_refresh", conf={"force": True})
    assert result.returncode == 0, tail(result)
    tasks = airflow.last_run_tasks("credit_refresh")
    assert tasks["publish"][0] == "success" and tasks["dbt_marts"][0] == "success"
    assert marts(airflow.warehouse) == before
    with duckdb.connect(str(airflow.warehouse), read_only=True) as con:
        (runs,) = con.execute("select count(*) from marts.pipeline_runs").fetchone()
    assert runs == 2  # every published run is recorded


def test_run_with_nothing_new_stops_after_detection(airflow):
    published = sha256(airflow.warehouse)
    result = airflow.dags_test("credit_refresh")
    assert result.returncode == 0, tail(result)
    tasks = airflow.last_run_tasks("credit_refresh")
    assert tasks["detect_new_extracts"][0] == "success"
    assert tasks["anything_to_do"][0] == "success"
    assert tasks["prepare_build"][0] == "skipped" and tasks["publish"][0] == "skipped"
    assert sha256(airflow.warehouse) == published


def test_bad_file_fails_the_ingest_task_and_leaves_the_warehouse_unchanged(airflow):
    published = sha256(airflow.warehouse)
    # an invoices extract without its amount column cannot be read at all
    (airflow.landing / "invoices_bad.csv").write_text(
        "document_id,customer_id,document_type,document_date,due_date\n"
        "BAD-1,C0001,invoice,2026-10-01,2026-10-31\n"
    )
    result = airflow.dags_test("credit_refresh")
    assert result.returncode != 0
    assert "invoices_bad.csv" in result.stdout + result.stderr

    tasks = airflow.last_run_tasks("credit_refresh")
    assert tasks["prepare_build"][0] == "success"
    # the failing step shows as that task, failed at once: retrying cannot fix a file
    assert tasks["ingest"] == ("failed", 1), tasks["ingest"]
    for step in ("validate_raw", "resolve_as_of", "dbt_marts", "record_run", "publish"):
        assert tasks[step][0] == "upstream_failed", (step, tasks[step])
    assert tasks["discard_build"][0] == "success"
    assert sha256(airflow.warehouse) == published
    assert build_files_left(airflow) == []

"""The dbt runner: `dbt build` / `dbt docs generate` of dbt_project/ on one DuckDB file.

dbt runs in-process (dbtRunner). Each call gets its own target/ and logs/ folders in a
temporary directory, so that concurrent test runs on different files never share dbt's
artifacts; the docs target is kept next to the database because the caller serves it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb

from credit_scoreboard import settings


class TransformError(Exception):
    """A dbt run that did not succeed; `str()` names the failed nodes and the first error."""


@contextlib.contextmanager
def _dbt_environment(database: Path) -> Iterator[None]:
    """The profile reads the database path from CREDIT_SCOREBOARD_DB and the memory cap from
    CREDIT_SCOREBOARD_DUCKDB_MEMORY_LIMIT; restore them afterwards."""
    names = ("CREDIT_SCOREBOARD_DB", "CREDIT_SCOREBOARD_DUCKDB_MEMORY_LIMIT", "DO_NOT_TRACK")
    saved = {name: os.environ.get(name) for name in names}
    os.environ["CREDIT_SCOREBOARD_DB"] = str(database)
    os.environ["CREDIT_SCOREBOARD_DUCKDB_MEMORY_LIMIT"] = settings.duckdb_memory_limit()
    os.environ["DO_NOT_TRACK"] = "1"
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _invoke(command: list[str], database: Path, as_of: dt.date, vars: dict | None,
            target_dir: Path) -> None:
    from dbt.cli.main import dbtRunner  # 5 s import: only when a build is asked for

    project_dir = str(settings.DBT_PROJECT_DIR)
    dbt_vars = {**(vars or {}), "as_of_date": as_of.isoformat()}
    args = [
        *command,
        "--project-dir", project_dir,
        "--profiles-dir", project_dir,
        "--target-path", str(target_dir / "target"),
        "--log-path", str(target_dir / "logs"),
        "--vars", json.dumps(dbt_vars),
        "--log-level", "warn",
        "--no-use-colors",
    ]
    with _dbt_environment(database):
        result = dbtRunner().invoke(args)
    if result.success:
        return
    raise TransformError(_failure_summary(command[0], result))


# dbt builds two models at a time on small books (their fixed costs overlap: 1M invoices,
# 50 s against 59 s one at a time). On large books two heavy models share DuckDB's memory
# cap and spill to disk: one at a time is faster there.
LARGE_BOOK_LEDGER_ROWS = 4_000_000


def _threads(database: Path) -> int:
    """dbt's threads: CREDIT_SCOREBOARD_DBT_THREADS, else by the size of the raw ledger."""
    configured = os.environ.get("CREDIT_SCOREBOARD_DBT_THREADS", "").strip()
    if configured:
        return int(configured)
    with duckdb.connect(str(database), read_only=True) as con:
        ledger_rows = con.execute(
            "select coalesce(sum(estimated_size), 0) from duckdb_tables() "
            "where schema_name = 'raw' and table_name in ('invoices', 'payments')").fetchone()[0]
    return 1 if ledger_rows > LARGE_BOOK_LEDGER_ROWS else 2


def _failure_summary(command: str, result) -> str:
    """One line: which nodes failed and the first error message."""
    if result.exception is not None:
        return f"dbt {command} failed: {' '.join(str(result.exception).split())}"
    failed = [
        node_result for node_result in getattr(result.result, "results", None) or []
        if str(node_result.status) in ("error", "fail", "runtime error")
    ]
    if not failed:
        return f"dbt {command} failed"
    names = ", ".join(node_result.node.name for node_result in failed)
    first_message = " ".join(str(failed[0].message or "").split())
    return f"dbt {command} failed on {len(failed)} node(s): {names}. First error: {first_message}"


def build_models(database: Path, as_of: dt.date, select: str | None = None,
                 vars: dict | None = None, rebuild_from: dt.date | None = None) -> None:
    """`dbt build` (seeds, models, tests) on `database` for the run's as-of date.

    `select` narrows it to one selection (e.g. "path:models/staging") so that an Airflow DAG
    can run one layer per task (tests reading models outside the selection wait for them);
    `vars` overrides the KPI parameters of dbt_project.yml. Incremental models recompute
    the as-of dates from `rebuild_from` on and keep the earlier ones; without it every
    model is built from scratch (`--full-refresh`).
    """
    command = ["build", "--threads", str(_threads(Path(database)))]
    if rebuild_from is None:
        command.append("--full-refresh")
    else:
        vars = {**(vars or {}), "rebuild_from": rebuild_from.isoformat()}
    if select:
        # a test runs with the selection only when every model it reads is selected too:
        # layer by layer, a cross-layer test runs once, after its last model is built
        command += ["--select", select, "--indirect-selection", "buildable"]
    with tempfile.TemporaryDirectory(prefix="credit-scoreboard-dbt-") as work_dir:
        _invoke(command, Path(database), as_of, vars, Path(work_dir))


def generate_docs(database: Path, as_of: dt.date) -> Path:
    """`dbt docs generate` on a built `database`; returns the target dir holding index.html,
    manifest.json and catalog.json (kept next to the database, replaced on each call)."""
    database = Path(database)
    docs_dir = database.parent / f"{database.stem}_dbt_docs"
    docs_dir.mkdir(parents=True, exist_ok=True)
    _invoke(["docs", "generate"], database, as_of, None, docs_dir)
    return docs_dir / "target"

"""Issue 8: incremental builds. A run whose new rows are all dated from D on recomputes the
as-of dates from D (and the previous run date) and keeps the closed months before; the
result equals a full rebuild of the same extracts, and anything that could change every
date (customers, the dbt project, CREDIT_SCOREBOARD_FULL_REBUILD) rebuilds everything."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest
from reliability_support import (
    LINEAGE_COLUMNS,
    RUN_COLUMNS,
    differences,
    read_extract,
    snapshot,
    write_extract,
)

from credit_scoreboard import pipeline, settings

SKIP = ("marts.pipeline_runs", "marts.data_quality", "raw.load_log", "raw.quarantine")
SCHEMAS = ("raw", "intermediate", "marts")


def data(warehouse: Path) -> dict[str, list[tuple]]:
    return snapshot(warehouse, SCHEMAS, SKIP, RUN_COLUMNS | LINEAGE_COLUMNS)


def copy_landing(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, copy_function=shutil.copy2)  # keeps modification times
    return target


@pytest.fixture(scope="module")
def first_build(first_and_next_landing, tmp_path_factory) -> Path:
    """The warehouse published from the book up to September (a full build)."""
    first, _ = first_and_next_landing
    warehouse = tmp_path_factory.mktemp("first_build") / "credit.duckdb"
    summary = pipeline.run_pipeline(first, warehouse)
    assert (summary.as_of, summary.rebuild_from) == ("2026-09-30", None)
    return warehouse


def test_a_new_month_of_extracts_keeps_the_closed_months_and_equals_a_full_rebuild(
    first_build, first_and_next_landing, tmp_path
):
    _, following = first_and_next_landing
    incremental = tmp_path / "incremental" / "credit.duckdb"
    incremental.parent.mkdir()
    shutil.copyfile(first_build, incremental)
    # A closed month the next run must not recompute: a marker on one of its rows (in a
    # column no dbt test reads: the tests check every date).
    with duckdb.connect(str(incremental)) as con:
        (marked,) = con.execute(
            "update marts.aged_balance set country = 'XX' "
            "where as_of_date = date '2026-06-30' and document_id = ("
            "  select min(document_id) from marts.aged_balance "
            "  where as_of_date = date '2026-06-30') returning document_id").fetchone()

    summary = pipeline.run_pipeline(following, incremental)

    # October's rows are dated from 2026-10-01: rebuilt from the previous run date on
    assert (summary.as_of, summary.rebuild_from) == ("2026-10-30", "2026-09-30")
    assert "built: as-of dates from 2026-09-30" in summary.render()
    with duckdb.connect(str(incremental), read_only=True) as con:
        assert con.execute(
            "select country from marts.aged_balance "
            "where as_of_date = date '2026-06-30' and document_id = ?", [marked]
        ).fetchone() == ("XX",)
    # Without the marker, the incremental build equals a full build of the same extracts.
    full = tmp_path / "full" / "credit.duckdb"
    assert pipeline.run_pipeline(following, full).rebuild_from is None
    incremental_data, full_data = data(incremental), data(full)
    marked_rows = [row for row in incremental_data["marts.aged_balance"]
                   if row[0] == dt.date(2026, 6, 30) and row[2] == marked]
    assert len(marked_rows) == 1
    differing = differences(incremental_data, full_data)
    assert len(differing) == 1 and differing[0].startswith(
        "marts.aged_balance: 1 rows only left, 1 only right"), differing


def test_a_back_dated_payment_rebuilds_from_its_date(first_build, first_and_next_landing,
                                                     tmp_path):
    first, _ = first_and_next_landing
    landing = copy_landing(first, tmp_path / "landing")
    warehouse = tmp_path / "incremental" / "credit.duckdb"
    warehouse.parent.mkdir()
    shutil.copyfile(first_build, warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        customer_id, document_id = con.execute(
            "select customer_id, document_id from marts.aged_balance "
            "where as_of_date = date '2026-09-30' and document_date < date '2026-05-01' "
            "and open_amount > 1 order by document_id limit 1").fetchone()
    header, _ = read_extract(first / "payments.csv")
    payment = dict.fromkeys(header, "")
    payment.update(payment_id="LATE-1", customer_id=customer_id, document_id=document_id,
                   payment_date="2026-05-15", amount="1.00", method="transfer")
    newest = max(path.stat().st_mtime for path in landing.iterdir())
    write_extract(landing / "payments_late.csv", header, [[payment[name] for name in header]],
                  newest + 3600)

    summary = pipeline.run_pipeline(landing, warehouse)

    assert summary.rebuild_from == "2026-05-15"
    full = tmp_path / "full" / "credit.duckdb"
    pipeline.run_pipeline(landing, full)
    assert differences(data(warehouse), data(full)) == []
    with duckdb.connect(str(warehouse), read_only=True) as con:  # the payment is in the KPIs
        assert con.execute(
            "select count(*) from marts.account_statement where entry_id = 'LATE-1'"
        ).fetchone() == (1,)


def ingested_build(first_build: Path, landing: Path, tmp_path: Path) -> Path:
    """A build file of the first warehouse with `landing` ingested (no dbt run)."""
    build = tmp_path / "build.duckdb"
    build.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(first_build, build)
    pipeline.ingest(build, landing)
    return build


def test_changed_customers_rebuild_every_date_customers_sent_again_do_not(
    first_build, first_and_next_landing, tmp_path
):
    first, _ = first_and_next_landing
    header, rows = read_extract(first / "customers.csv")
    newest = max(path.stat().st_mtime for path in first.iterdir())
    resent = copy_landing(first, tmp_path / "resent")
    write_extract(resent / "customers_2.csv", header, list(reversed(rows)), newest + 3600)
    assert pipeline.rebuild_from(ingested_build(first_build, resent, tmp_path / "a"),
                                 dt.date(2026, 9, 30)) == dt.date(2026, 9, 30)

    changed = copy_landing(first, tmp_path / "changed")
    segment = header.index("segment")
    rows[0][segment] = "Key accounts" if rows[0][segment] != "Key accounts" else "SME"
    write_extract(changed / "customers_2.csv", header, rows, newest + 3600)
    assert pipeline.rebuild_from(ingested_build(first_build, changed, tmp_path / "b"),
                                 dt.date(2026, 9, 30)) is None


def test_a_changed_dbt_project_or_the_full_rebuild_switch_rebuild_every_date(
    first_build, tmp_path, monkeypatch
):
    as_of = dt.date(2026, 9, 30)
    assert pipeline.rebuild_from(first_build, as_of) == as_of
    assert pipeline.rebuild_from(first_build, as_of - dt.timedelta(days=1)) is None  # goes back

    monkeypatch.setenv("CREDIT_SCOREBOARD_FULL_REBUILD", "1")
    assert pipeline.rebuild_from(first_build, as_of) is None
    monkeypatch.delenv("CREDIT_SCOREBOARD_FULL_REBUILD")

    project = tmp_path / "dbt_project"
    shutil.copytree(settings.DBT_PROJECT_DIR, project,
                    ignore=shutil.ignore_patterns("target", "logs"))
    monkeypatch.setattr(settings, "DBT_PROJECT_DIR", project)
    assert pipeline.rebuild_from(first_build, as_of) == as_of  # the same sources
    (project / "target").mkdir(exist_ok=True)
    (project / "target" / "run_results.json").write_text("{}")  # dbt's output: no change
    (project / "target" / "compiled.sql").write_text("select 1")
    (project / ".user.yml").write_text("id: someone")
    assert pipeline.rebuild_from(first_build, as_of) == as_of
    model = project / "models" / "marts" / "credit" / "aged_balance.sql"
    model.write_text(model.read_text() + "\n-- changed\n")
    assert pipeline.rebuild_from(first_build, as_of) is None

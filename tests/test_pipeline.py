"""`credit-scoreboard run` end to end: what it publishes, and what a failed run leaves."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from credit_scoreboard.contract import MARTS_COLUMNS

CLI = [sys.executable, "-m", "credit_scoreboard.cli"]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def table_columns(warehouse: Path, schema: str) -> dict[str, list[str]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select table_name, column_name from duckdb_columns() where schema_name = ? "
            "order by table_name, column_index",
            [schema],
        ).fetchall()
    columns: dict[str, list[str]] = {}
    for table, column in rows:
        columns.setdefault(table, []).append(column)
    return columns


def test_published_marts_have_every_contract_table_and_column(published_warehouse):
    marts = table_columns(published_warehouse, "marts")
    for table, contract_columns in MARTS_COLUMNS.items():
        assert table in marts, f"marts.{table} missing"
        missing = [column for column in contract_columns if column not in marts[table]]
        assert not missing, f"marts.{table} lacks {missing}"


def extract_files(landing: Path) -> list[str]:
    """The generated extracts: one table per entity and the last days' CDAR XML files."""
    return sorted(path.name for path in landing.iterdir() if path.suffix in (".csv", ".xml"))


def test_reconciliation_holds_for_every_loaded_file(generated_landing, published_warehouse):
    with duckdb.connect(str(published_warehouse), read_only=True) as con:
        rows = con.execute(
            "select file_name, rows_read, rows_loaded, rows_quarantined from raw.load_log"
        ).fetchall()
    assert sorted(row[0] for row in rows) == extract_files(generated_landing)
    for file_name, read, loaded, quarantined in rows:
        assert read == loaded + quarantined, file_name
        assert read > 0, file_name


def test_aged_balance_sums_to_total_ar_at_every_as_of_date(published_warehouse):
    with duckdb.connect(str(published_warehouse), read_only=True) as con:
        mismatches = con.execute(
            """
            select kpi.as_of_date, kpi.total_ar, coalesce(sum(aged.open_amount), 0)
            from marts.kpi_monthly as kpi
            left join marts.aged_balance as aged using (as_of_date)
            group by kpi.as_of_date, kpi.total_ar
            having abs(kpi.total_ar - coalesce(sum(aged.open_amount), 0)) > 0.005
            """
        ).fetchall()
        (as_of_dates,) = con.execute("select count(*) from marts.kpi_monthly").fetchone()
    assert as_of_dates >= 36  # 3 years of month ends (+ the run's as-of date)
    assert mismatches == []


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(CLI + list(args), capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_cli_publishes_then_a_bad_file_leaves_the_warehouse_untouched(
    generated_landing, tmp_path
):
    landing = tmp_path / "landing"
    shutil.copytree(generated_landing, landing)
    warehouse = tmp_path / "wh" / "credit.duckdb"

    first = run_cli("run", "--landing", str(landing), "--warehouse", str(warehouse))
    assert first.returncode == 0, first.stderr
    assert "published" in first.stdout and "quarantined" in first.stdout
    published_hash = sha256(warehouse)

    # Loading the same folder again changes no raw table.
    def raw_snapshot() -> dict[str, list]:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return {
                table: con.execute(f"select * exclude (loaded_at) from raw.{table} order by all")
                .fetchall()
                for table in ("customers", "invoices", "payments", "disputes", "calls")
            } | {"load_log": con.execute("select * from raw.load_log order by all").fetchall()}

    before = raw_snapshot()
    again = run_cli("run", "--landing", str(landing), "--warehouse", str(warehouse))
    assert again.returncode == 0, again.stderr
    assert raw_snapshot() == before
    published_hash = sha256(warehouse)

    # A file that cannot be read (no `amount` column) stops the run before publishing.
    (landing / "invoices_20990101.csv").write_text(
        "document_id,customer_id,document_type,document_date,due_date\n"
        "X1,C00001,invoice,2026-10-01,2026-10-31\n",
        encoding="utf-8",
    )
    failed = run_cli("run", "--landing", str(landing), "--warehouse", str(warehouse))
    assert failed.returncode != 0
    reason = failed.stderr.strip().splitlines()[-1]
    assert "invoices_20990101.csv" in reason and "amount" in reason
    assert sha256(warehouse) == published_hash
    assert sorted(path.name for path in warehouse.parent.iterdir()) == [
        ".credit.duckdb.lock", "credit.duckdb",
    ]


def test_detect_new_extracts_compares_the_landing_folder_with_the_published_load_log(
    generated_landing, published_warehouse, tmp_path
):
    from credit_scoreboard.pipeline import detect_new_extracts

    assert detect_new_extracts(generated_landing, published_warehouse) == []
    assert len(detect_new_extracts(generated_landing, tmp_path / "none.duckdb")) == len(
        extract_files(generated_landing))

    landing = tmp_path / "landing"
    shutil.copytree(generated_landing, landing)
    (landing / "payments_delta.csv").write_text(
        "payment_id,customer_id,document_id,payment_date,amount,method\n", encoding="utf-8"
    )
    # A known name with changed content is new too.
    with (landing / "calls.csv").open("a", encoding="utf-8") as calls:
        calls.write("\n")
    assert sorted(detect_new_extracts(landing, published_warehouse)) == [
        "calls.csv", "payments_delta.csv",
    ]

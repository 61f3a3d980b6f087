"""Ingest across runs: idempotence, incremental loads, upserts, changed files."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import duckdb

from credit_scoreboard.ingest import load_landing, rule_catalogue
from tests.test_ingest_corpus import (
    BASE,
    INVOICE_HEADER,
    PAYMENT_HEADER,
    raw_snapshot,
    write_landing,
)


def test_loading_the_same_folder_twice_changes_nothing(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    write_landing(landing, BASE | {
        "payments.csv": PAYMENT_HEADER + "P1,C1,I1,2024-02-01,100,transfer\n"
                                         "P2,C9,I1,2024-02-01,100,transfer\n",
    }, first_mtime=1_700_000_000)
    warehouse = tmp_path / "build.duckdb"
    with duckdb.connect(warehouse) as con:
        first = load_landing(con, landing)
        after_first = raw_snapshot(con)
    # A new connection on the same file, as the pipeline's next run would open it.
    with duckdb.connect(warehouse) as con:
        second = load_landing(con, landing)
        assert raw_snapshot(con) == after_first
    assert [file.skipped for file in first.files] == [False, False, False]
    assert [file.skipped for file in second.files] == [True, True, True]
    assert (second.rows_read, second.rows_loaded, second.rows_quarantined) == (0, 0, 0)
    # 2 customers + 2 invoices + 2 payments read; P2 (unknown customer C9) quarantined
    assert (first.rows_read, first.rows_loaded, first.rows_quarantined) == (6, 5, 1)


def test_a_later_run_upserts_and_checks_against_earlier_runs(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    write_landing(landing, BASE, first_mtime=1_700_000_000)
    con = duckdb.connect()
    load_landing(con, landing)
    # Next day's delta: I1 corrected, a payment of I2 (invoice loaded in the first run).
    write_landing(landing, {
        "invoices_delta.csv": "document_id,customer_id,document_type,document_date,due_date,"
                              "amount\nI1,C1,invoice,2024-01-10,2024-02-09,1100.00\n",
        "payments_delta.csv": PAYMENT_HEADER + "P1,C2,I2,2024-02-01,500,transfer\n",
    }, first_mtime=1_700_000_100)
    report = load_landing(con, landing)
    assert [(file.file_name, file.skipped) for file in report.files] == [
        ("customers.csv", True), ("invoices.csv", True),
        ("invoices_delta.csv", False), ("payments_delta.csv", False),
    ]
    assert con.execute(
        "select document_id, amount, source_file from raw.invoices order by 1"
    ).fetchall() == [("I1", Decimal("1100.00"), "invoices_delta.csv"),
                     ("I2", Decimal("500.00"), "invoices.csv")]
    assert con.execute("select count(*) from raw.payments").fetchone() == (1,)


def test_a_corrected_file_replaces_its_quarantine(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    write_landing(landing, BASE | {
        "payments.csv": PAYMENT_HEADER + "P1,C1,I1,2024-02-01,-100,transfer\n",
    }, first_mtime=1_700_000_000)
    con = duckdb.connect()
    load_landing(con, landing)
    assert con.execute("select rule from raw.quarantine").fetchall() == [("amount: must be > 0",)]
    (landing / "payments.csv").write_text(PAYMENT_HEADER + "P1,C1,I1,2024-02-01,100,transfer\n")
    os.utime(landing / "payments.csv", (1_700_000_200, 1_700_000_200))
    load_landing(con, landing)
    assert con.execute("select count(*) from raw.quarantine").fetchone() == (0,)
    assert con.execute("select amount from raw.payments").fetchall() == [(Decimal("100.00"),)]
    # One load-log row per file version loaded.
    assert con.execute(
        "select rows_read, rows_loaded, rows_quarantined from raw.load_log "
        "where file_name = 'payments.csv' order by rows_loaded"
    ).fetchall() == [(1, 0, 1), (1, 1, 0)]


def test_rule_catalogue_names_every_rule_once_with_its_column() -> None:
    catalogue = rule_catalogue()
    assert len(catalogue) == len(set(catalogue))
    assert ("invoices", "amount: invoice amount must be > 0") in catalogue
    assert ("disputes", "disputed_amount: above the invoice amount") in catalogue
    assert ("payments", "document_id: unknown invoice") in catalogue


def load_runs(landing: Path, runs: list[dict[str, str]]) -> duckdb.DuckDBPyConnection:
    """Each run adds its files to `landing` (modification times 100 s apart) and loads it."""
    con = duckdb.connect()
    for run, files in enumerate(runs):
        write_landing(landing, files, first_mtime=1_700_000_000 + 100 * run)
        load_landing(con, landing)
    return con


def test_each_load_records_how_many_rows_changed_and_the_earliest_date_they_touch(
    tmp_path: Path,
) -> None:
    """What pipeline.rebuild_from reads: rows sent again unchanged are no change; a
    corrected row counts its old date and its new one; a removed key its old date."""
    con = load_runs(tmp_path, [BASE, {
        # I1 sent again unchanged, I2 re-dated from 2024-01-15 to 2024-03-01, I3 new
        "invoices_2.csv": INVOICE_HEADER + "I1,C1,invoice,2024-01-10,2024-02-09,1000.00\n"
                                           "I2,C2,invoice,2024-03-01,2024-04-30,500.00\n"
                                           "I3,C1,invoice,2024-04-02,2024-05-02,80.00\n",
        # P1 new, dated 2024-02-20
        "payments_2.csv": PAYMENT_HEADER + "P1,C1,I1,2024-02-20,100,transfer\n",
    }, {
        # I1 again, now breaking a rule (negative amount): its old version (2024-01-10) goes
        "invoices_3.csv": INVOICE_HEADER + "I1,C1,invoice,2024-01-10,2024-02-09,-5\n",
        # the same rows as customers.csv in another order: a new file, no changed row
        "customers_2.csv": "\n".join([BASE["customers.csv"].splitlines()[0],
                                      *reversed(BASE["customers.csv"].splitlines()[1:])]) + "\n",
    }])
    logged = con.execute(
        "select file_name, rows_loaded, rows_changed, earliest_date_changed from raw.load_log "
        "order by loaded_at, file_name").fetchall()
    assert [(name, loaded, changed, str(date) if date else None)
            for name, loaded, changed, date in logged] == [
        ("customers.csv", 2, 2, None),  # customers have no date: they change every date
        ("invoices.csv", 2, 2, "2024-01-10"),
        ("invoices_2.csv", 3, 2, "2024-01-15"),  # I2's old date; I1 unchanged
        ("payments_2.csv", 1, 1, "2024-02-20"),
        ("customers_2.csv", 2, 0, None),
        ("invoices_3.csv", 0, 1, "2024-01-10"),  # I1 removed
    ]


def test_a_changed_invoice_counts_from_the_earliest_payment_settling_it(tmp_path: Path) -> None:
    """Cash received before the invoice date is unapplied credit until the invoice exists:
    correcting the invoice changes the KPIs from the payment's date."""
    con = load_runs(tmp_path, [
        BASE | {"payments.csv": PAYMENT_HEADER + "P0,C2,I2,2024-01-05,200,transfer\n"},
        {"invoices_2.csv": INVOICE_HEADER + "I2,C2,invoice,2024-01-15,2024-03-15,550.00\n"},
    ])
    assert con.execute(
        "select rows_changed, earliest_date_changed from raw.load_log "
        "where file_name = 'invoices_2.csv'").fetchone() == (1, dt.date(2024, 1, 5))

"""Issue 9, item 3: replays and late data. However the extracts arrive (replayed, out of
order, corrected, reversed), raw ends as if the final data had been loaded once, so the
marts do too.

"Final data" follows the contract: a later extract of a key replaces the earlier one,
"later" meaning a later file modification time (then the file name), then a later row.
The time a file *arrives* does not count: a file with an older modification time that
lands after a newer one (a late copy made with `cp -p` or `rsync -t`) does not overwrite
the newer one's rows. A file's name is not read for dates. A row quarantined as a key's
latest version removes the key's earlier version: a reversal the contract cannot load
(a negative payment) does not leave the reversed payment counted.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from reliability_support import (
    DATE_COLUMN,
    differences,
    read_extract,
    run_cli,
    snapshot,
    write_extract,
)

from credit_scoreboard.contract import ENTITIES
from credit_scoreboard.ingest import load_landing

T0 = 1_780_000_000  # file modification times: T0 + hours

CUSTOMERS = (["customer_id", "customer_name", "segment", "region", "country",
              "payment_terms_days", "payment_terms_basis"],
             [["C1", "Alpha SA", "SME", "North", "FR", "30", "invoice_date"],
              ["C2", "Beta GmbH", "Key accounts", "East", "DE", "60", "end_of_month"]])
INVOICE_HEADER = ["document_id", "customer_id", "document_type", "document_date", "due_date",
                  "amount"]
PAYMENT_HEADER = ["payment_id", "customer_id", "document_id", "payment_date", "amount",
                  "method"]
I1 = ["I1", "C1", "invoice", "2026-01-10", "2026-02-09", "1000.00"]
I1_CORRECTED = ["I1", "C1", "invoice", "2026-01-10", "2026-02-09", "1100.00"]
I2 = ["I2", "C2", "invoice", "2026-01-15", "2026-03-15", "500.00"]
P1 = ["P1", "C1", "I1", "2026-02-01", "400.00", "transfer"]
P1_REVERSED = ["P1", "C1", "I1", "2026-02-01", "-400.00", "transfer"]
P2 = ["P2", "C2", "I2", "2026-03-20", "500.00", "check"]


def raw_state(con) -> dict[str, list[tuple]]:
    """The raw tables' contents, without lineage (which file, which row, when)."""
    state = {}
    for entity in ENTITIES.values():
        columns = ", ".join(entity.column_names)
        state[entity.name] = con.execute(
            f"select {columns} from raw.{entity.name} order by all").fetchall()
    return state


def load_in_runs(tmp_path: Path, runs: list[dict[str, tuple[list, list, int]]]):
    """Each run adds its files ({name: (header, rows, hour)}) to one landing folder and
    loads it into the same database, as daily runs would."""
    landing = tmp_path / "landing"
    landing.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    for files in runs:
        for name, (header, rows, hour) in files.items():
            write_extract(landing / name, header, rows, T0 + 3600 * hour)
        load_landing(con, landing)
    return con


def final_data(tmp_path: Path, files: dict[str, tuple[list, list, int]]):
    """The final data, one file per entity, loaded once."""
    landing = tmp_path / "final"
    landing.mkdir()
    for name, (header, rows, hour) in files.items():
        write_extract(landing / name, header, rows, T0 + 3600 * hour)
    con = duckdb.connect()
    load_landing(con, landing)
    return con


BASE = {"customers.csv": (*CUSTOMERS, 0), "invoices.csv": (INVOICE_HEADER, [I1, I2], 1),
        "payments.csv": (PAYMENT_HEADER, [P1, P2], 2)}


def test_replaying_the_same_extracts_changes_nothing(tmp_path):
    con = load_in_runs(tmp_path, [BASE, BASE, {}])
    once = final_data(tmp_path, BASE)
    assert raw_state(con) == raw_state(once)
    assert con.execute("select count(*) from raw.load_log").fetchone() == (3,)


def test_a_corrected_invoice_resent_with_a_new_amount_replaces_the_old_one(tmp_path):
    con = load_in_runs(tmp_path, [BASE, {"invoices_2.csv": (INVOICE_HEADER, [I1_CORRECTED], 3)}])
    final = BASE | {"invoices.csv": (INVOICE_HEADER, [I1_CORRECTED, I2], 1)}
    assert raw_state(con) == raw_state(final_data(tmp_path, final))
    assert con.execute("select amount from raw.invoices where document_id = 'I1'").fetchone()[0] \
        == 1100


def test_a_reversed_payment_is_no_longer_counted(tmp_path):
    """The reversal (the payment re-sent with a negative amount) breaks `amount > 0`: it is
    quarantined, and the payment it reverses is not left in raw."""
    con = load_in_runs(tmp_path, [BASE, {"payments_2.csv": (PAYMENT_HEADER, [P1_REVERSED], 3)}])
    final = BASE | {"payments.csv": (PAYMENT_HEADER, [P1_REVERSED, P2], 2)}
    assert raw_state(con) == raw_state(final_data(tmp_path, final))
    assert con.execute("select payment_id from raw.payments").fetchall() == [("P2",)]
    assert con.execute("select file_name, rule from raw.quarantine").fetchall() == [
        ("payments_2.csv", "amount: must be > 0")]


def test_an_older_extract_arriving_late_does_not_overwrite_a_newer_one(tmp_path):
    """invoices_2.csv (hour 3, the correction) is loaded first; invoices_1.csv (hour 2, the
    original) turns up a day later with its modification time kept."""
    con = load_in_runs(tmp_path, [
        BASE | {"invoices_2.csv": (INVOICE_HEADER, [I1_CORRECTED], 3)},
        {"invoices_1.csv": (INVOICE_HEADER, [I1], 2)},
    ])
    everything_at_once = load_in_runs(tmp_path / "once", [
        BASE | {"invoices_2.csv": (INVOICE_HEADER, [I1_CORRECTED], 3),
                "invoices_1.csv": (INVOICE_HEADER, [I1], 2)},
    ])
    assert raw_state(con) == raw_state(everything_at_once)
    assert con.execute("select amount from raw.invoices where document_id = 'I1'").fetchone()[0] \
        == 1100


def test_a_resent_file_of_the_same_name_replaces_its_earlier_version(tmp_path):
    """Same name, new content: the file's new version, whatever its modification time."""
    con = load_in_runs(tmp_path, [
        BASE | {"invoices_2.csv": (INVOICE_HEADER, [I1_CORRECTED], 5)},
        {"invoices_2.csv": (INVOICE_HEADER, [I1], 4)},
    ])
    assert con.execute("select amount from raw.invoices where document_id = 'I1'").fetchone()[0] \
        == 1000


# --- end to end: the marts ---------------------------------------------------------------


def split_rows(book: Path, entity: str, cutoff: str = "2026-10-01") -> tuple[list, list, list]:
    header, rows = read_extract(book / f"{entity}.csv")
    position = header.index(DATE_COLUMN[entity])
    return (header, [row for row in rows if row[position] < cutoff],
            [row for row in rows if row[position] >= cutoff])


@pytest.mark.slow
def test_marts_after_replayed_late_and_corrected_extracts_equal_one_load_of_the_final_data(
    small_book, tmp_path
):
    """Three runs: the book up to September; then October's deltas, an invoice corrected,
    a payment reversed and September's invoices replayed; then an October invoice delta
    whose modification time is older than the correction's (it arrived late). Against
    one run on the final data, one file per entity."""
    customers = read_extract(small_book / "customers.csv")
    invoice_header, invoices_before, invoices_october = split_rows(small_book, "invoices")
    payment_header, payments_before, payments_october = split_rows(small_book, "payments")
    corrected = list(invoices_before[0])
    amount = invoice_header.index("amount")
    corrected[amount] = f"{float(corrected[amount]) + 250:.2f}"
    reversed_payment = list(payments_before[0])
    reversed_payment[payment_header.index("amount")] = "-" + reversed_payment[
        payment_header.index("amount")]
    others = {entity: read_extract(small_book / f"{entity}.csv")
              for entity in ("disputes", "calls")}

    runs = [
        {"customers.csv": (*customers, 0), "invoices.csv": (invoice_header, invoices_before, 1),
         "payments.csv": (payment_header, payments_before, 2)},
        {"invoices_corrections.csv": (invoice_header, [corrected], 6),
         "payments_2.csv": (payment_header, payments_october + [reversed_payment], 7),
         "invoices_replay.csv": (invoice_header, invoices_before, 5)},
        # October's invoices arrive late with an older modification time than the
        # correction; disputes and calls (which refer to them) come with them.
        {"invoices_2.csv": (invoice_header, invoices_october, 4),
         **{f"{entity}.csv": (*rows, 8) for entity, rows in others.items()}},
    ]
    final = {
        "customers.csv": (*customers, 0),
        "invoices.csv": (invoice_header, [corrected] + invoices_before[1:] + invoices_october, 1),
        "payments.csv": (payment_header, payments_before[1:] + payments_october, 2),
        **{f"{entity}.csv": (*rows, 3) for entity, rows in others.items()},
    }

    landing, warehouse = tmp_path / "landing", tmp_path / "replayed" / "credit.duckdb"
    landing.mkdir()
    for files in runs:
        for name, (header, rows, hour) in files.items():
            write_extract(landing / name, header, rows, T0 + 3600 * hour)
        result = run_cli("run", "--landing", str(landing), "--warehouse", str(warehouse),
                         "--as-of", "2026-10-31")
        assert result.returncode == 0, result.stderr[-3000:]

    final_landing, once = tmp_path / "final", tmp_path / "once" / "credit.duckdb"
    final_landing.mkdir()
    for name, (header, rows, hour) in final.items():
        write_extract(final_landing / name, header, rows, T0 + 3600 * hour)
    result = run_cli("run", "--landing", str(final_landing), "--warehouse", str(once),
                     "--as-of", "2026-10-31")
    assert result.returncode == 0, result.stderr[-3000:]

    # Lineage, load history and each run's checks differ by construction; data may not.
    skip = ("marts.pipeline_runs", "marts.data_quality", "raw.load_log", "raw.quarantine")
    replayed = snapshot(warehouse, ("raw", "marts"), skip, RUN_AND_LINEAGE)
    single = snapshot(once, ("raw", "marts"), skip, RUN_AND_LINEAGE)
    assert differences(replayed, single) == []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (payments,) = con.execute("select count(*) from raw.payments").fetchone()
    assert payments == len(payments_before) - 1 + len(payments_october)


RUN_AND_LINEAGE = {"loaded_at", "quarantined_at", "checked_at", "started_at", "finished_at",
                   "source_file", "source_row"}



def test_payments_arriving_a_run_before_their_invoices_load_when_the_invoices_come(tmp_path):
    """payments_2.csv names I3, which only comes in the next run's invoices_2.csv: the
    payment waits in quarantine (`unknown invoice`), then loads with its invoice."""
    i3 = ["I3", "C2", "invoice", "2026-02-01", "2026-03-01", "300.00"]
    p3 = ["P3", "C2", "I3", "2026-03-02", "300.00", "transfer"]
    con = load_in_runs(tmp_path, [
        BASE | {"payments_2.csv": (PAYMENT_HEADER, [p3], 4)},
        {"invoices_2.csv": (INVOICE_HEADER, [i3], 3)},
    ])
    final = BASE | {"invoices.csv": (INVOICE_HEADER, [I1, I2, i3], 1),
                    "payments.csv": (PAYMENT_HEADER, [P1, P2, p3], 2)}
    assert raw_state(con) == raw_state(final_data(tmp_path, final))
    assert con.execute("select count(*) from raw.quarantine").fetchone() == (0,)
    # the second load of payments_2.csv is logged, and reconciles
    assert con.execute(
        "select rows_read, rows_loaded, rows_quarantined from raw.load_log "
        "where file_name = 'payments_2.csv' order by loaded_at, rows_loaded"
    ).fetchall() == [(1, 0, 1), (1, 1, 0)]

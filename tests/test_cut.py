"""The extracts cut at D (credit_scoreboard.cut): each rule, in each format the contract
accepts, checked through the real ingest: the cut landing folder loads into exactly the
raw rows of the full one minus what was not known at D."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from credit_scoreboard import contract
from credit_scoreboard.cli import main
from credit_scoreboard.cut import cut_landing
from credit_scoreboard.generate.tables import arrow_schema
from credit_scoreboard.generate.writers import ExtractWriter
from credit_scoreboard.ingest import load_landing
from tests.test_ingest_corpus import cdar_message

AT = dt.date(2024, 3, 31)
FIRST_MTIME = 1_700_000_000
D = dt.date
T = dt.datetime

# A tiny book around D = 2024-03-31: every row after D is named *_after, a dispute closed
# after D must come back open (S2), what happened on D itself stays.
BOOK = {
    "customers": [
        ("C1", "Société Générale €", "SME", "Île-de-France", "FR", "Distribution", "COL1",
         Decimal("10000.00"), 30, "invoice_date"),
        ("C2", "Beta GmbH", "Key accounts", "East", "DE", None, "COL2", None, 60,
         "end_of_month"),
    ],
    "invoices": [
        ("I1", "C1", "invoice", D(2024, 1, 10), D(2024, 2, 9), Decimal("1234.56"), None, "EUR"),
        ("N2", "C1", "credit_note", D(2024, 2, 20), D(2024, 2, 20), Decimal("-34.56"), "I1",
         None),
        ("I2", "C2", "invoice", AT, D(2024, 4, 30), Decimal("500.00"), None, "EUR"),
        ("I3", "C1", "invoice", D(2024, 4, 1), D(2024, 5, 1), Decimal("2000.00"), None, "EUR"),
        ("N1", "C1", "credit_note", D(2024, 4, 15), D(2024, 4, 15), Decimal("-100.00"), "I1",
         None),
    ],
    "payments": [
        ("P1", "C1", "I1", D(2024, 2, 9), Decimal("1000.00"), "transfer"),
        ("P2", "C1", "I1", D(2024, 4, 2), Decimal("200.00"), "direct_debit"),
        ("P3", "C2", None, AT, Decimal("50.00"), "check"),
    ],
    "disputes": [
        ("S1", "I1", "C1", D(2024, 2, 1), "wrong_price", Decimal("234.56"), "resolved",
         D(2024, 3, 10), "billing", "credit_note"),
        ("S2", "I2", "C2", AT, "not_ordered", Decimal("100.00"), "resolved", D(2024, 4, 20),
         "sales", "customer_paid"),
        ("S3", "I2", "C2", D(2024, 4, 5), "other", Decimal("50.00"), "open", None, "credit",
         None),
        ("S4", "I1", "C1", D(2024, 3, 1), "other", Decimal("10.00"), "open", None, "sales",
         None),
    ],
    "calls": [
        ("K1", "C1", "COL1", T(2024, 2, 15, 10, 0, 0), "phone", "level_1", True,
         "promise_to_pay", Decimal("1000.00"), D(2024, 2, 20), "I1", 120),
        ("K2", "C1", "COL1", T(2024, 3, 31, 23, 59, 0), "email", "level_2", False,
         "no_answer", None, None, None, 0),
        ("K3", "C2", "COL2", T(2024, 4, 1, 0, 0, 1), "phone", "pre_due", True,
         "callback_requested", None, None, "I2", 60),
    ],
    "invoice_statuses": [
        ("ST1", "I1", 200, T(2024, 1, 10, 9, 0, 0), "platform", None, None, None),
        ("ST2", "I1", 212, T(2024, 2, 9, 15, 0, 0), "supplier", None, None, Decimal("1000.00")),
        ("ST3", "I2", 207, T(2024, 3, 31, 23, 59, 59), "buyer", "PU_ERR", "CNP", None),
        ("ST4", "I2", 205, T(2024, 4, 1, 0, 0, 0), "buyer", None, None, None),
        ("ST5", "I3", 200, T(2024, 4, 1, 8, 0, 0), "platform", None, None, None),
    ],
}
REMOVED = {"invoices": {"I3", "N1"}, "payments": {"P2"}, "disputes": {"S3"}, "calls": {"K3"},
           "invoice_statuses": {"ST4", "ST5"}}
EXPECTED_COUNTS = {
    "customers": {"files": 1, "rows": 2, "removed": 0, "reopened": 0},
    "invoices": {"files": 1, "rows": 5, "removed": 2, "reopened": 0},
    "payments": {"files": 1, "rows": 3, "removed": 1, "reopened": 0},
    "disputes": {"files": 1, "rows": 4, "removed": 1, "reopened": 1},
    "calls": {"files": 1, "rows": 3, "removed": 1, "reopened": 0},
    "invoice_statuses": {"files": 1, "rows": 5, "removed": 2, "reopened": 0},
}
FORMATS = ("csv", "csv-fr", "parquet", "xlsx")


def book_table(entity: str, rows: list[tuple]) -> pa.Table:
    schema = arrow_schema(contract.ENTITIES[entity])
    return pa.Table.from_pylist([dict(zip(schema.names, row, strict=True)) for row in rows],
                                schema=schema)


def write_xlsx(path: Path, entity: str, rows: list[tuple]) -> None:
    """Typed cells on the entity's sheet, after a notes sheet, with blank rows the ingest
    skips (above the header and between data rows)."""
    workbook = openpyxl.Workbook()
    workbook.active.title = "notes"
    workbook.active.append(["exported by hand"])
    sheet = workbook.create_sheet(entity)
    sheet.append([])
    sheet.append(list(contract.ENTITIES[entity].column_names))
    for index, row in enumerate(rows):
        if index == 1:
            sheet.append([])
        sheet.append([float(value) if isinstance(value, Decimal) else value for value in row])
    workbook.save(path)


def write_book(landing: Path, fmt: str, book: dict[str, list[tuple]] = BOOK) -> None:
    """The book in one of the formats: the generator's own writers for csv (UTF-8, ','),
    csv-fr (Windows-1252, ';', 1 234,56, DD/MM/YYYY) and parquet (typed columns)."""
    landing.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        for entity, rows in book.items():
            write_xlsx(landing / f"{entity}.xlsx", entity, rows)
    else:
        writer = ExtractWriter(landing, fmt)
        for entity, rows in book.items():
            writer.write(entity, book_table(entity, rows))
        writer.close()
    for offset, entity in enumerate(book):
        path = next(landing.glob(f"{entity}.*"))
        os.utime(path, (FIRST_MTIME + offset, FIRST_MTIME + offset))


def load(landing: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    load_landing(con, landing)
    return con


def raw_rows(con, entity: str, where: str = "true", select: str = "*") -> list[tuple]:
    return con.execute(
        f"select {select} from (select * exclude (source_file, source_row, loaded_at) "
        f"from raw.{entity}) where {where} order by all"
    ).fetchall()


def assert_cut_loads_as_expected(full: duckdb.DuckDBPyConnection,
                                 cut: duckdb.DuckDBPyConnection) -> None:
    """The cut loads into the full load's rows minus REMOVED, S2 re-opened."""
    for entity in ("customers", "invoices", "payments", "calls", "invoice_statuses"):
        key = contract.ENTITIES[entity].key
        removed = "', '".join(REMOVED.get(entity, ()))
        assert raw_rows(cut, entity) == raw_rows(full, entity, f"{key} not in ('{removed}')"), (
            entity)
    reopened = ("* replace (case when dispute_id = 'S2' then 'open' else status end as status, "
                "case when dispute_id = 'S2' then null else closed_date end as closed_date, "
                "case when dispute_id = 'S2' then null else resolution end as resolution)")
    assert raw_rows(cut, "disputes") == raw_rows(full, "disputes", "dispute_id <> 'S3'",
                                                 reopened)
    assert raw_rows(cut, "disputes", "dispute_id = 'S2'", "status, closed_date, resolution") == [
        ("open", None, None)]
    assert cut.execute("select count(*) from raw.quarantine").fetchone() == (0,)


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_rule_in_each_format(fmt: str, tmp_path: Path) -> None:
    landing, out = tmp_path / "landing", tmp_path / "cut"
    write_book(landing, fmt)
    counts = cut_landing(landing, out, AT)

    assert counts == EXPECTED_COUNTS | {"skipped_files": []}
    inputs = sorted(path.name for path in landing.iterdir())
    assert sorted(path.name for path in out.iterdir()) == inputs
    for name in inputs:  # same modification times: several files of an entity load in order
        assert (out / name).stat().st_mtime_ns == (landing / name).stat().st_mtime_ns, name
    # customers had nothing after D: byte for byte
    customers = next(landing.glob("customers.*")).name
    assert (out / customers).read_bytes() == (landing / customers).read_bytes()

    full, cut = load(landing), load(out)
    assert full.execute("select count(*) from raw.quarantine").fetchone() == (0,)
    assert_cut_loads_as_expected(full, cut)
    assert raw_rows(cut, "invoices", select="document_id") == [("I1",), ("I2",), ("N2",)]


def test_csv_keeps_its_header_and_standard_text(tmp_path: Path) -> None:
    landing, out = tmp_path / "landing", tmp_path / "cut"
    write_book(landing, "csv")
    cut_landing(landing, out, AT)
    source = (landing / "disputes.csv").read_text(encoding="utf-8").splitlines()
    written = (out / "disputes.csv").read_text(encoding="utf-8").splitlines()
    assert written[0] == source[0]
    assert written[1:] == [
        "S1,I1,C1,2024-02-01,wrong_price,234.56,resolved,2024-03-10,billing,credit_note",
        "S2,I2,C2,2024-03-31,not_ordered,100.00,open,,sales,",
        "S4,I1,C1,2024-03-01,other,10.00,open,,sales,",
    ]


def test_french_csv_stays_french(tmp_path: Path) -> None:
    """Windows-1252, ';', decimal comma with a space between thousands, DD/MM/YYYY."""
    landing, out = tmp_path / "landing", tmp_path / "cut"
    write_book(landing, "csv-fr")
    cut_landing(landing, out, AT)
    invoices = (out / "invoices.csv").read_bytes().decode("cp1252").splitlines()
    assert invoices[0] == (landing / "invoices.csv").read_bytes().decode("cp1252").splitlines()[0]
    assert invoices[1] == "I1;C1;invoice;10/01/2024;09/02/2024;1 234,56;;EUR"
    assert len(invoices) == 4
    calls = (out / "calls.csv").read_bytes().decode("cp1252").splitlines()
    assert calls[-1].startswith("K2;C1;COL1;31/03/2024 23:59:00;email")
    with pytest.raises(UnicodeDecodeError):  # still Windows-1252, as the ERP wrote it
        (out / "customers.csv").read_bytes().decode("utf-8")


def test_parquet_keeps_its_schema(tmp_path: Path) -> None:
    landing, out = tmp_path / "landing", tmp_path / "cut"
    write_book(landing, "parquet")
    cut_landing(landing, out, AT)
    for entity in ("invoices", "disputes", "calls"):
        written = pq.read_table(out / f"{entity}.parquet")
        assert written.schema.equals(pq.read_schema(landing / f"{entity}.parquet")), entity
    disputes = pq.read_table(out / "disputes.parquet").to_pylist()
    assert [(row["dispute_id"], row["status"], row["closed_date"], row["resolution"])
            for row in disputes] == [
        ("S1", "resolved", D(2024, 3, 10), "credit_note"),
        ("S2", "open", None, None),
        ("S4", "open", None, None),
    ]


def test_xlsx_keeps_its_workbook_and_cell_types(tmp_path: Path) -> None:
    landing, out = tmp_path / "landing", tmp_path / "cut"
    write_book(landing, "xlsx")
    cut_landing(landing, out, AT)
    workbook = openpyxl.load_workbook(out / "payments.xlsx")
    assert workbook.sheetnames == ["notes", "payments"]
    rows = list(workbook["payments"].iter_rows(values_only=True))
    assert not any(rows[0])  # the blank row above the header
    assert rows[1][0] == "payment_id"
    data = [row for row in rows[2:] if any(row)]
    assert [row[0] for row in data] == ["P1", "P3"]
    assert isinstance(data[0][3], dt.datetime) and data[1][4] == 50  # dates and numbers stay typed


def test_several_files_of_an_entity_keep_their_load_order(tmp_path: Path) -> None:
    """A later delta replaces a key (I1 re-sent with a new amount); the cut keeps both files
    and their order, and cuts each of them."""
    landing, out = tmp_path / "landing", tmp_path / "cut"
    write_book(landing, "csv")
    delta = landing / "invoices_delta.csv"
    header = (landing / "invoices.csv").read_text(encoding="utf-8").splitlines()[0]
    delta.write_text(header + "\nI1,C1,invoice,2024-01-10,2024-02-09,1300.00,,EUR\n"
                              "I4,C2,invoice,2024-04-10,2024-05-10,70.00,,EUR\n",
                     encoding="utf-8")
    os.utime(delta, (FIRST_MTIME + 100, FIRST_MTIME + 100))
    disputes_delta = landing / "disputes_20240501.csv"
    disputes_delta.write_text(
        "dispute_id,document_id,customer_id,opened_date,reason,disputed_amount,status,"
        "closed_date,owner,resolution\n"
        "S4,I1,C1,2024-03-01,other,10.00,resolved,2024-04-30,sales,written_off\n",
        encoding="utf-8")
    os.utime(disputes_delta, (FIRST_MTIME + 101, FIRST_MTIME + 101))

    counts = cut_landing(landing, out, AT)
    assert counts["invoices"] == {"files": 2, "rows": 7, "removed": 3, "reopened": 0}
    assert counts["disputes"] == {"files": 2, "rows": 5, "removed": 1, "reopened": 2}
    assert (out / "invoices_delta.csv").stat().st_mtime_ns == delta.stat().st_mtime_ns
    cut = load(out)
    assert raw_rows(cut, "invoices", select="document_id, amount") == [
        ("I1", Decimal("1300.00")), ("I2", Decimal("500.00")), ("N2", Decimal("-34.56"))]
    # S4 was closed after D in the later extract: open again, from that file
    assert cut.execute("select status, closed_date, resolution, source_file from raw.disputes "
                       "where dispute_id = 'S4'").fetchone() == (
        "open", None, None, "disputes_20240501.csv")


def test_rows_the_ingest_quarantines_are_kept_for_it_to_quarantine(tmp_path: Path) -> None:
    """A line with too many fields and a date that cannot be read: undatable, kept as they
    are; both runs quarantine them alike."""
    landing, out = tmp_path / "landing", tmp_path / "cut"
    write_book(landing, "csv")
    payments = landing / "payments.csv"
    lines = payments.read_text(encoding="utf-8").splitlines()
    payments.write_text("\n".join([lines[0], lines[1], "X1,C1,I1,2024-02-10,5.00,check,extra",
                                   "X2,C1,I1,2024-02-30,5.00,check", *lines[2:]]) + "\n",
                        encoding="utf-8")
    os.utime(payments, (FIRST_MTIME + 2, FIRST_MTIME + 2))

    counts = cut_landing(landing, out, AT)
    assert counts["payments"] == {"files": 1, "rows": 5, "removed": 1, "reopened": 0}
    quarantine = "select row_number, row_text, rule from raw.quarantine order by all"
    full, cut = load(landing), load(out)
    assert cut.execute(quarantine).fetchall() == full.execute(quarantine).fetchall()
    assert len(cut.execute(quarantine).fetchall()) == 2
    assert raw_rows(cut, "payments", select="payment_id") == [("P1",), ("P3",)]


def test_other_files_are_not_copied(tmp_path: Path) -> None:
    landing, out = tmp_path / "landing", tmp_path / "cut"
    write_book(landing, "csv")
    (landing / "manifest.json").write_text("{}")
    (landing / ".hidden.csv").write_text("ignored")
    counts = cut_landing(landing, out, AT)
    assert counts["skipped_files"] == ["manifest.json"]
    assert not (out / "manifest.json").exists()


def cdar_file(*statuses: tuple[str, str, str, str]) -> str:
    """CDAR messages (id, invoice, code, CCYYMMDDHHMMSS) in one file, as in the corpus."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<batch>'
            + "".join(cdar_message(*status) for status in statuses) + "</batch>\n")


def test_cdar_statuses_after_d_are_removed(tmp_path: Path) -> None:
    """Cut at D: no status after D remains in the CDAR XML files, those <= D are kept (the
    file left without a message is not written), and the cut loads as the full one minus
    the statuses after D."""
    landing, out = tmp_path / "landing", tmp_path / "cut"
    write_book(landing, "csv", {entity: BOOK[entity] for entity in ("customers", "invoices")})
    (landing / "PA_flux6_0331.xml").write_text(cdar_file(
        ("M1", "I1", "200", "20240110090000"),
        ("M2", "I2", "207", "20240331235959"),  # on D: kept
        ("M3", "I2", "205", "20240401000000"),  # after D: removed
    ), encoding="utf-8")
    (landing / "PA_flux6_0402.xml").write_text(cdar_file(
        ("M4", "I1", "212", "20240402100000")), encoding="utf-8")
    counts = cut_landing(landing, out, AT)
    assert counts["invoice_statuses"] == {"files": 2, "rows": 4, "removed": 2, "reopened": 0}
    assert not (out / "PA_flux6_0402.xml").exists()
    assert (out / "PA_flux6_0331.xml").stat().st_mtime_ns == (
        landing / "PA_flux6_0331.xml").stat().st_mtime_ns

    full, cut = load(landing), load(out)
    assert raw_rows(full, "invoice_statuses", select="status_id") == [
        ("M1",), ("M2",), ("M3",), ("M4",)]
    assert raw_rows(cut, "invoice_statuses") == raw_rows(
        full, "invoice_statuses", "status_id in ('M1', 'M2')")
    assert cut.execute("select count(*) from raw.invoice_statuses "
                       "where status_time >= date '2024-04-01'").fetchone() == (0,)


def test_out_must_be_a_new_or_empty_folder(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write_book(landing, "csv")
    with pytest.raises(ValueError, match="landing folder"):
        cut_landing(landing, landing, AT)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "invoices.csv").write_text("left over")
    with pytest.raises(ValueError, match="not empty"):
        cut_landing(landing, tmp_path / "busy", AT)


def test_cli_cut(tmp_path: Path, capsys) -> None:
    landing, out = tmp_path / "landing", tmp_path / "cut"
    write_book(landing, "csv-fr")
    assert main(["cut", "--landing", str(landing), "--out", str(out),
                 "--at", AT.isoformat()]) == 0
    printed = capsys.readouterr().out
    assert "disputes: 4 rows in 1 file(s), 1 removed, 1 re-opened" in printed
    assert "invoice_statuses: 5 rows in 1 file(s), 2 removed" in printed
    assert sorted(path.name for path in out.iterdir()) == sorted(
        path.name for path in landing.iterdir())
    assert main(["cut", "--landing", str(landing), "--out", str(out),
                 "--at", AT.isoformat()]) == 1
    assert "not empty" in capsys.readouterr().err

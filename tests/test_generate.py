"""The synthetic landing folder: contract rules, determinism, realism, planted truth.

Every check reads the written files back (CSV as text, Parquet with its types) and
applies CONTRACT.md section 1 itself, without using the generator's internals.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from credit_scoreboard import contract
from credit_scoreboard.generate import generate_landing

BOOK = {"customers": 250, "years": 2.0, "seed": 5}
END_DATE = dt.date(2026, 10, 31)
GO_LIVE = dt.date(2026, 9, 1)  # e-invoicing: statuses for invoices dated from then on

# How each text format writes a value (full match), and how to read it.
AMOUNT = {"csv": r"-?\d+\.\d{2}", "csv-fr": r"-?\d{1,3}(?: \d{3})*,\d{2}"}
DATE = {"csv": (r"\d{4}-\d{2}-\d{2}", "%Y-%m-%d"), "csv-fr": (r"\d{2}/\d{2}/\d{4}", "%d/%m/%Y")}
TIMESTAMP = {
    "csv": (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", "%Y-%m-%d %H:%M:%S"),
    "csv-fr": (r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}", "%d/%m/%Y %H:%M:%S"),
}
PARQUET_TYPES = {
    "text": pa.string(),
    "decimal": pa.decimal128(18, 2),
    "int": pa.int32(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("ms"),  # Parquet has no second unit: whole seconds in ms
    "bool": pa.bool_(),
}


@pytest.fixture(scope="module")
def landings(tmp_path_factory) -> dict[str, Path]:
    folders = {}
    for fmt in ("csv", "csv-fr", "parquet"):
        folders[fmt] = tmp_path_factory.mktemp("generated") / fmt
        generate_landing(folders[fmt], fmt=fmt, progress=False, **BOOK)
    return folders


def read_text_extract(path: Path, fmt: str, entity: contract.Entity) -> pd.DataFrame:
    """Parse a CSV extract strictly; amounts become integer cents, dates datetimes."""
    raw = path.read_bytes()
    if fmt == "csv-fr":
        text = raw.decode("cp1252")
        delimiter = ";"
    else:
        text = raw.decode("utf-8")
        delimiter = ","
    header = text.split("\n", 1)[0].replace('"', "").split(delimiter)
    assert header == list(entity.column_names), f"{path.name}: columns {header}"
    frame = pd.read_csv(path, sep=delimiter, dtype=str, keep_default_na=False,
                        encoding="cp1252" if fmt == "csv-fr" else "utf-8")
    parsed = {}
    for column in entity.columns:
        values = frame[column.name]
        present = values != ""
        shown = values[present]

        def expect(pattern, values=shown, column=column):
            bad = values[~values.str.fullmatch(pattern)]
            assert bad.empty, f"{path.name}: {column.name} badly written: {bad.head(3).tolist()}"

        if column.type == "decimal":
            expect(AMOUNT[fmt])
            cents = shown.str.replace(r"[ ,.]", "", regex=True).astype("int64")
            parsed[column.name] = cents.reindex(values.index).astype("Int64")
        elif column.type in ("date", "timestamp"):
            pattern, layout = (DATE if column.type == "date" else TIMESTAMP)[fmt]
            expect(pattern)
            parsed[column.name] = pd.to_datetime(values.where(present), format=layout).astype(
                "datetime64[s]")
        elif column.type == "int":
            expect(r"-?\d+")
            parsed[column.name] = pd.to_numeric(values.where(present)).astype("Int64")
        elif column.type == "bool":
            expect(r"true|false")
            parsed[column.name] = values.where(present).map(
                {"true": True, "false": False}).astype("boolean")
        else:
            parsed[column.name] = values.where(present).astype("string")
    return pd.DataFrame(parsed)


def read_parquet_extract(path: Path, entity: contract.Entity) -> pd.DataFrame:
    table = pq.read_table(path)
    expected = pa.schema([(c.name, PARQUET_TYPES[c.type]) for c in entity.columns])
    assert table.schema.remove_metadata() == expected, f"{path.name}: {table.schema}"
    parsed = {}
    for column in entity.columns:
        values = table.column(column.name).to_pylist()
        if column.type == "decimal":
            parsed[column.name] = pd.array(
                [None if v is None else int(v * 100) for v in values], dtype="Int64")
        elif column.type in ("date", "timestamp"):
            parsed[column.name] = pd.to_datetime(pd.Series(values)).astype("datetime64[s]")
        elif column.type == "int":
            parsed[column.name] = pd.array(values, dtype="Int64")
        elif column.type == "bool":
            parsed[column.name] = pd.array(values, dtype="boolean")
        else:
            parsed[column.name] = pd.array(values, dtype="string")
    return pd.DataFrame(parsed)


def read_landing(folder: Path, fmt: str) -> dict[str, pd.DataFrame]:
    extension = "parquet" if fmt == "parquet" else "csv"
    extracts = sorted(p.name for p in folder.iterdir() if p.suffix not in (".json", ".xml"))
    assert extracts == sorted(f"{name}.{extension}" for name in contract.ENTITIES)
    return {
        name: read_parquet_extract(folder / f"{name}.{extension}", entity)
        if fmt == "parquet" else read_text_extract(folder / f"{name}.{extension}", fmt, entity)
        for name, entity in contract.ENTITIES.items()
    }


def contract_violations(frames: dict[str, pd.DataFrame], end_date: dt.date) -> list[str]:
    """Every rule of CONTRACT.md section 1, plus 'nothing dated after the book end'."""
    problems = []
    end = pd.Timestamp(end_date)

    def check(ok: pd.Series | bool, message: str) -> None:
        if not bool(pd.Series(ok).all()):
            problems.append(message)

    for name, entity in contract.ENTITIES.items():
        frame = frames[name]
        check(len(frame) > 0, f"{name}: empty")
        check(frame[entity.key].is_unique, f"{name}: duplicate {entity.key}")
        for column in entity.columns:
            values = frame[column.name]
            if column.required:
                check(values.notna(), f"{name}.{column.name}: missing values")
            if column.accepted_values:
                check(values.dropna().isin(column.accepted_values),
                      f"{name}.{column.name}: value outside {column.accepted_values}")

    customers, invoices = frames["customers"], frames["invoices"]
    payments, disputes, calls = frames["payments"], frames["disputes"], frames["calls"]
    check(customers.segment.isin(contract.SEGMENTS), "customers.segment unknown")
    check(customers.region.notna(), "customers.region missing")
    check(customers.country.str.fullmatch(r"[A-Z]{2}"), "customers.country not ISO alpha-2")
    check(customers.credit_limit.dropna() >= 0, "customers.credit_limit < 0")
    check(customers.payment_terms_days.between(0, 365), "payment_terms_days outside 0..365")

    known_customers = set(customers.customer_id)
    for name in ("invoices", "payments", "disputes", "calls"):
        check(frames[name].customer_id.isin(known_customers), f"{name}: unknown customer_id")

    is_invoice = invoices.document_type == "invoice"
    check(invoices.due_date >= invoices.document_date, "invoices: due_date < document_date")
    check(invoices.amount[is_invoice] > 0, "invoices: invoice amount <= 0")
    check(invoices.amount[~is_invoice] < 0, "invoices: credit note amount >= 0")
    check(invoices.document_date <= end, "invoices: document after the book end")
    check(invoices.currency.dropna().str.fullmatch(r"[A-Z]{3}"), "invoices: currency not ISO")
    invoice_rows = invoices[is_invoice].set_index("document_id")
    applies = invoices.dropna(subset=["applies_to_document_id"])
    check(applies.applies_to_document_id.isin(invoice_rows.index),
          "credit notes: applies_to_document_id is not an invoice")
    check(invoice_rows.customer_id.reindex(applies.applies_to_document_id).values
          == applies.customer_id.values, "credit notes: applied to another customer's invoice")

    allocated = payments.dropna(subset=["document_id"])
    check(allocated.document_id.isin(invoice_rows.index), "payments: unknown document_id")
    check(invoice_rows.customer_id.reindex(allocated.document_id).values
          == allocated.customer_id.values, "payments: allocated to another customer's invoice")
    check(payments.amount > 0, "payments: amount <= 0")
    check(payments.payment_date <= end, "payments: dated after the book end")

    check(disputes.document_id.isin(invoice_rows.index), "disputes: unknown invoice")
    check(invoice_rows.customer_id.reindex(disputes.document_id).values
          == disputes.customer_id.values, "disputes: customer differs from the invoice's")
    check(disputes.disputed_amount > 0, "disputes: disputed_amount <= 0")
    check(disputes.disputed_amount.values
          <= invoice_rows.amount.reindex(disputes.document_id).values,
          "disputes: disputed_amount above the invoice amount")
    is_open = disputes.status == "open"
    check(disputes.closed_date[~is_open].notna(), "disputes: closed_date missing")
    check(disputes.closed_date[is_open].isna(), "disputes: open dispute with a closed_date")
    check(disputes.closed_date[~is_open] >= disputes.opened_date[~is_open],
          "disputes: closed before opened")
    check(disputes.resolution[is_open].isna(), "disputes: open dispute with a resolution")
    check((disputes.opened_date <= end) & ~(disputes.closed_date > end),
          "disputes: dated after the book end")

    promise = calls.outcome.isin(contract.PROMISE_OUTCOMES)
    call_day = calls.call_time.dt.normalize()
    check(calls.promised_amount[promise] > 0, "calls: promise without a positive amount")
    check(calls.promised_date[promise] >= call_day[promise], "calls: promised before the call")
    check(calls.promised_amount[~promise].isna() & calls.promised_date[~promise].isna(),
          "calls: promised fields without a promise")
    check(calls.duration_seconds >= 0, "calls: negative duration")
    check(calls.call_time < end + pd.Timedelta(days=1), "calls: after the book end")
    discussed = calls.dropna(subset=["document_id"])
    check(discussed.document_id.isin(invoice_rows.index), "calls: unknown document_id")
    pre_due = discussed[discussed.stage == "pre_due"]
    check(pre_due.call_time.dt.normalize().values
          < invoice_rows.due_date.reindex(pre_due.document_id).values,
          "calls: pre_due call on or after the due date")

    statuses = frames["invoice_statuses"]
    check(statuses.document_id.isin(invoice_rows.index), "statuses: unknown invoice")
    check(statuses.status_code.between(200, 299), "statuses: code outside 200..299")
    check(statuses.amount.dropna() >= 0, "statuses: negative amount")
    check(statuses.status_time < end + pd.Timedelta(days=1), "statuses: after the book end")
    # public-sector buyers are on Chorus Pro (B2G e-invoicing) since before the book's start
    segment = customers.set_index("customer_id").segment.reindex(
        invoice_rows.customer_id.reindex(statuses.document_id).values).values
    check((statuses.status_time >= pd.Timestamp(GO_LIVE)).values | (segment == "Public sector"),
          "statuses: before the go-live (other than the public sector)")
    check(statuses.status_time.dt.normalize().values
          >= invoice_rows.document_date.reindex(statuses.document_id).values,
          "statuses: before the invoice date")
    return problems


@pytest.mark.parametrize("fmt", ["csv", "csv-fr", "parquet"])
def test_generated_files_obey_every_contract_rule(landings, fmt):
    frames = read_landing(landings[fmt], fmt)
    assert contract_violations(frames, END_DATE) == []
    # Names with accents really go through the export's encoding.
    assert frames["customers"].customer_name.str.contains("[éèçÉ]").any()


def test_the_three_formats_hold_the_same_book(landings):
    csv = read_landing(landings["csv"], "csv")
    for fmt in ("csv-fr", "parquet"):
        other = read_landing(landings[fmt], fmt)
        for name in contract.ENTITIES:
            pd.testing.assert_frame_equal(csv[name], other[name], check_dtype=False,
                                          obj=f"{fmt} {name}")


def test_french_export_is_windows_1252_with_decimal_commas(landings):
    raw = (landings["csv-fr"] / "customers.csv").read_bytes()
    assert "é".encode("cp1252") in raw
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    first_rows = (landings["csv-fr"] / "invoices.csv").read_text("cp1252").splitlines()[:3]
    assert first_rows[0].startswith("document_id;customer_id;document_type;")
    assert all(";" in row and "," in row.split(";")[5] for row in first_rows[1:])


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_same_seed_gives_byte_identical_files(landings, tmp_path, fmt):
    generate_landing(tmp_path / "again", fmt=fmt, progress=False, **BOOK)
    assert digest(tmp_path / "again") == digest(landings[fmt])
    generate_landing(tmp_path / "other", fmt=fmt, progress=False, **{**BOOK, "seed": 6})
    other = digest(tmp_path / "other")
    assert all(other[name] != digest(landings[fmt])[name] for name in other)


@pytest.fixture(scope="module")
def book(landings):
    """The csv book in DuckDB, typed as the contract says."""
    frames = read_landing(landings["csv"], "csv")
    con = duckdb.connect()
    for name, frame in frames.items():
        con.register(f"{name}_frame", frame)
        amount_columns = [c.name for c in contract.ENTITIES[name].columns if c.type == "decimal"]
        casts = ", ".join(f"({c} / 100)::decimal(18, 2) as {c}" for c in amount_columns)
        con.execute(f"create table {name} as select * replace ({casts}) from {name}_frame"
                    if casts else f"create table {name} as select * from {name}_frame")
        for column in contract.ENTITIES[name].columns:
            if column.type == "date":
                con.execute(f"alter table {name} alter {column.name} type date")
    yield con
    con.close()


def scalar(con, sql: str):
    return con.execute(sql).fetchone()[0]


def scalar_row(con, sql: str) -> tuple:
    return tuple(float(value) for value in con.execute(sql).fetchone())


def test_realistic_payment_behaviour(book):
    # Share of settled invoices whose last allocated payment came after the due date.
    late_share = scalar(book, """
        with paid as (
            select document_id, sum(amount) as paid, max(payment_date) as last_payment
            from payments where document_id is not null group by document_id)
        select avg((last_payment > due_date)::int)
        from invoices join paid using (document_id)
        where document_type = 'invoice' and paid >= amount""")
    assert 0.35 <= late_share <= 0.85
    # DSO simple at the last month end (CONTRACT.md section 3), window 90 days.
    dso = scalar(book, """
        select ((select sum(amount) from invoices)
                - (select sum(amount) from payments))
               / (select sum(amount) from invoices
                  where document_date > date '2026-10-31' - 90) * 90""")
    assert 35 <= dso <= 90
    # Disputed invoices are paid later (days beyond terms of the last payment).
    late_by_dispute = dict(book.execute("""
        with paid as (select document_id, max(payment_date) as last_payment
                      from payments where document_id is not null group by document_id)
        select document_id in (select document_id from disputes), avg(last_payment - due_date)
        from invoices join paid using (document_id) group by 1""").fetchall())
    assert late_by_dispute[True] > late_by_dispute[False] + 5


def test_realistic_disputes_and_collection(book):
    dispute_rate = scalar(book, """select (select count(*) from disputes)
        / (select count(*) from invoices where document_type = 'invoice')""")
    assert 0.01 <= dispute_rate <= 0.10
    assert scalar(book, "select count(distinct status) from disputes") == 3
    credit_note_closures = scalar(book, """
        select count(*) from disputes where resolution = 'credit_note' and document_id in
            (select applies_to_document_id from invoices where document_type = 'credit_note')""")
    assert credit_note_closures > 0

    right_party_rate = scalar(book, "select avg(right_party_contact::int) from calls")
    assert 0.25 <= right_party_rate <= 0.60
    stages = {row[0] for row in book.execute("select distinct stage from calls").fetchall()}
    assert stages == set(contract.CALL_STAGES)
    # Promise kept rate (section 3): payments from the call day to promised_date + 3 reach
    # the promised amount; over matured promises not superseded by a later promise of the
    # same customer made before the earlier one's promised_date + 3.
    kept_rate = scalar(book, """
        with promises as (
            select customer_id, call_time::date as call_day, promised_date, promised_amount,
                   lead(call_time::date) over (partition by customer_id order by call_time)
                       as next_promise_day
            from calls where outcome in ('promise_to_pay', 'payment_plan')),
        counted as (
            select * from promises
            where promised_date + 3 <= date '2026-10-31'
              and not coalesce(next_promise_day < promised_date + 3, false))
        select avg((
            select coalesce(sum(p.amount), 0) >= counted.promised_amount from payments as p
            where p.customer_id = counted.customer_id
              and p.payment_date between counted.call_day and counted.promised_date + 3)::int)
        from counted""")
    assert 0.55 <= kept_rate <= 0.80


@pytest.fixture(scope="module")
def larger_book(tmp_path_factory):
    """A 1 000-customer, two-year book (parquet, read as typed): some 250 customers have
    overdue items at the last month end, enough for a share of them to be measured."""
    folder = tmp_path_factory.mktemp("larger") / "parquet"
    generate_landing(folder, customers=1000, years=2.0, seed=5, fmt="parquet", progress=False)
    con = duckdb.connect()
    for name in ("invoices", "payments"):
        con.execute(f"create table {name} as select * from read_parquet('{folder}/{name}.parquet')")
    yield con
    con.close()


def test_cash_on_account_is_allocated_later(larger_book):
    """Cash received on account is allocated to its invoice within days to weeks: at the
    last month end few customers' overdue items are covered by their own unallocated
    cash (those are the accounts to reconcile), and the cash still unallocated (recent
    receipts, never identified receipts, overpayments) is a small residue."""
    overdue_customers, covered, unallocated_share = scalar_row(larger_book, """
        with applied as (
            select document_id, sum(amount) as applied from (
                select document_id, amount from payments
                where document_id is not null and payment_date <= date '2026-10-31'
                union all
                select applies_to_document_id, -amount from invoices
                where applies_to_document_id is not null
                  and document_date <= date '2026-10-31')
            group by 1),
        overdue as (
            select customer_id,
                   sum(greatest(amount - coalesce(applied, 0), 0)) as overdue
            from invoices left join applied using (document_id)
            where document_type = 'invoice' and due_date < date '2026-10-31'
            group by 1 having sum(greatest(amount - coalesce(applied, 0), 0)) > 0),
        on_account as (
            select customer_id, sum(amount) as cash from payments
            where document_id is null and payment_date <= date '2026-10-31' group by 1)
        select count(*), count(*) filter (where coalesce(cash, 0) >= overdue),
               (select sum(amount) from payments where document_id is null)
               / (select sum(amount) from payments)
        from overdue left join on_account using (customer_id)""")
    assert overdue_customers > 150
    assert covered / overdue_customers < 0.05
    assert 0 < unallocated_share < 0.005


def test_a_receipt_has_one_line_per_allocation_and_at_most_one_on_account(book):
    """PAY-<reference>-<line>: one line per invoice the receipt settles, and what it
    still has on account, if anything, as one last line without document_id."""
    lines = book.execute("""
        with lines as (
            select split_part(payment_id, '-', 2) as reference,
                   split_part(payment_id, '-', 3)::int as line, document_id,
                   customer_id, payment_date, method
            from payments)
        select count(*) filter (where document_id is null) as on_account,
               max(line) filter (where document_id is null) as on_account_line,
               max(line) as last_line, count(*) as lines, count(distinct document_id)
                   + count(*) filter (where document_id is null) as distinct_targets,
               count(distinct (customer_id, payment_date, method)) as receipts
        from lines group by reference""").df()
    assert (lines.on_account <= 1).all()
    with_remainder = lines[lines.on_account == 1]
    assert (with_remainder.on_account_line == with_remainder.last_line).all()
    assert (lines.last_line == lines.lines).all() and (lines.distinct_targets == lines.lines).all()
    assert (lines.receipts == 1).all()


def test_growth_and_seasonality(book):
    # First and last twelve months of the two-year book (November 2024 .. October 2026).
    first_year, last_year = book.execute("""
        select sum(amount) filter (where document_date < date '2025-11-01'),
               sum(amount) filter (where document_date >= date '2025-11-01')
        from invoices where document_type = 'invoice'""").fetchone()
    assert float(last_year) > float(first_year) * 1.03
    august, average_month = book.execute("""
        with monthly as (select month(document_date) as month, sum(amount) as sales
                         from invoices where document_type = 'invoice' group by 1)
        select sum(sales) filter (where month = 8), avg(sales) from monthly""").fetchone()
    assert float(august) < 0.8 * float(average_month)


def test_manifest_holds_counts_and_a_positive_call_uplift_truth(landings, book):
    manifest = json.loads((landings["csv"] / "manifest.json").read_text("utf-8"))
    for name in contract.ENTITIES:
        assert manifest["row_counts"][name] == scalar(book, f"select count(*) from {name}")
    assert manifest["planted_effects"]["CALL_EFFECT_PAYMENT_WITHIN_30D"] == 0.25
    assert manifest["invoices_paid_earlier_because_of_calls"] > 0
    truth = manifest["call_uplift_truth"]
    assert truth["value"] > 0
    assert truth["treated_units"] > 100


def test_uplift_units_recomputed_from_the_files_match_the_manifest(landings, book):
    """The observed side of the truth, rebuilt from the extracts with the product's
    definition: customer x month end D (D + 30 days <= end) with overdue > 0; treated =
    a post-due call in (D, D + 15]; outcome = min(1, payments in (D, D + 30] / overdue)."""
    truth = json.loads((landings["csv"] / "manifest.json").read_text("utf-8"))[
        "call_uplift_truth"]
    units, treated, treated_mean, untreated_mean = book.execute("""
        with month_ends as (
            select unnest(generate_series(date '2024-12-01', date '2026-11-01',
                                          interval 1 month))::date - 1 as as_of),
        open_items as (
            select m.as_of, i.customer_id,
                   greatest(i.amount
                       - coalesce((select sum(p.amount) from payments p
                                   where p.document_id = i.document_id
                                     and p.payment_date <= m.as_of), 0)
                       - coalesce((select -sum(c.amount) from invoices c
                                   where c.applies_to_document_id = i.document_id
                                     and c.document_date <= m.as_of), 0), 0) as open_amount
            from month_ends m join invoices i
              on i.document_type = 'invoice' and i.due_date < m.as_of),
        unit as (
            select as_of, customer_id, sum(open_amount) as overdue
            from open_items where as_of + 30 <= date '2026-10-31'
            group by all having sum(open_amount) > 0),
        scored as (
            select exists (select 1 from calls c where c.customer_id = unit.customer_id
                             and c.stage <> 'pre_due'
                             and c.call_time::date > unit.as_of
                             and c.call_time::date <= unit.as_of + 15) as treated,
                   least(1, coalesce((select sum(p.amount) from payments p
                                      where p.customer_id = unit.customer_id
                                        and p.payment_date > unit.as_of
                                        and p.payment_date <= unit.as_of + 30), 0)
                            / overdue) as outcome
            from unit)
        select count(*), count(*) filter (where treated),
               avg(outcome) filter (where treated), avg(outcome) filter (where not treated)
        from scored""").fetchone()
    assert (units, treated) == (truth["units"], truth["treated_units"])
    assert float(treated_mean) == pytest.approx(truth["treated_mean_outcome"], abs=1e-5)
    assert float(untreated_mean) == pytest.approx(truth["untreated_mean_outcome"], abs=1e-5)


def test_target_invoices_sets_the_size_of_the_book(tmp_path):
    summary = generate_landing(tmp_path / "sized", years=1.0, target_invoices=6000,
                               progress=False)
    assert 0.9 * 6000 <= summary.invoice_documents <= 1.1 * 6000
    manifest = json.loads((tmp_path / "sized" / "manifest.json").read_text("utf-8"))
    assert manifest["invoice_documents"] == summary.invoice_documents
    assert manifest["params"]["customers"] == summary.customers


def test_cli_generate_writes_a_french_landing_folder(tmp_path):
    from credit_scoreboard.cli import main

    out = tmp_path / "landing"
    assert main(["generate", "--out", str(out), "--customers", "40", "--years", "1",
                 "--format", "csv-fr", "--seed", "3", "--no-progress"]) == 0
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{name}.csv" for name in contract.ENTITIES] + ["manifest.json"]
        + manifest["cdar_files"])


def cdar_statuses(folder: Path) -> pd.DataFrame:
    """The statuses of the generated CDAR XML files, read by the ingest's CDAR reader."""
    from credit_scoreboard.ingest import cdar

    rows = [row.fields for path in sorted(folder.glob("*.xml"))
            for row in cdar.status_rows(cdar.parse_file(path))]
    frame = pd.DataFrame(rows)
    frame["status_code"] = frame.status_code.astype(int)
    frame["status_time"] = pd.to_datetime(frame.status_time)
    return frame


def test_the_last_week_of_statuses_comes_as_cdar_xml(landings, book):
    manifest = json.loads((landings["csv"] / "manifest.json").read_text("utf-8"))
    messages = cdar_statuses(landings["csv"])
    assert sorted(path.name for path in landings["csv"].glob("*.xml")) == manifest["cdar_files"]
    assert len(messages) == manifest["cdar_statuses"] > 0
    assert messages.status_id.is_unique
    assert messages.status_time.min() >= pd.Timestamp(END_DATE) - pd.Timedelta(days=6)
    assert messages.status_time.max() < pd.Timestamp(END_DATE) + pd.Timedelta(days=1)
    in_table = set(r[0] for r in book.execute("select status_id from invoice_statuses").fetchall())
    assert in_table.isdisjoint(messages.status_id)
    assert scalar(book, "select max(status_time) from invoice_statuses") < pd.Timestamp(
        END_DATE) - pd.Timedelta(days=6)
    invoices = set(r[0] for r in book.execute("select document_id from invoices").fetchall())
    assert set(messages.document_id) <= invoices
    for fmt in ("csv-fr", "parquet"):  # the same messages whatever the table format
        assert digest_xml(landings[fmt]) == digest_xml(landings["csv"])


def digest_xml(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("*.xml")}


@pytest.fixture(scope="module")
def larger_statuses(tmp_path_factory):
    """The larger book's statuses (table and XML), invoices, payments and disputes."""
    folder = tmp_path_factory.mktemp("larger_statuses") / "parquet"
    generate_landing(folder, customers=1000, years=2.0, seed=5, fmt="parquet", progress=False)
    con = duckdb.connect()
    for name in ("customers", "invoices", "payments", "disputes"):
        con.execute(f"create table {name} as select * from read_parquet('{folder}/{name}.parquet')")
    messages = cdar_statuses(folder)  # noqa: F841 (read by the SQL below)
    con.execute(f"create table invoice_statuses as select * from read_parquet("
                f"'{folder}/invoice_statuses.parquet') union all by name "
                "select * replace (status_code::int as status_code, amount::decimal(18, 2) "
                "as amount) from messages")
    yield con
    con.close()


def test_statuses_are_consistent_with_the_book(larger_statuses):
    con = larger_statuses
    # Every invoice dated from the go-live (and deposited by the end) is deposited, once;
    # public-sector invoices (Chorus Pro) from the book's start, the others not before.
    assert scalar(con, """select count(*) from invoices where document_type = 'invoice'
        and document_date >= date '2026-09-01' and document_id not in (
            select document_id from invoice_statuses where status_code = 200)""") == 0
    early = con.execute("""select segment, count(*) from invoice_statuses
        join invoices using (document_id) join customers using (customer_id)
        where status_code = 200 and document_date < date '2026-09-01' group by 1""").fetchall()
    assert [segment for segment, _ in early] == ["Public sector"]
    assert scalar(con, "select count(*) - count(distinct status_id) from invoice_statuses") == 0
    # 212 on the day the invoice's last cash arrived, for the amount paid; 211 before it.
    assert scalar(con, """
        with cash as (select document_id, max(payment_date) as last_day, sum(amount) as paid
                      from payments group by document_id)
        select count(*) from invoice_statuses join cash using (document_id)
        where status_code = 212 and status_time::date <> last_day""") == 0
    assert scalar(con, """select count(*) from invoice_statuses as transmitted
        join invoice_statuses as cashed using (document_id)
        where transmitted.status_code = 211 and cashed.status_code = 212
          and transmitted.status_time >= cashed.status_time""") == 0
    # Some customers' platforms send only the mandatory statuses, others the optional ones.
    optional, mandatory_only = con.execute("""
        with seen as (select customer_id, bool_or(status_code not in (200, 210, 212, 213))
                          as has_optional
                      from invoice_statuses join invoices using (document_id) group by 1)
        select count(*) filter (where has_optional), count(*) filter (where not has_optional)
        from seen""").fetchone()
    assert optional > 100 and mandatory_only > 100
    # Disputes on the platform before the dispute log, and without any log row.
    before_log, without_log = con.execute("""
        select count(*) filter (where status_time::date < opened_date),
               count(*) filter (where opened_date is null)
        from invoice_statuses left join disputes using (document_id)
        where status_code = 207""").fetchone()
    assert before_log > 0 and without_log > 0
    # Refusals: a credit note applying to the invoice follows.
    refusals, followed = con.execute("""
        select count(*), count(*) filter (where exists (
            select 1 from invoices as notes
            where notes.applies_to_document_id = invoice_statuses.document_id
              and notes.document_date >= status_time::date))
        from invoice_statuses where status_code = 210""").fetchone()
    assert refusals > 0 and followed == refusals
    # A few rejections, hours after the deposit, on invoices left unpaid.
    rejections, late = con.execute("""
        select count(*), count(*) filter (where rejected.status_time - deposited.status_time
                                          > interval 6 hours)
        from invoice_statuses as rejected join invoice_statuses as deposited using (document_id)
        where rejected.status_code = 213 and deposited.status_code = 200""").fetchone()
    assert 0 < rejections < 0.01 * scalar(con, "select count(*) from invoice_statuses") and (
        late == 0)
    # Approval delays by segment: public buyers approve slowest.
    delays = dict(con.execute("""
        select segment, avg(status_time::date - document_date)
        from invoice_statuses join invoices using (document_id) join customers using (customer_id)
        where status_code = 205 group by 1""").fetchall())
    assert delays["Public sector"] > delays["Retail"] + 3

"""A tiny, readable warehouse with the contract's columns, for data-layer unit tests.

Four customers, three month ends. At 2026-10-31 the aged balance holds:

    customer  segment       region  document  days past due  bucket     open amount
    C1        Key accounts  North   INV1       16            1-30        1 000
    C1        Key accounts  North   INV2      -30            not_due     2 000
    C2        SME           North   INV3       45            31-60         500 (disputed)
    C3        SME           South   INV4      100            91-120        300
    C4        Retail        South   INV5        0            not_due       400
    C4        Retail        South   (none)                   unapplied     -50

so total AR = 1000 + 2000 + 500 + 300 + 400 - 50 = 4 150 and overdue = 1000 + 500 + 300
= 1 800. C4's name starts with "=" to check that exports neutralise formulas.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from credit_scoreboard.contract import MARTS_COLUMNS, raw_schema_ddl

CUSTOMERS = [
    # id, name, segment, region, country, business unit, collector, limit, terms, basis
    ("C1", "Alpha SA", "Key accounts", "North", "FR", "Industry", "COL1", 10000, 30,
     "invoice_date"),
    ("C2", "Beta SARL", "SME", "North", "FR", "Industry", "COL1", 5000, 30, "invoice_date"),
    ("C3", "Gamma SAS", "SME", "South", "FR", "Services", "COL2", 200, 45, "end_of_month"),
    ("C4", "=Delta Ltd", "Retail", "South", "BE", "Services", "COL2", None, 30,
     "invoice_date"),
]
AGED_BALANCE = [
    # as_of, customer, document, document date, due date, days past due, bucket, amount,
    # disputed
    ("2026-08-31", "C3", "INV4", "2026-06-07", "2026-07-22", 40, "31-60", 300, False),
    ("2026-09-30", "C1", "INV1", "2026-09-15", "2026-10-15", -15, "not_due", 1000, False),
    ("2026-09-30", "C2", "INV3", "2026-07-17", "2026-09-15", 15, "1-30", 500, True),
    ("2026-09-30", "C3", "INV4", "2026-06-07", "2026-07-22", 70, "61-90", 300, False),
    ("2026-10-31", "C1", "INV1", "2026-09-15", "2026-10-15", 16, "1-30", 1000, False),
    ("2026-10-31", "C1", "INV2", "2026-10-31", "2026-11-30", -30, "not_due", 2000, False),
    ("2026-10-31", "C2", "INV3", "2026-07-17", "2026-09-15", 45, "31-60", 500, True),
    ("2026-10-31", "C3", "INV4", "2026-06-07", "2026-07-22", 100, "91-120", 300, False),
    ("2026-10-31", "C4", "INV5", "2026-10-01", "2026-10-31", 0, "not_due", 400, False),
    ("2026-10-31", "C4", None, None, None, None, "unapplied", -50, False),
]
# Company KPIs: total_ar, overdue_ar and dso_simple per month end (others derived/NULL).
KPI_MONTHLY = [("2026-08-31", 300, 300, 30.0), ("2026-09-30", 1800, 800, 35.0),
               ("2026-10-31", 4150, 1800, 42.0)]
# SME by month end: total_ar, overdue_ar, dso_simple.
KPI_SME = [("2026-09-30", 800, 800, 55.0), ("2026-10-31", 800, 800, 60.0)]
DEFINITIONS = {
    "dso_simple": "Days sales outstanding: total_ar / sales_window x N.",
    "total_ar": "Net customer balance at the as-of date.",
}


def build_fixture_warehouse(path: Path) -> Path:
    connection = duckdb.connect(str(path))
    try:
        for statement in raw_schema_ddl():
            connection.execute(statement)
        connection.execute("create schema marts")
        connection.executemany(
            "insert into raw.customers (customer_id, customer_name, segment, region, country, "
            "business_unit, collector_id, credit_limit, payment_terms_days, "
            "payment_terms_basis) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", CUSTOMERS)
        connection.execute("""
            insert into raw.invoices (document_id, customer_id, document_type, document_date,
                                      due_date, amount, applies_to_document_id) values
            ('INV1', 'C1', 'invoice', '2026-09-15', '2026-10-15', 1000, null),
            ('INV2', 'C1', 'invoice', '2026-10-31', '2026-11-30', 2000, null),
            ('INV3', 'C2', 'invoice', '2026-07-17', '2026-09-15', 700, null),
            ('CN1', 'C2', 'credit_note', '2026-08-01', '2026-08-01', -200, 'INV3'),
            ('INV4', 'C3', 'invoice', '2026-06-07', '2026-07-22', 300, null),
            ('INV5', 'C4', 'invoice', '2026-10-01', '2026-10-31', 400, null)""")
        connection.execute("""
            insert into raw.payments (payment_id, customer_id, document_id, payment_date,
                                      amount, method) values
            ('P1', 'C4', null, '2026-10-20', 50, 'transfer')""")
        connection.execute("""
            insert into raw.disputes (dispute_id, document_id, customer_id, opened_date,
                                      reason, disputed_amount, status, closed_date, owner,
                                      resolution) values
            ('D1', 'INV3', 'C2', '2026-09-20', 'wrong_price', 500, 'open', null, 'sales', null),
            ('D2', 'INV4', 'C3', '2026-07-01', 'billing_error', 100, 'resolved', '2026-07-21',
             'billing', 'credit_note')""")
        connection.execute("""
            insert into raw.calls (call_id, customer_id, collector_id, call_time, channel,
                                   stage, right_party_contact, outcome, promised_amount,
                                   promised_date) values
            ('K1', 'C2', 'COL1', '2026-10-02 10:00', 'phone', 'level_1', true,
             'promise_to_pay', 500, '2026-11-02'),
            ('K2', 'C3', 'COL2', '2026-10-05 11:00', 'phone', 'level_2', false, 'no_answer',
             null, null),
            ('K3', 'C3', 'COL2', '2026-10-06 09:00', 'email', 'level_2', true, 'refused',
             null, null)""")
        connection.execute("""
            insert into raw.load_log (file_name, entity, rows_read, rows_loaded,
                                      rows_quarantined, checksum, loaded_at) values
            ('customers.csv', 'customers', 5, 4, 1, 'abc', '2026-11-01 06:00'),
            ('invoices.csv', 'invoices', 6, 6, 0, 'def', '2026-11-01 06:00')""")
        connection.execute("""
            insert into raw.quarantine (entity, file_name, row_number, row_text, rule,
                                        quarantined_at) values
            ('customers', 'customers.csv', 5, 'C9,,SME', 'customer_name is required',
             '2026-11-01 06:00')""")

        connection.execute(
            "create table marts.aged_balance as select * from (values "
            + ", ".join("(?, ?, ?, ?, ?, ?, ?, ?, ?)" for _ in AGED_BALANCE)
            + ") as t(as_of_date, customer_id, document_id, document_date, due_date, "
            "days_past_due, aging_bucket, open_amount, is_disputed)",
            [value for row in AGED_BALANCE for value in row])
        connection.execute("""
            create or replace table marts.aged_balance as
            select cast(aged.as_of_date as date) as as_of_date, aged.customer_id,
                   aged.document_id, cast(aged.document_date as date) as document_date,
                   cast(aged.due_date as date) as due_date,
                   cast(aged.days_past_due as integer) as days_past_due, aged.aging_bucket,
                   cast(aged.open_amount as decimal(18, 2)) as open_amount, aged.is_disputed,
                   customers.segment, customers.region, customers.country,
                   customers.business_unit, customers.collector_id
            from marts.aged_balance as aged join raw.customers as customers
            using (customer_id)""")
        kpi_columns = ", ".join(
            f"null::double as {column}" for column in MARTS_COLUMNS["kpi_monthly"][1:]
            if column not in ("total_ar", "overdue_ar", "not_due_ar", "overdue_rate",
                              "dso_simple"))
        rows = ", ".join(f"('{d}'::date, {t}, {o}, {s})" for d, t, o, s in KPI_MONTHLY)
        connection.execute(f"""
            create table marts.kpi_monthly as
            select as_of_date, total_ar, total_ar - overdue_ar as not_due_ar, overdue_ar,
                   overdue_ar / total_ar as overdue_rate, dso_simple, {kpi_columns}
            from (values {rows}) as t(as_of_date, total_ar, overdue_ar, dso_simple)""")
        rows = ", ".join(f"('{d}'::date, {t}, {o}, {s})" for d, t, o, s in KPI_SME)
        connection.execute(f"""
            create table marts.kpi_by_dimension as
            select as_of_date, 'segment' as dimension, 'SME' as dimension_value, total_ar,
                   total_ar - overdue_ar as not_due_ar, overdue_ar,
                   overdue_ar / total_ar as overdue_rate, dso_simple, {kpi_columns}
            from (values {rows}) as t(as_of_date, total_ar, overdue_ar, dso_simple)""")
        for column, text in DEFINITIONS.items():
            connection.execute(f"comment on column marts.kpi_monthly.{column} is '{text}'")
        connection.execute("""
            create table marts.customer_profile as select * from (values
            ('C1', 'A', 'pays on time'), ('C2', 'C', 'open dispute; 45 days late'),
            ('C3', 'E', 'over credit limit; 100 days late'), ('C4', 'B', 'new customer'))
            as t(customer_id, risk_grade, risk_reasons)""")
        connection.execute("""
            create table marts.collection_worklist as select * from (values
            (1, 'C3', 300.0, 100, false, 0, 'oldest overdue 100 days; over credit limit'),
            (2, 'C2', 500.0, 45, true, 1, 'promise falls due'),
            (3, 'C1', 1000.0, 16, false, 0, 'overdue 16 days'))
            as t(priority_rank, customer_id, overdue_amount, oldest_days_past_due,
                 promise_due, open_disputes, reason)""")
        connection.execute("""
            create table marts.reminder_effectiveness as select * from (values
            ('2026-10-31'::date, 'COL1', 'level_1', 'phone', 1, 1, 1, 500.0, 0, 0.0, 0.0,
             0.0, null::double),
            ('2026-10-31'::date, 'COL2', 'level_2', 'phone', 1, 0, 0, 0.0, 0, 0.0, 0.0, 0.0,
             null),
            ('2026-10-31'::date, 'COL2', 'level_2', 'email', 1, 1, 0, 0.0, 0, 0.0, 0.0, 0.0,
             null))
            as t(month, collector_id, stage, channel, calls, right_party_contacts, promises,
                 promised_amount, promises_kept, kept_amount, collected_7d, collected_30d,
                 uplift_30d)""")
        connection.execute("""
            create table marts.data_quality as select * from (values
            ('rows_read_equals_loaded_plus_quarantined', 'customers', 'pass', '5 = 4 + 1',
             '2026-11-01 06:00'::timestamp))
            as t(check_name, entity, status, observed_value, checked_at)""")
    finally:
        connection.close()
    return path

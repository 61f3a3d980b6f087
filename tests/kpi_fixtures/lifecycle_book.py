"""A small book on the e-invoicing platforms (issue 16), one customer per case, written as
readable rows: an invoice disputed only on the platform (207) counts in disputed AR from its
status date until a later 205, 209, 211 or 212, or its settlement; a refusal followed by a
credit note and a reissued invoice; an invoice never made available to the buyer; a rejected
invoice; lifecycle dates and days to approval. Each customer's business_unit is its own id, so
that `marts.kpi_by_dimension` (dimension 'business_unit') shows each case alone.

The run's as-of date is 10 December 2026; the expected values, worked by hand, are in
tests/test_kpi_lifecycle.py next to each assertion.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from credit_scoreboard.contract import raw_schema_ddl

RUN_AS_OF = dt.date(2026, 12, 10)

# customer_id: the case it carries (segment SME, region North, country FR, collector COL_L)
CUSTOMERS = {
    "PRE": "an invoice of June, before the platforms: no status",
    "APPR": "207 in dispute on 5 Oct, 205 approved on 20 Nov: disputed in October only",
    "SUSP": "208 suspended on 31 Oct at 18:30, 209 completed on 4 Nov",
    "PAYT": "207 on 10 Oct, 211 payment transmitted on 25 Nov, paid on 2 Dec",
    "CASH": "207 on 25 Sep, 212 cashed on 15 Nov, the payment booked on 3 Dec",
    "SETT": "207 on 20 Oct and no later status: a credit note and a payment settle it",
    "BOTH": "207 on 12 Oct and a dispute-log row on 15 Oct: counted once",
    "REFU": "210 refused on 20 Oct, credit note and reissued invoice on 15 Nov",
    "NEVER": "deposited (200) on 15 Sep, never made available; its other invoice was (203)",
    "MANDONLY": "a platform sending only the mandatory statuses; one invoice without any",
    "REJ": "rejected (213) by the platform 3 hours after its deposit",
    "FAST": "three invoices approved 7 and 20 days after issue, or not yet",
}

# document_id, customer_id, document_type, document_date, due_date, amount, applies_to
INVOICES = [
    ("P0", "PRE", "invoice", "2026-06-10", "2026-07-10", 700, None),
    ("A1", "APPR", "invoice", "2026-09-10", "2026-10-10", 10_000, None),
    ("S1", "SUSP", "invoice", "2026-10-01", "2026-11-30", 5_000, None),
    ("T1", "PAYT", "invoice", "2026-09-20", "2026-10-20", 3_000, None),
    ("C1", "CASH", "invoice", "2026-09-05", "2026-10-05", 2_000, None),
    ("E1", "SETT", "invoice", "2026-09-15", "2026-10-15", 4_000, None),
    ("E1CN", "SETT", "credit_note", "2026-11-10", "2026-11-10", -1_500, "E1"),
    ("B1", "BOTH", "invoice", "2026-09-01", "2026-10-01", 6_000, None),
    ("R1", "REFU", "invoice", "2026-10-05", "2026-11-04", 1_000, None),
    ("R1CN", "REFU", "credit_note", "2026-11-15", "2026-11-15", -1_000, "R1"),
    ("R2", "REFU", "invoice", "2026-11-15", "2026-12-15", 1_000, None),
    ("N1", "NEVER", "invoice", "2026-09-15", "2026-10-15", 2_500, None),
    ("N2", "NEVER", "invoice", "2026-09-01", "2026-10-01", 1_000, None),
    ("M1", "MANDONLY", "invoice", "2026-09-15", "2026-10-15", 1_500, None),
    ("M2", "MANDONLY", "invoice", "2026-09-25", "2026-10-25", 800, None),
    ("J1", "REJ", "invoice", "2026-10-01", "2026-10-31", 3_500, None),
    ("F1", "FAST", "invoice", "2026-09-01", "2026-10-01", 1_000, None),
    ("F2", "FAST", "invoice", "2026-09-10", "2026-10-10", 1_000, None),
    ("F3", "FAST", "invoice", "2026-09-20", "2026-10-20", 1_000, None),
]

# payment_id, customer_id, document_id, payment_date, amount
PAYMENTS = [
    ("PP0", "PRE", "P0", "2026-07-05", 700),
    ("PT1", "PAYT", "T1", "2026-12-02", 3_000),
    ("PC1", "CASH", "C1", "2026-12-03", 2_000),
    ("PE1", "SETT", "E1", "2026-12-01", 2_500),
    ("PN2", "NEVER", "N2", "2026-10-01", 1_000),
    ("PF1", "FAST", "F1", "2026-09-30", 1_000),
    ("PF2", "FAST", "F2", "2026-10-09", 1_000),
    ("PF3", "FAST", "F3", "2026-10-20", 1_000),
]

# dispute_id, document_id, customer_id, opened, reason, amount, status, closed, owner
DISPUTES = [
    ("DB1", "B1", "BOTH", "2026-10-15", "wrong_price", 6_000, "open", None, "sales"),
]

# status_id, document_id, status_code, status_time, issuer, reason_code, requested_action, amount
STATUSES = [
    ("A1-200", "A1", 200, "2026-09-10 09:00", "supplier", None, None, None),
    ("A1-203", "A1", 203, "2026-09-11 08:00", "platform", None, None, None),
    ("A1-207", "A1", 207, "2026-10-05 14:00", "buyer", "PU_ERR", "CNP", None),
    ("A1-205", "A1", 205, "2026-11-20 10:00", "buyer", None, None, None),
    ("A1-214", "A1", 214, "2026-11-25 10:00", "platform", None, None, None),  # ignored
    ("S1-200", "S1", 200, "2026-10-01 09:00", "supplier", None, None, None),
    ("S1-203", "S1", 203, "2026-10-02 09:00", "platform", None, None, None),
    ("S1-208", "S1", 208, "2026-10-31 18:30", "buyer", "JUSTIF_ABS", "PIN", None),
    ("S1-209", "S1", 209, "2026-11-04 11:00", "supplier", None, None, None),
    ("T1-200", "T1", 200, "2026-09-20 09:00", "supplier", None, None, None),
    ("T1-203", "T1", 203, "2026-09-21 09:00", "platform", None, None, None),
    ("T1-207", "T1", 207, "2026-10-10 09:00", "buyer", "QTE_ERR", "NOA", None),
    ("T1-211", "T1", 211, "2026-11-25 09:00", "buyer", None, None, 3_000),
    ("C1-200", "C1", 200, "2026-09-05 09:00", "supplier", None, None, None),
    ("C1-207", "C1", 207, "2026-09-25 09:00", "buyer", "LIVR_INCOMP", "CNP", None),
    ("C1-212", "C1", 212, "2026-11-15 09:00", "supplier", None, None, 2_000),
    ("E1-200", "E1", 200, "2026-09-15 09:00", "supplier", None, None, None),
    ("E1-203", "E1", 203, "2026-09-16 09:00", "platform", None, None, None),
    ("E1-207", "E1", 207, "2026-10-20 09:00", "buyer", "PU_ERR", "CNP", None),
    ("B1-200", "B1", 200, "2026-09-01 09:00", "supplier", None, None, None),
    ("B1-203", "B1", 203, "2026-09-02 09:00", "platform", None, None, None),
    ("B1-207", "B1", 207, "2026-10-12 09:00", "buyer", "PU_ERR", "CNP", None),
    ("R1-200", "R1", 200, "2026-10-05 09:00", "supplier", None, None, None),
    ("R1-203", "R1", 203, "2026-10-06 09:00", "platform", None, None, None),
    ("R1-210", "R1", 210, "2026-10-20 09:00", "buyer", "CMD_ERR", "NIN", None),
    ("R2-200", "R2", 200, "2026-11-15 09:00", "supplier", None, None, None),
    ("R2-203", "R2", 203, "2026-11-16 09:00", "platform", None, None, None),
    ("N1-200", "N1", 200, "2026-09-15 09:00", "supplier", None, None, None),
    ("N2-200", "N2", 200, "2026-09-01 09:00", "supplier", None, None, None),
    ("N2-203", "N2", 203, "2026-09-02 09:00", "platform", None, None, None),
    ("M1-200", "M1", 200, "2026-09-15 09:00", "supplier", None, None, None),
    ("J1-200", "J1", 200, "2026-10-01 23:58", "supplier", None, None, None),
    ("J1-213", "J1", 213, "2026-10-02 03:07", "platform", "REJ_SEMAN", "NIN", None),
    ("F1-200", "F1", 200, "2026-09-01 09:00", "supplier", None, None, None),
    ("F1-203", "F1", 203, "2026-09-01 15:00", "platform", None, None, None),
    ("F1-205", "F1", 205, "2026-09-08 09:00", "buyer", None, None, None),
    ("F2-200", "F2", 200, "2026-09-10 09:00", "supplier", None, None, None),
    ("F2-203", "F2", 203, "2026-09-12 09:00", "platform", None, None, None),
    ("F2-205", "F2", 205, "2026-09-30 09:00", "buyer", None, None, None),
    ("F3-200", "F3", 200, "2026-09-20 09:00", "supplier", None, None, None),
    ("F3-203", "F3", 203, "2026-09-21 09:00", "platform", None, None, None),
]

# the contract's columns, for a raw schema made before the entity was added to it
INVOICE_STATUSES_DDL = """
    create table if not exists raw.invoice_statuses (
        status_id varchar, document_id varchar, status_code integer, status_time timestamp,
        issuer varchar, reason_code varchar, requested_action varchar, amount decimal(18, 2)
    )
"""


def create_book(database) -> None:
    """Create the raw tables of the contract and insert the book."""
    con = duckdb.connect(str(database))
    try:
        for statement in raw_schema_ddl():
            con.execute(statement)
        con.execute(INVOICE_STATUSES_DDL)
        con.executemany(
            "insert into raw.customers (customer_id, customer_name, segment, region, country,"
            " business_unit, collector_id, credit_limit, payment_terms_days, payment_terms_basis)"
            " values (?, ?, 'SME', 'North', 'FR', ?, 'COL_L', null, 30, 'invoice_date')",
            [(customer_id, f"Customer {customer_id}", customer_id) for customer_id in CUSTOMERS],
        )
        con.executemany(
            "insert into raw.invoices (document_id, customer_id, document_type, document_date,"
            " due_date, amount, applies_to_document_id) values (?, ?, ?, ?, ?, ?, ?)",
            INVOICES,
        )
        con.executemany(
            "insert into raw.payments (payment_id, customer_id, document_id, payment_date,"
            " amount, method) values (?, ?, ?, ?, ?, 'transfer')",
            PAYMENTS,
        )
        con.executemany(
            "insert into raw.disputes (dispute_id, document_id, customer_id, opened_date, reason,"
            " disputed_amount, status, closed_date, owner) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            DISPUTES,
        )
        con.executemany(
            "insert into raw.invoice_statuses (status_id, document_id, status_code, status_time,"
            " issuer, reason_code, requested_action, amount) values (?, ?, ?, ?, ?, ?, ?, ?)",
            STATUSES,
        )
    finally:
        con.close()

"""A small receivables book where each customer carries one edge case of CONTRACT.md
section 3, written as readable rows. The customer's business_unit is its own id, so that
`marts.kpi_by_dimension` (dimension 'business_unit') shows each case's KPIs alone.

The run's as-of date is 10 May 2025. The expected values, worked by hand, are in
tests/test_kpi_edge_cases.py next to each assertion.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from credit_scoreboard.contract import raw_schema_ddl

RUN_AS_OF = dt.date(2025, 5, 10)

# customer_id, segment, region, country, collector_id, credit_limit
CUSTOMERS = [
    ("CB", "Key accounts", "North", "FR", "COL_A", 200_000),  # contract countback example
    ("DMP", "SME", "North", "FR", "COL_A", None),  # contract DMP example
    ("PART", "SME", "South", "FR", "COL_A", None),  # partial payments
    ("CNBIG", "SME", "South", "FR", "COL_A", None),  # credit note larger than its invoice
    ("UNAPP", "Retail", "South", "BE", "COL_B", None),  # unapplied cash
    ("PREPAY", "Retail", "South", "BE", "COL_B", None),  # payment dated before its invoice
    ("DUEON", "Retail", "East", "BE", "COL_B", None),  # due on D; paid after the run's as-of
    ("DISP", "Public sector", "East", "DE", "COL_B", None),  # disputes across month ends
    ("PROMSUP", "SME", "East", "DE", None, None),  # superseded promise
    ("PROMPART", "SME", "West", "DE", None, None),  # partly kept promise
    ("NOSALES", "Retail", "West", None, None, None),  # no sales in the DSO window
    ("NOLIMIT", "Key accounts", "West", "FR", "COL_A", None),  # no credit limit; financing
    ("LEAP", "Key accounts", "North", "FR", "COL_A", None),  # leap-year February countback
    ("NEGMONTH", "SME", "North", "FR", "COL_A", None),  # month with net sales <= 0
    ("STOP24", "SME", "North", "FR", "COL_A", None),  # countback not done after 24 months
    ("LEGAL", "SME", "North", "FR", "COL_A", None),  # terms beyond the legal caps
    ("U1", "Retail", "South", "FR", "COL_U", None),  # called overdue customer
    ("U2", "Retail", "South", "FR", "COL_U", None),  # comparable uncalled customer
    # issue 14 (amounts of 50 000 and more, or overdue only after 31 Mar: no call-uplift stratum
    # of the cases above changes)
    ("OLD180", "SME", "North", "FR", "COL_T", None),  # uncovered item > 180 days: grade floor C
    ("COVER180", "SME", "North", "FR", "COL_T", None),  # same item covered by its own cash: A
    ("TWOCALLS", "SME", "North", "FR", "COL_T", None),  # two calls, one payment: counted once
    ("LATEPAY", "SME", "North", "FR", "COL_T", None),  # paid 12 days after the call
    ("LITIG", "SME", "North", "FR", "COL_T", None),  # litigation call: grade floor C
    ("KEPTEARLY", "SME", "North", "FR", "COL_T", None),  # promise paid before it matures
    ("TWODISP", "SME", "North", "FR", "COL_T", None),  # one invoice, two open disputes
]

# document_id, customer_id, document_type, document_date, due_date, amount, applies_to
INVOICES = [
    ("CB1", "CB", "invoice", "2025-01-10", "2025-06-30", 100_000, None),
    ("CB2", "CB", "invoice", "2025-02-10", "2025-06-30", 90_000, None),
    ("CB3", "CB", "invoice", "2025-03-10", "2025-06-30", 120_000, None),
    ("A", "DMP", "invoice", "2025-01-02", "2025-03-03", 10_000, None),
    ("B", "DMP", "invoice", "2025-01-15", "2025-02-28", 2_000, None),
    ("C", "DMP", "invoice", "2025-02-03", "2025-04-04", 8_000, None),
    ("P1", "PART", "invoice", "2025-02-01", "2025-03-03", 1_000, None),
    ("CNB1", "CNBIG", "invoice", "2025-01-15", "2025-02-14", 1_000, None),
    ("CNB2", "CNBIG", "credit_note", "2025-02-05", "2025-02-05", -1_500, "CNB1"),
    ("UA1", "UNAPP", "invoice", "2025-02-10", "2025-03-12", 2_000, None),
    ("PP1", "PREPAY", "invoice", "2025-04-05", "2025-05-05", 500, None),
    ("DO1", "DUEON", "invoice", "2025-03-01", "2025-03-31", 800, None),
    ("DI1", "DISP", "invoice", "2025-01-05", "2025-02-04", 3_000, None),
    ("DI2", "DISP", "invoice", "2025-02-01", "2025-03-03", 1_000, None),
    ("PS1", "PROMSUP", "invoice", "2025-01-10", "2025-02-09", 900, None),
    ("PK1", "PROMPART", "invoice", "2025-03-01", "2025-03-31", 1_000, None),
    ("NS1", "NOSALES", "invoice", "2024-10-15", "2024-11-14", 500, None),
    ("NL1", "NOLIMIT", "invoice", "2025-04-01", "2025-05-01", 36_500, None),
    ("LP1", "LEAP", "invoice", "2024-01-10", "2024-02-09", 62_000, None),
    ("LP2", "LEAP", "invoice", "2024-02-10", "2024-03-11", 29_000, None),
    ("LP3", "LEAP", "invoice", "2024-03-10", "2024-04-09", 31_000, None),
    ("NM1", "NEGMONTH", "invoice", "2025-01-10", "2025-06-30", 4_200, None),
    ("NM2", "NEGMONTH", "credit_note", "2025-02-10", "2025-02-10", -200, None),
    ("NM3", "NEGMONTH", "invoice", "2025-03-10", "2025-06-30", 1_000, None),
    ("S0", "STOP24", "invoice", "2023-01-15", "2023-02-14", 100_000, None),
    ("LT1", "LEGAL", "invoice", "2025-02-01", "2025-04-17", 1_000, None),  # 75 days: beyond
    ("LT2", "LEGAL", "invoice", "2025-02-20", "2025-04-14", 3_000, None),  # 45 days EOM: within
    ("U1I", "U1", "invoice", "2025-01-15", "2025-02-14", 2_000, None),
    ("U2I", "U2", "invoice", "2025-01-15", "2025-02-14", 2_000, None),
    ("O1", "OLD180", "invoice", "2024-09-01", "2024-10-01", 60_000, None),
    ("O2", "OLD180", "invoice", "2025-04-01", "2025-05-01", 100, None),
    ("CV1", "COVER180", "invoice", "2024-09-01", "2024-10-01", 60_000, None),
    ("T1", "TWOCALLS", "invoice", "2025-03-15", "2025-04-14", 5_000, None),
    ("L1", "LATEPAY", "invoice", "2025-03-20", "2025-04-19", 800, None),
    ("LI1", "LITIG", "invoice", "2025-03-01", "2025-03-31", 2_000, None),
    ("KE1", "KEPTEARLY", "invoice", "2025-04-01", "2025-05-01", 1_500, None),
    ("DD1", "TWODISP", "invoice", "2025-04-01", "2025-05-01", 2_000, None),
]
# STOP24: 100 on the 15th of every month from February 2023 to March 2025 (26 invoices)
for month_index in range(26):
    year, month = 2023 + (1 + month_index) // 12, (1 + month_index) % 12 + 1
    issued = dt.date(year, month, 15)
    INVOICES.append((f"S{month_index + 1}", "STOP24", "invoice", issued.isoformat(),
                     (issued + dt.timedelta(days=30)).isoformat(), 100, None))

# payment_id, customer_id, document_id, payment_date, amount
PAYMENTS = [
    ("CBP1", "CB", "CB1", "2025-03-20", 60_000),
    ("DMPA", "DMP", "A", "2025-03-13", 10_000),
    ("DMPB", "DMP", "B", "2025-02-28", 2_000),
    ("DMPC", "DMP", "C", "2025-05-05", 8_000),
    ("PA1", "PART", "P1", "2025-02-20", 300),
    ("PA2", "PART", "P1", "2025-03-10", 200),
    ("UAP1", "UNAPP", None, "2025-03-05", 2_000),
    ("PPP1", "PREPAY", "PP1", "2025-03-25", 500),
    ("DOP1", "DUEON", "DO1", "2025-05-20", 800),  # after the run's as-of date
    ("DIP1", "DISP", "DI1", "2025-03-25", 3_000),
    ("DIP2", "DISP", "DI2", "2025-03-05", 1_000),
    ("PSP1", "PROMSUP", "PS1", "2025-03-18", 900),
    ("PKP1", "PROMPART", "PK1", "2025-04-08", 600),
    ("PKP2", "PROMPART", "PK1", "2025-04-14", 400),  # after promised date + grace
    ("LPP1", "LEAP", "LP1", "2024-03-20", 22_000),
    ("U1P", "U1", "U1I", "2025-03-10", 2_000),
    ("U2P", "U2", "U2I", "2025-03-20", 500),
    ("O2P", "OLD180", "O2", "2025-04-20", 100),  # a recent payment: no "no payment" points
    ("CVP", "COVER180", None, "2024-10-15", 70_000),  # cash on account, never allocated
    ("T1P", "TWOCALLS", "T1", "2025-05-02", 5_000),
    ("L1P", "LATEPAY", "L1", "2025-05-07", 800),
    ("KEP", "KEPTEARLY", "KE1", "2025-05-06", 1_500),
]

# dispute_id, document_id, customer_id, opened, reason, amount, status, closed, owner
DISPUTES = [
    ("DS1", "DI1", "DISP", "2025-01-20", "defective_goods", 3_000, "resolved", "2025-03-10",
     "quality"),
    # closed on a month end: not open at that month end
    ("DS2", "DI2", "DISP", "2025-02-10", "billing_error", 1_000, "resolved", "2025-02-28",
     "billing"),
    # two disputes naming the same invoice (same reasons and owners as above: no new
    # dispute_analysis rows)
    ("DS3", "DD1", "TWODISP", "2025-04-10", "defective_goods", 500, "open", None, "quality"),
    ("DS4", "DD1", "TWODISP", "2025-04-20", "billing_error", 300, "open", None, "billing"),
]

# call_id, customer_id, collector_id, call_time, channel, stage, right_party_contact,
# outcome, promised_amount, promised_date
CALLS = [
    ("K1", "PROMSUP", "COL_P", "2025-03-03 10:00", "phone", "level_2", True,
     "promise_to_pay", 900, "2025-03-10"),
    ("K2", "PROMSUP", "COL_P", "2025-03-08 10:00", "phone", "level_2", True,
     "promise_to_pay", 900, "2025-03-20"),
    ("K3", "PROMPART", "COL_P", "2025-04-02 11:00", "email", "level_1", True,
     "promise_to_pay", 1_000, "2025-04-10"),
    ("KU1", "U1", "COL_U", "2025-03-05 09:00", "phone", "level_1", True,
     "callback_requested", None, None),
    ("CA", "TWOCALLS", "COL_T", "2025-04-20 10:00", "phone", "level_1", True,
     "callback_requested", None, None),
    ("CB", "TWOCALLS", "COL_T", "2025-04-30 10:00", "phone", "level_1", True,
     "callback_requested", None, None),
    ("LC", "LATEPAY", "COL_T", "2025-04-25 10:00", "phone", "level_1", True,
     "callback_requested", None, None),
    ("LG", "LITIG", "COL_T", "2025-05-05 10:00", "letter", "litigation", False, None, None, None),
    ("KE", "KEPTEARLY", "COL_T", "2025-05-02 10:00", "phone", "level_1", True,
     "promise_to_pay", 1_500, "2025-05-15"),
]


def create_book(database) -> None:
    """Create the raw tables of the contract and insert the book."""
    con = duckdb.connect(str(database))
    try:
        for statement in raw_schema_ddl():
            con.execute(statement)
        con.executemany(
            "insert into raw.customers (customer_id, customer_name, segment, region, country,"
            " business_unit, collector_id, credit_limit, payment_terms_days, payment_terms_basis)"
            " values (?, ?, ?, ?, ?, ?, ?, ?, 30, 'invoice_date')",
            [(cid, f"Customer {cid}", seg, reg, cty, cid, col, lim)
             for cid, seg, reg, cty, col, lim in CUSTOMERS],
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
            "insert into raw.calls (call_id, customer_id, collector_id, call_time, channel, stage,"
            " right_party_contact, outcome, promised_amount, promised_date)"
            " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            CALLS,
        )
    finally:
        con.close()

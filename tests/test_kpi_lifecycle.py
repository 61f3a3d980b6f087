"""E-invoicing lifecycle statuses in the KPI engine (issue 16, CONTRACT.md sections 2-3) on a
hand-made book (tests/kpi_fixtures/lifecycle_book.py): disputed AR counts an invoice whose
latest status dated <= D is 206, 207, 208 or 210, once; lifecycle dates, days to availability
and approval; the collector's flags (never made available, rejected) and the worklist's words.

One dbt build serves every assertion. Each customer's business_unit is its own id, so the
'business_unit' rows of kpi_by_dimension are that customer's KPIs.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from kpi_fixtures.lifecycle_book import RUN_AS_OF, create_book

from credit_scoreboard.transform import build_models

D = dt.date
SEP, OCT, NOV = D(2026, 9, 30), D(2026, 10, 31), D(2026, 11, 30)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    database = tmp_path_factory.mktemp("lifecycle") / "lifecycle.duckdb"
    create_book(database)
    build_models(database, RUN_AS_OF)  # raises TransformError if any dbt test fails
    return database


@pytest.fixture
def con(warehouse):
    connection = duckdb.connect(str(warehouse), read_only=True)
    yield connection
    connection.close()


def disputed_ar(con, customer_id: str) -> list[float]:
    """The customer's disputed AR at 30 Sep, 31 Oct, 30 Nov and the run's date (10 Dec)."""
    rows = dict(con.execute(
        "select as_of_date, disputed_ar from marts.kpi_by_dimension"
        " where dimension = 'business_unit' and dimension_value = ? and as_of_date >= ?",
        [customer_id, SEP]).fetchall())
    return [float(rows[as_of]) for as_of in (SEP, OCT, NOV, RUN_AS_OF)]


# --- disputed AR: from the dispute status until a later status or the settlement ---------


def test_platform_dispute_ends_with_approval(con):
    # A1 10 000 unpaid: 203 on 11 Sep, 207 on 5 Oct, 205 on 20 Nov (a 214 on 25 Nov is ignored):
    # Sep 0 (latest 203), Oct 10 000 (latest 207), Nov 0 (latest 205), 10 Dec 0
    assert disputed_ar(con, "APPR") == [0, 10_000, 0, 0]
    # dispute weight at 31 Oct: 10 000 / total AR 10 000
    (weight,) = con.execute(
        "select dispute_weight from marts.kpi_by_dimension where dimension = 'business_unit'"
        " and dimension_value = 'APPR' and as_of_date = ?", [OCT]).fetchone()
    assert weight == pytest.approx(1.0)


def test_suspension_dated_on_the_month_end_counts_until_completed(con):
    # S1 5 000: 208 suspended on 31 Oct at 18:30 (dated <= 31 Oct: counts), 209 on 4 Nov
    assert disputed_ar(con, "SUSP") == [0, 5_000, 0, 0]


def test_platform_dispute_ends_with_payment_transmitted(con):
    # T1 3 000: 207 on 10 Oct, 211 on 25 Nov (still open at 30 Nov: not disputed), paid 2 Dec
    assert disputed_ar(con, "PAYT") == [0, 3_000, 0, 0]


def test_platform_dispute_ends_with_cashed(con):
    # C1 2 000: 207 on 25 Sep, 212 on 15 Nov; the payment is booked on 3 Dec
    # Sep 2 000, Oct 2 000, Nov 0 (latest 212, open 2 000), 10 Dec 0 (settled)
    assert disputed_ar(con, "CASH") == [2_000, 2_000, 0, 0]


def test_platform_dispute_counts_its_open_amount_until_settled(con):
    # E1 4 000: 207 on 20 Oct, no later status; credit note 1 500 on 10 Nov, 2 500 paid 1 Dec
    # Oct 4 000, Nov 4 000 - 1 500 = 2 500, 10 Dec 0 (settled, latest status still 207)
    assert disputed_ar(con, "SETT") == [0, 4_000, 2_500, 0]


def test_refusal_counts_until_the_credit_note_and_the_reissue_does_not(con):
    # R1 1 000: 210 refused on 20 Oct; credit note 1 000 on 15 Nov settles it; the reissued
    # R2 1 000 (15 Nov, 203 on 16 Nov) is not disputed: Oct 1 000, Nov 0
    assert disputed_ar(con, "REFU") == [0, 1_000, 0, 0]


def test_invoice_in_the_log_and_on_the_platform_counts_once(con):
    # B1 6 000: 207 on 12 Oct and a dispute-log row opened 15 Oct, still open: 6 000, not 12 000
    assert disputed_ar(con, "BOTH") == [0, 6_000, 6_000, 6_000]
    rows = con.execute(
        "select as_of_date, open_amount::double, is_disputed, is_platform_disputed"
        " from marts.aged_balance where document_id = 'B1' and as_of_date >= ?"
        " order by as_of_date", [OCT]).fetchall()
    assert rows == [(OCT, 6_000, True, True), (NOV, 6_000, True, True),
                    (RUN_AS_OF, 6_000, True, True)]


def test_company_disputed_ar_at_month_ends(con):
    # 30 Sep: C1 2 000 (207 on 25 Sep)
    # 31 Oct: A1 10 000 + S1 5 000 + T1 3 000 + C1 2 000 + E1 4 000 + B1 6 000 + R1 1 000 = 31 000
    # 30 Nov: E1 2 500 + B1 6 000 = 8 500; 10 Dec: B1 6 000
    rows = con.execute(
        "select as_of_date, disputed_ar::double, total_ar::double from marts.kpi_monthly"
        " where as_of_date >= ? order by as_of_date", [SEP]).fetchall()
    assert [(as_of, disputed) for as_of, disputed, _ in rows] == [
        (SEP, 2_000), (OCT, 31_000), (NOV, 8_500), (RUN_AS_OF, 6_000)]
    # total AR at 31 Oct: A1 10 000 + S1 5 000 + T1 3 000 + C1 2 000 + E1 4 000 + B1 6 000
    # + R1 1 000 + N1 2 500 + M1 1 500 + M2 800 + J1 3 500 = 39 300
    assert rows[1][2] == 39_300
    (weight,) = con.execute(
        "select dispute_weight from marts.kpi_monthly where as_of_date = ?", [OCT]).fetchone()
    assert weight == pytest.approx(31_000 / 39_300)


def test_customer_profile_counts_platform_disputes(con):
    # run's date: BOTH's 6 000 (log and platform, once); SETT settled
    assert con.execute(
        "select customer_id, disputed_ar::double from marts.customer_profile"
        " where disputed_ar <> 0").fetchall() == [("BOTH", 6_000)]


# --- lifecycle dates and days -------------------------------------------------------------


def test_lifecycle_dates_and_days(con):
    rows = {row[0]: row[1:] for row in con.execute(
        "select document_id, current_status_code, made_available_at, approved_at,"
        " days_to_available, days_to_approval from marts.invoice_lifecycle").fetchall()}
    # A1 issued 10 Sep: 203 on 11 Sep (1 day), 205 on 20 Nov (20 + 31 + 20 = 71 days); the 214
    # of 25 Nov has no meaning for the KPIs: the current status stays 205
    assert rows["A1"] == (205, dt.datetime(2026, 9, 11, 8), dt.datetime(2026, 11, 20, 10), 1, 71)
    # F1 issued 1 Sep, 203 the same day at 15:00 (0 days), 205 on 8 Sep (7 days)
    assert rows["F1"][3:] == (0, 7)
    # F2 issued 10 Sep: 203 on 12 Sep (2), 205 on 30 Sep (20); F3: 203 after 1 day, never approved
    assert rows["F2"][3:] == (2, 20)
    assert rows["F3"][3:] == (1, None)
    # C1 went from 200 to 207 without a 203: no availability date, but a buyer status
    assert rows["C1"][1:4] == (None, None, None)
    # one row per invoice with a status: not P0 (June, before the platforms) nor M2 (none)
    assert sorted(rows) == ["A1", "B1", "C1", "E1", "F1", "F2", "F3", "J1", "M1", "N1", "N2",
                            "R1", "R2", "S1", "T1"]


def test_lifecycle_by_month_funnel_of_september(con):
    row = con.execute(
        "select invoices_issued, invoices_with_status, coverage, deposited, made_available,"
        " approved, disputed, cashed, avg_days_to_available, avg_days_to_approval,"
        " median_days_to_approval from marts.lifecycle_by_month"
        " where month = ? and dimension = 'company'", [SEP]).fetchone()
    # invoices of September: A1 B1 C1 E1 F1 F2 F3 M1 M2 N1 N2 T1 = 12; all but M2 have statuses
    # deposited: the 11; made available (203): all but C1 and M1, N1 = 8; approved: A1 F1 F2 = 3;
    # disputed (206/207): A1 B1 C1 E1 T1 = 5; cashed: C1 = 1
    assert row[:8] == (12, 11, pytest.approx(11 / 12), 11, 8, 3, 5, 1)
    # days to 203: A1 1, B1 1, E1 1, F1 0, F2 2, F3 1, N2 1, T1 1 -> 8 / 8 = 1.0
    # days to 205: A1 71, F1 7, F2 20 -> mean 98 / 3, median 20
    assert row[8:] == pytest.approx((1.0, 98 / 3, 20))
    # no month before the first invoice with a status (1 Sep): P0 of June is not in the funnel
    (first_month,) = con.execute("select min(month) from marts.lifecycle_by_month").fetchone()
    assert first_month == SEP


def test_lifecycle_reasons_next_to_the_dispute_log(con):
    rows = con.execute(
        "select source, status_code, reason, requested_action, invoices, amount::double"
        " from marts.lifecycle_reasons where month = ? order by source, status_code, reason",
        [OCT]).fetchall()
    assert rows == [
        # the log: B1's dispute opened 15 Oct
        ("dispute_log", None, "wrong_price", None, 1, 6_000),
        # 207 in October: A1 10 000 + B1 6 000 + E1 4 000 (unit price, partial credit note);
        # T1 3 000 (quantity, no action)
        ("lifecycle", 207, "PU_ERR", "CNP", 3, 20_000),
        ("lifecycle", 207, "QTE_ERR", "NOA", 1, 3_000),
        ("lifecycle", 208, "JUSTIF_ABS", "PIN", 1, 5_000),
        ("lifecycle", 210, "CMD_ERR", "NIN", 1, 1_000),
        ("lifecycle", 213, "REJ_SEMAN", "NIN", 1, 3_500),
    ]


def test_coverage_and_platform_disputes_missing_from_the_log(con):
    rows = {row[0]: row[1:] for row in con.execute(
        "select customer_id, invoices_issued, invoices_with_status, coverage,"
        " optional_statuses_seen, platform_disputes, platform_disputes_not_in_log"
        " from marts.lifecycle_coverage_by_customer").fetchall()}
    # PRE's only invoice has no status: no row
    assert "PRE" not in rows
    # MANDONLY: M1 (200 only) and M2 (none): coverage 1 / 2, no optional status
    assert rows["MANDONLY"] == (2, 1, 0.5, 0, 0, 0)
    # APPR: 203, 205 and 207 are optional (the 214 is not a lifecycle code of the KPIs);
    # its 207 never reached the dispute log: the warning
    assert rows["APPR"] == (1, 1, 1.0, 3, 1, 1)
    # BOTH: the 207 is in the log too
    assert rows["BOTH"][4:] == (1, 0)


# --- what the collector sees --------------------------------------------------------------


def test_open_items_carry_the_latest_status_and_the_flags(con):
    def item(document_id, as_of):
        return con.execute(
            "select lifecycle_status_code, lifecycle_status_at, never_made_available, is_rejected"
            " from marts.aged_balance where document_id = ? and as_of_date = ?",
            [document_id, as_of]).fetchone()

    # S1: the suspension of 31 Oct 18:30 at 31 Oct, the completion of 4 Nov at 30 Nov
    assert item("S1", OCT) == (208, dt.datetime(2026, 10, 31, 18, 30), False, False)
    assert item("S1", NOV)[0] == 209
    # N1: deposited only, while NEVER's platform made N2 available on 2 Sep: never received
    assert item("N1", SEP) == (200, dt.datetime(2026, 9, 15, 9), True, False)
    # M1: deposited only, but MANDONLY's platform never sends a 203: nothing proven
    assert item("M1", RUN_AS_OF)[2] is False
    # J1: rejected 3 hours after its deposit
    assert item("J1", OCT) == (213, dt.datetime(2026, 10, 2, 3, 7), False, True)
    # an invoice without status: no status, no flag
    assert item("M2", OCT) == (None, None, False, False)


def test_worklist_says_not_to_chase_what_was_never_received_or_rejected(con):
    rows = dict(con.execute(
        "select customer_id, reason from marts.collection_worklist"
        " where customer_id in ('NEVER', 'REJ')").fetchall())
    # N1 2 500 due 15 Oct: 56 days past due at 10 Dec; nothing left to chase, so priority 0: the
    # last ranks with the disputed BOTH
    assert rows["NEVER"] == (
        "EUR 2,500 overdue, oldest 56 days, 1 overdue invoice never made available (EUR 2,500):"
        " do not chase, never received, risk grade A")
    # J1 3 500 due 31 Oct: 40 days past due
    assert rows["REJ"] == (
        "EUR 3,500 overdue, oldest 40 days, 1 overdue invoice rejected by the platform"
        " (EUR 3,500): reissue, risk grade A")
    last_ranks = con.execute(
        "select customer_id from marts.collection_worklist where priority_score = 0"
        " order by priority_rank").fetchall()
    # ties on priority 0 are ranked by overdue amount: BOTH 6 000, REJ 3 500, NEVER 2 500
    assert last_ranks == [("BOTH",), ("REJ",), ("NEVER",)]

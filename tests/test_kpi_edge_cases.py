"""The KPI engine (dbt_project/) on a hand-made book: the contract's two worked examples
and the edge cases of CONTRACT.md section 3, one customer each (tests/kpi_fixtures/).

One dbt build serves every assertion. Each customer's business_unit is its own id, so the
'business_unit' rows of kpi_by_dimension are that customer's KPIs.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest
from kpi_fixtures.edge_case_book import RUN_AS_OF, create_book

from credit_scoreboard.transform import TransformError, build_models, generate_docs

D = dt.date


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    database = tmp_path_factory.mktemp("kpi") / "edge_cases.duckdb"
    create_book(database)
    build_models(database, RUN_AS_OF)  # raises TransformError if any dbt test fails
    return database


@pytest.fixture
def con(warehouse):
    """Read-only, per test: dbt (test_generate_docs) cannot open the file while it is held."""
    connection = duckdb.connect(str(warehouse), read_only=True)
    yield connection
    connection.close()


def case_kpis(con, customer_id: str, as_of: dt.date, columns: str) -> tuple:
    """KPIs of one customer (its business_unit) at one as-of date."""
    row = con.execute(
        f"select {columns} from marts.kpi_by_dimension where dimension = 'business_unit'"
        " and dimension_value = ? and as_of_date = ?",
        [customer_id, as_of],
    ).fetchone()
    assert row is not None, (customer_id, as_of)
    return tuple(float(value) if value is not None else None for value in row)


def aged_rows(con, customer_id: str, as_of: dt.date) -> list[tuple]:
    return con.execute(
        "select document_id, days_past_due, aging_bucket, open_amount::double, is_disputed"
        " from marts.aged_balance where customer_id = ? and as_of_date = ?"
        " order by document_id nulls last",
        [customer_id, as_of],
    ).fetchall()


def profile(con, customer_id: str, columns: str) -> tuple:
    return con.execute(
        f"select {columns} from marts.customer_profile where customer_id = ?", [customer_id]
    ).fetchone()


# --- as-of dates and company totals ------------------------------------------------------


def test_as_of_dates_are_month_ends_from_first_document_month_plus_run_date(con):
    dates = [row[0] for row in con.execute(
        "select as_of_date from marts.kpi_monthly order by as_of_date").fetchall()]
    # first document: S0 on 15 Jan 2023 -> 31 Jan 2023 .. 30 Apr 2025 (28 month ends) + 10 May
    assert dates[0] == D(2023, 1, 31)
    assert dates[-2:] == [D(2025, 4, 30), D(2025, 5, 10)]
    assert len(dates) == 29


def test_company_total_ar_at_run_date(con):
    # CB 250 000 + PART 500 - CNBIG 500 + DUEON 800 + NOSALES 500 + NOLIMIT 36 500
    # + LEAP 100 000 + NEGMONTH 5 000 + STOP24 102 600 + LEGAL 4 000 + U2 1 500 = 500 900;
    # + OLD180 60 000 + COVER180 (60 000 - 70 000) + LITIG 2 000 + TWODISP 2 000 = 554 900
    (total_ar,) = con.execute(
        "select total_ar from marts.kpi_monthly where as_of_date = ?", [RUN_AS_OF]).fetchone()
    assert float(total_ar) == 554_900


def test_aged_balance_sums_to_total_ar_at_every_as_of_date(con):
    mismatches = con.execute(
        """
        select kpi.as_of_date from marts.kpi_monthly as kpi
        left join (select as_of_date, sum(open_amount) as aged from marts.aged_balance
                   group by as_of_date) as aged using (as_of_date)
        where kpi.total_ar <> coalesce(aged.aged, 0)
        """
    ).fetchall()
    assert mismatches == []


# --- the contract's worked examples ------------------------------------------------------


def test_contract_countback_example(con):
    # AR 31 Mar 2025 = 310 000 invoiced - 60 000 paid = 250 000; sales March 120 000,
    # February 90 000, January 100 000: 31 + 28 + 40 000 / 100 000 x 31 = 71.4
    total_ar, countback, months, dso_simple = case_kpis(
        con, "CB", D(2025, 3, 31), "total_ar, dso_countback, countback_months, dso_simple")
    assert total_ar == 250_000
    assert countback == pytest.approx(71.4, abs=1e-9)
    assert months == 3
    # simple DSO: sales in (31 Dec, 31 Mar] = 310 000 -> 250 000 / 310 000 x 90 = 72.58
    assert dso_simple == pytest.approx(250_000 / 310_000 * 90)


def test_contract_dmp_example(con):
    # A 10 000: 70 d to pay, 60 terms, 10 beyond; B 2 000: 44, 44, 0; C 8 000: 91, 60, 31
    # dmp = (700 000 + 88 000 + 728 000) / 20 000 = 75.8; terms 58.4; beyond 17.4
    assert case_kpis(con, "DMP", RUN_AS_OF,
                     "dmp_days, contract_terms_days, avg_days_beyond_terms") == pytest.approx(
        (75.8, 58.4, 17.4), abs=1e-9)
    # 30 April: only A and B settled: 788 000 / 12 000, 688 000 / 12 000, 100 000 / 12 000
    assert case_kpis(con, "DMP", D(2025, 4, 30),
                     "dmp_days, contract_terms_days, avg_days_beyond_terms") == pytest.approx(
        (788_000 / 12_000, 688_000 / 12_000, 100_000 / 12_000))
    assert profile(con, "DMP", "dmp_days_12m, contract_terms_days_12m, avg_days_beyond_terms_12m"
                   ) == pytest.approx((75.8, 58.4, 17.4))


# --- open amounts and the aged balance ---------------------------------------------------


def test_partial_payments(con):
    # P1 1 000 due 3 Mar; 300 paid 20 Feb, 200 paid 10 Mar
    assert aged_rows(con, "PART", D(2025, 2, 28)) == [("P1", -3, "not_due", 700.0, False)]
    assert aged_rows(con, "PART", D(2025, 3, 31)) == [("P1", 28, "1-30", 500.0, False)]
    assert aged_rows(con, "PART", D(2025, 4, 30)) == [("P1", 58, "31-60", 500.0, False)]
    # CEI March: (opening 700 + sales 0 - AR 500) / (700 + 0 - not due 0) x 100 = 28.57
    assert case_kpis(con, "PART", D(2025, 3, 31), "cei") == pytest.approx((200 / 700 * 100,))


def test_credit_note_larger_than_its_invoice(con):
    # CNB1 1 000, credit note 1 500 on 5 Feb: open 0, the 500 excess is unapplied
    assert aged_rows(con, "CNBIG", D(2025, 1, 31)) == [("CNB1", -14, "not_due", 1000.0, False)]
    assert aged_rows(con, "CNBIG", D(2025, 2, 28)) == [(None, None, "unapplied", -500.0, False)]
    assert case_kpis(con, "CNBIG", D(2025, 2, 28), "total_ar, overdue_ar") == (-500.0, 0.0)
    # settled by the credit note on 5 Feb: 21 days to pay, 30 terms, -9 beyond
    assert profile(con, "CNBIG", "dmp_days_12m, contract_terms_days_12m, "
                   "avg_days_beyond_terms_12m") == pytest.approx((21, 30, -9))


def test_unapplied_cash(con):
    # 2 000 received on account on 5 Mar: UA1 stays open and overdue, the cash is unapplied
    assert aged_rows(con, "UNAPP", D(2025, 3, 31)) == [
        ("UA1", 19, "1-30", 2000.0, False), (None, None, "unapplied", -2000.0, False)]
    # total_ar 0: overdue 2 000, not due -2 000, and the ratios over total_ar are NULL
    assert case_kpis(con, "UNAPP", D(2025, 3, 31),
                     "total_ar, overdue_ar, not_due_ar, overdue_rate, dispute_weight") == (
        0.0, 2000.0, -2000.0, None, None)


def test_payment_dated_before_its_invoice(con):
    # 500 paid 25 Mar for PP1 issued 5 Apr: unapplied at 31 Mar, nothing open at 30 Apr
    assert aged_rows(con, "PREPAY", D(2025, 3, 31)) == [(None, None, "unapplied", -500.0, False)]
    assert aged_rows(con, "PREPAY", D(2025, 4, 30)) == []
    assert case_kpis(con, "PREPAY", D(2025, 3, 31), "total_ar") == (-500.0,)
    assert case_kpis(con, "PREPAY", D(2025, 4, 30), "total_ar") == (0.0,)
    # settled on the payment's date: 25 Mar - 5 Apr = -11 days, terms 30, beyond -41
    assert profile(con, "PREPAY", "dmp_days_12m, contract_terms_days_12m, "
                   "avg_days_beyond_terms_12m") == pytest.approx((-11, 30, -41))


def test_invoice_due_on_the_as_of_date_is_not_due(con):
    # DO1 800 due 31 Mar: 0 days past due on 31 Mar -> not due
    assert aged_rows(con, "DUEON", D(2025, 3, 31)) == [("DO1", 0, "not_due", 800.0, False)]
    assert case_kpis(con, "DUEON", D(2025, 3, 31), "overdue_ar, not_due_ar") == (0.0, 800.0)
    assert aged_rows(con, "DUEON", D(2025, 4, 30)) == [("DO1", 30, "1-30", 800.0, False)]


def test_payment_after_the_as_of_date_does_not_count(con):
    # DO1 is paid on 20 May, after the run's as-of date (10 May): still open then
    assert aged_rows(con, "DUEON", RUN_AS_OF) == [("DO1", 40, "31-60", 800.0, False)]
    assert profile(con, "DUEON", "total_ar::double, dmp_days_12m") == (800.0, None)
    statement = con.execute(
        "select entry_id, running_balance::double from marts.account_statement"
        " where customer_id = 'DUEON' order by entry_date").fetchall()
    assert statement == [("DO1", 800.0)]
    # PART's 10 Mar payment does not count at 28 Feb (see test_partial_payments: 700 open)


def test_late_payment_penalties(con):
    # 30 Apr: DO1 800, 30 days late; first day late 1 Apr 2025 -> ECB rate of H1 2025, 3.15%
    # interest 800 x 13.15% x 30 / 365 = 8.6466, + 40 EUR indemnity = 48.6466
    interest, indemnities, total = con.execute(
        "select penalty_interest, recovery_indemnities, total_penalties"
        " from marts.late_payment_penalties where customer_id = 'DUEON' and as_of_date = ?",
        [D(2025, 4, 30)]).fetchone()
    assert float(interest) == pytest.approx(800 * 0.1315 * 30 / 365)
    assert float(indemnities) == 40
    assert float(total) == pytest.approx(800 * 0.1315 * 30 / 365 + 40)
    assert case_kpis(con, "DUEON", D(2025, 4, 30), "late_payment_penalties") == pytest.approx(
        (800 * 0.1315 * 30 / 365 + 40,))


# --- disputes ----------------------------------------------------------------------------


def test_dispute_open_across_month_ends(con):
    # DS1 on DI1 (3 000) opened 20 Jan, closed 10 Mar: disputed at 31 Jan and 28 Feb only.
    # DS2 on DI2 closed on 28 Feb itself: no longer open at 28 Feb.
    assert aged_rows(con, "DISP", D(2025, 1, 31)) == [("DI1", -4, "not_due", 3000.0, True)]
    assert aged_rows(con, "DISP", D(2025, 2, 28)) == [
        ("DI1", 24, "1-30", 3000.0, True), ("DI2", -3, "not_due", 1000.0, False)]
    # dispute weight 28 Feb: 3 000 / (3 000 + 1 000) = 0.75
    assert case_kpis(con, "DISP", D(2025, 2, 28), "disputed_ar, dispute_weight") == (3000.0, 0.75)
    assert case_kpis(con, "DISP", D(2025, 3, 31), "disputed_ar") == (0.0,)


def test_dispute_analysis_flows_and_stock(con):
    rows = con.execute(
        "select as_of_date, reason, opened, closed, open_count, open_amount::double,"
        " avg_resolution_days, overdue_amount_in_dispute::double from marts.dispute_analysis"
        " where as_of_date between '2025-01-31' and '2025-03-31' order by reason, as_of_date"
    ).fetchall()
    assert rows == [
        # billing_error: opened 10 Feb and closed 28 Feb (18 days)
        (D(2025, 1, 31), "billing_error", 0, 0, 0, 0.0, None, 0.0),
        (D(2025, 2, 28), "billing_error", 1, 1, 0, 0.0, 18.0, 0.0),
        (D(2025, 3, 31), "billing_error", 0, 0, 0, 0.0, None, 0.0),
        # defective_goods: opened 20 Jan, closed 10 Mar (49 days); DI1 overdue on 28 Feb
        (D(2025, 1, 31), "defective_goods", 1, 0, 1, 3000.0, None, 0.0),
        (D(2025, 2, 28), "defective_goods", 0, 0, 1, 3000.0, None, 3000.0),
        (D(2025, 3, 31), "defective_goods", 0, 1, 0, 0.0, 49.0, 0.0),
    ]


# --- promises ----------------------------------------------------------------------------


def test_superseded_promise(con):
    # K1 (3 Mar, by 10 Mar, matures 13 Mar) is superseded by K2 made on 8 Mar < 13 Mar;
    # K2 (by 20 Mar, matures 23 Mar) is kept by the 900 paid on 18 Mar
    promises = con.execute(
        "select call_id, promise_status, superseded_by_call_id, paid_amount::double"
        " from marts.promises where customer_id = 'PROMSUP' order by call_id").fetchall()
    assert promises == [("K1", "superseded", "K2", 0.0), ("K2", "kept", None, 900.0)]
    # March: 2 calls, both right-party, both promises; 1 matured (K2), 1 kept -> 1.0
    # (counting K1 as broken would give 0.5)
    assert case_kpis(con, "PROMSUP", D(2025, 3, 31),
                     "calls, right_party_contact_rate, promise_rate, promise_kept_rate") == (
        2.0, 1.0, 1.0, 1.0)


def test_partly_paid_promise_is_broken(con):
    # K3: 1 000 by 10 Apr (matures 13 Apr); 600 paid 8 Apr, 400 on 14 Apr (too late):
    # matured and paid short -> broken (paid_amount says how much came)
    promise = con.execute(
        "select promise_status, paid_amount::double, is_kept, is_matured from marts.promises"
        " where call_id = 'K3'").fetchone()
    assert promise == ("broken", 600.0, False, True)
    assert case_kpis(con, "PROMPART", D(2025, 4, 30), "promise_kept_rate") == (0.0,)


def test_promise_paid_in_full_before_it_matures_is_kept(con):
    # KE: 1 500 by 15 May (judged 18 May, after the run date 10 May), 1 500 paid 6 May: kept at
    # once (no longer "pending"); not matured yet, so not in a kept rate
    promise = con.execute(
        "select promise_status, paid_amount::double, is_kept, is_matured, customer_name, segment"
        " from marts.promises where call_id = 'KE'").fetchone()
    assert promise == ("kept", 1500.0, True, False, "Customer KEPTEARLY", "SME")
    assert con.execute("select promise_status from marts.calls where call_id = 'KE'"
                       ).fetchone() == ("kept",)
    # a call that is not a promise has no promise status
    assert con.execute("select promise_status from marts.calls where call_id = 'CA'"
                       ).fetchone() == (None,)


# --- DSO edge cases ----------------------------------------------------------------------


def test_zero_sales_window_gives_null_dso(con):
    # NOSALES: 500 invoiced in Oct 2024, nothing since: no sales in (31 Dec, 31 Mar]
    assert case_kpis(con, "NOSALES", D(2025, 3, 31),
                     "total_ar, sales_window, dso_simple, best_possible_dso, "
                     "average_days_delinquent, dso_countback, overdue_rate") == (
        500.0, 0.0, None, None, None, None, 1.0)


def test_countback_over_a_leap_year_february(con):
    # AR 31 Mar 2024 = 122 000 - 22 000 = 100 000; March 31 000 -> R 69 000 (31 days);
    # February 2024 29 000 -> R 40 000 (29 days); January 62 000: 40 000 / 62 000 x 31 = 20
    assert case_kpis(con, "LEAP", D(2024, 3, 31), "total_ar, dso_countback") == pytest.approx(
        (100_000, 31 + 29 + 20))


def test_countback_stops_at_a_month_with_negative_net_sales(con):
    # AR 5 000; March sales 1 000 -> R 4 000; February net -200 (credit note only): NULL
    assert case_kpis(con, "NEGMONTH", D(2025, 3, 31),
                     "total_ar, dso_countback, dso_simple") == (5000.0, None, 90.0)


def test_countback_stops_after_24_months(con):
    # AR 102 600 against 100 of sales a month: not exhausted after 24 months -> NULL
    assert case_kpis(con, "STOP24", D(2025, 3, 31), "total_ar, dso_countback, dso_simple") == (
        102_600.0, None, pytest.approx(102_600 / 300 * 90))
    # in its first month, 100 000 of AR against 100 000 of sales: 31 days
    assert case_kpis(con, "STOP24", D(2023, 1, 31), "dso_countback") == (31.0,)


# --- limits, financing, legal terms -------------------------------------------------------


def test_credit_limits(con):
    # CB: AR 250 000 over its 200 000 limit by 50 000; NOLIMIT has no limit at all
    assert case_kpis(con, "CB", D(2025, 3, 31), "customers_over_limit, over_limit_amount") == (
        1.0, 50_000.0)
    assert case_kpis(con, "NOLIMIT", D(2025, 4, 30), "customers_over_limit") == (0.0,)
    assert profile(con, "NOLIMIT", "credit_limit, credit_limit_use, is_over_limit") == (
        None, None, False)


def test_financing_cost(con):
    # 36 500 carried every day of April: 36 500 x 4% x 30 / 365 = 120;
    # 1-10 May: 36 500 x 4% x 10 / 365 = 40
    assert case_kpis(con, "NOLIMIT", D(2025, 4, 30), "financing_cost") == pytest.approx((120,))
    assert case_kpis(con, "NOLIMIT", RUN_AS_OF, "financing_cost") == pytest.approx((40,))


def test_terms_beyond_legal_caps(con):
    # LT1 1 Feb due 17 Apr: beyond 1 Apr (60 days) and 14 Apr (45 days end of month);
    # LT2 20 Feb due 14 Apr: within 28 Feb + 45 days. 1 of 2 invoices, 1 000 of 4 000
    assert case_kpis(con, "LEGAL", D(2025, 2, 28),
                     "invoices_issued, invoices_beyond_legal_terms, legal_terms_breach_share, "
                     "legal_terms_breach_amount_share") == (2.0, 1.0, 0.5, 0.25)


# --- reminder effectiveness and uplift ----------------------------------------------------


def test_call_uplift(con):
    # 28 Feb: U1 and U2 owe 2 000, 14 days past due, grade A. U1 is called on 5 Mar and pays
    # 2 000 by 30 Mar (outcome 1); U2 is not called and pays 500 (outcome 0.25).
    # PROMSUP (900, called 3 Mar, outcome 1) has no uncalled match that month.
    # Month 28 Feb: uplift = 1 - 0.25 = 0.75 over 1 matched unit of 2 called.
    month = con.execute(
        "select treated_units, matched_treated_units, uplift from marts.call_uplift"
        " where period = 'month' and as_of_date = '2025-02-28'").fetchone()
    assert month == (2, 1, pytest.approx(0.75))
    # Overall, strata pool all month ends: (1-30, 1k-10k, A) has U2 (0.25) and UNAPP at 31 Mar
    # (0) uncalled -> 1 - 0.125 = 0.875; (1-30, <1k, A) has PART at 31 Mar and NOSALES at
    # 30 Nov 2024 (0 each) -> 1 - 0 = 1. Uplift = (0.875 + 1) / 2 = 0.9375
    overall = con.execute(
        "select treated_units, matched_treated_units, uplift from marts.call_uplift"
        " where period = 'overall'").fetchone()
    assert overall == (2, 2, pytest.approx(0.9375))


def test_reminder_effectiveness_attributes_uplift_to_the_first_call(con):
    row = con.execute(
        "select calls, right_party_contacts, collected_7d::double, collected_30d::double,"
        " uplift_treated_units, uplift from marts.reminder_effectiveness"
        " where month = '2025-03-01' and collector_id = 'COL_U' and stage = 'level_1'"
        " and channel = 'phone'").fetchone()
    # KU1 on 5 Mar; U1 pays 2 000 on 10 Mar (within 7 days)
    assert row == (1, 1, 2000.0, 2000.0, 1, pytest.approx(0.75))


def test_each_payment_is_counted_once_for_the_latest_call_before_it(con):
    # TWOCALLS is called on 20 Apr (CA) and 30 Apr (CB), 10 days apart, and pays 5 000 on 2 May:
    # for CB only (2 days: 7d and 30d), nothing for CA (12 days; the old rule counted it twice).
    # LATEPAY is called on 25 Apr (LC) and pays 800 on 7 May: 12 days, in 30d but not in 7d.
    # KEPTEARLY is called on 2 May (KE) and pays 1 500 on 6 May: 4 days.
    calls = con.execute(
        "select call_id, collected_7d::double, collected_30d::double from marts.calls"
        " where call_id in ('CA', 'CB', 'LC', 'KE') order by call_id").fetchall()
    assert calls == [("CA", 0.0, 0.0), ("CB", 5000.0, 5000.0), ("KE", 1500.0, 1500.0),
                     ("LC", 0.0, 800.0)]
    # April, COL_T, level 1, phone: CA, CB, LC: 7d 5 000; 30d 5 000 + 800 = 5 800 (was 10 800)
    row = con.execute(
        "select calls, collected_7d::double, collected_30d::double"
        " from marts.reminder_effectiveness where month = '2025-04-01' and collector_id = 'COL_T'"
        " and stage = 'level_1' and channel = 'phone'").fetchone()
    assert row == (3, 5000.0, 5800.0)


# --- reconcile before chasing, risk-grade floor, the credit manager's lists ----------------


def test_customer_whose_overdue_is_covered_by_its_own_cash_is_to_reconcile(con):
    # COVER180: CV1 60 000 due 1 Oct 2024, 70 000 received on account on 15 Oct 2024 and never
    # allocated: 60 000 overdue <= 70 000 -> to reconcile (60 000); the cash is 207 days old
    # (10 May 2025 - 15 Oct 2024); covered, the old item gives no risk points: grade A
    assert profile(con, "COVER180",
                   "is_to_reconcile, amount_to_reconcile::double, unapplied_cash_amount::double,"
                   " oldest_unapplied_cash_days, oldest_uncovered_days_past_due, risk_grade,"
                   " risk_floor_applied") == (True, 60_000.0, 70_000.0, 207, None, "A", False)
    assert case_kpis(con, "COVER180", RUN_AS_OF,
                     "unapplied_cash_amount, unapplied_credit_notes_amount,"
                     " unapplied_cash_age_days, customers_to_reconcile, amount_to_reconcile") == (
        70_000.0, 0.0, 207.0, 1.0, 60_000.0)
    # off the worklist; UNAPP (2 000 overdue, 2 000 on account) too; OLD180 is on it
    worklist = [row[0] for row in con.execute(
        "select customer_id from marts.collection_worklist").fetchall()]
    assert "COVER180" not in worklist and "UNAPP" not in worklist and "OLD180" in worklist
    # company: cash UNAPP 2 000 + COVER180 70 000; credit notes CNBIG 500 (beyond its invoice)
    # + NEGMONTH 200 (names no invoice); age (2 000 x 66 + 70 000 x 207) / 72 000 = 203.08 days
    assert con.execute(
        "select unapplied_cash_amount::double, unapplied_credit_notes_amount::double,"
        " unapplied_cash_age_days, customers_to_reconcile, amount_to_reconcile::double,"
        " unapplied_amount::double from marts.kpi_monthly where as_of_date = ?", [RUN_AS_OF]
    ).fetchone() == (72_000.0, 700.0, pytest.approx((2_000 * 66 + 70_000 * 207) / 72_000),
                     2, 62_000.0, -72_700.0)


def test_risk_grade_floor(con):
    # OLD180: O1 60 000, 221 days past due, no unapplied cash; paid O2 on 20 Apr (20 days ago,
    # 11 days early): oldest item > 90 days = 2 points -> B; floor -> C
    grade = profile(con, "OLD180", "risk_points, risk_grade, risk_floor_applied, risk_reasons")
    assert grade == (2, "C", True,
                     "oldest overdue item 221 days past due; EUR 60,000 more than 180 days past"
                     " due, not covered by unapplied cash: grade at least C")
    # LITIG: 2 000 overdue 40 days, a litigation letter on 5 May: 0 points (A) -> floor C
    assert profile(con, "LITIG", "risk_points, risk_grade, risk_floor_applied, risk_reasons,"
                   " last_litigation_call_date") == (
        0, "C", True, "in litigation (call of 5 May 2025): grade at least C", D(2025, 5, 5))
    reason_fr = profile(con, "OLD180", "risk_reasons_fr")[0]
    assert "60\u202f000 EUR échus depuis plus de 180 jours" in reason_fr


def test_worklist_reason_in_words_and_collector_queue(con):
    rows = con.execute(
        "select customer_id, collector_id, priority_rank, collector_rank, reason, reason_fr"
        " from marts.collection_worklist where collector_id = 'COL_T' order by collector_rank"
    ).fetchall()
    # COL_T's queue: OLD180 (60 000, 221 days), LITIG (2 000, 40 days) ... numbered from 1
    assert [row[3] for row in rows] == list(range(1, len(rows) + 1))
    assert rows[0][:2] == ("OLD180", "COL_T")
    assert rows[0][4] == "EUR 60,000 overdue, oldest 221 days, risk grade C"
    assert rows[0][5] == "60\u202f000 EUR échus, le plus ancien à 221 jours, note de risque C"


def test_open_disputes_explain_disputed_ar(con):
    # DD1 (2 000) is named by DS3 (500) and DS4 (300): the list's disputed amounts total 800,
    # disputed_ar counts the invoice's open amount once: 2 000
    rows = con.execute(
        "select dispute_id, age_days, disputed_amount::double, invoice_open_amount::double,"
        " counts_in_disputed_ar, status from marts.open_disputes where as_of_date = ?"
        " order by dispute_id", [RUN_AS_OF]).fetchall()
    assert rows == [("DS3", 30, 500.0, 2000.0, True, "open"),
                    ("DS4", 20, 300.0, 2000.0, False, "open")]
    assert case_kpis(con, "TWODISP", RUN_AS_OF, "disputed_ar, open_disputes") == (2000.0, 2.0)
    # DS1 closed on 10 Mar: open at 28 Feb, and in the dispute list as resolved after 49 days
    assert con.execute("select status, resolution_days from marts.disputes"
                       " where dispute_id = 'DS1'").fetchone() == ("resolved", 49)
    assert con.execute("select count(*) from marts.open_disputes where dispute_id = 'DS1'"
                       " and as_of_date = '2025-02-28'").fetchone() == (1,)


def test_customer_profile_history_reads_nothing_after_its_date(con):
    # UNAPP at 31 Mar: 2 000 overdue covered by the 2 000 received on 5 Mar (26 days old)
    history = con.execute(
        "select is_to_reconcile, unapplied_cash_amount::double, oldest_unapplied_cash_days,"
        " total_ar::double from marts.customer_profile_history"
        " where customer_id = 'UNAPP' and as_of_date = '2025-03-31'").fetchone()
    assert history == (True, 2000.0, 26, 0.0)
    # DUEON is paid on 20 May, after the run date: open at every as-of date, no settlement
    assert con.execute(
        "select count(*) filter (where dmp_days_12m is not null)"
        " from marts.customer_profile_history where customer_id = 'DUEON'").fetchone() == (0,)
    # customer_profile is the run date's rows of the history, column for column
    assert con.execute(
        "select count(*) from (select * from marts.customer_profile_history"
        " where as_of_date = ? except select * from marts.customer_profile)", [RUN_AS_OF]
    ).fetchone() == (0,)


def test_aging_buckets_come_from_the_seed_one_file(con, warehouse, tmp_path, monkeypatch):
    from credit_scoreboard import settings

    buckets = con.execute("select bucket from marts.aging_buckets order by sort_order").fetchall()
    assert [row[0] for row in buckets] == ["not_due", "1-30", "31-60", "61-90", "91-120", ">120",
                                           "unapplied"]
    # Moving a boundary is a change to seeds/aging_buckets.csv only: 91-120 and >120 become
    # 91-180 and >180 (DUEON's DO1 is 40 days past due at the run date, O1 221 days)
    project = tmp_path / "dbt_project"
    shutil.copytree(settings.DBT_PROJECT_DIR, project,
                    ignore=shutil.ignore_patterns("target", "logs"))
    seed = project / "seeds" / "aging_buckets.csv"
    seed.write_text(seed.read_text(encoding="utf-8")
                    .replace("91-120,91,120,91-120 days,91 à 120 jours",
                             "91-180,91,180,91-180 days,91 à 180 jours")
                    .replace(">120,121,,Over 120 days,Plus de 120 jours",
                             ">180,181,,Over 180 days,Plus de 180 jours"), encoding="utf-8")
    monkeypatch.setattr(settings, "DBT_PROJECT_DIR", project)
    rebuilt = tmp_path / "rebuilt.duckdb"
    shutil.copyfile(warehouse, rebuilt)
    build_models(rebuilt, RUN_AS_OF, select="+aged_balance aging_buckets")
    with duckdb.connect(str(rebuilt), read_only=True) as rebuilt_con:
        assert rebuilt_con.execute(
            "select document_id, aging_bucket from marts.aged_balance where as_of_date = ?"
            " and document_id in ('DO1', 'O1', 'CV1') order by document_id", [RUN_AS_OF]
        ).fetchall() == [("CV1", ">180"), ("DO1", "31-60"), ("O1", ">180")]


def test_the_retired_bucket_var_fails_the_build_with_a_clear_message(tmp_path):
    database = tmp_path / "var.duckdb"
    create_book(database)
    with pytest.raises(TransformError) as failure:
        build_models(database, RUN_AS_OF, select="stg_erp__invoices",
                     vars={"aging_bucket_boundaries": [30, 60, 90]})
    assert "seeds/aging_buckets.csv" in str(failure.value)
    assert "aging_bucket_boundaries" in str(failure.value)


# --- documentation and the runner --------------------------------------------------------


def test_column_definitions_are_persisted_as_comments(con):
    comments = dict(con.execute(
        "select column_name, comment from duckdb_columns()"
        " where schema_name = 'marts' and table_name = 'kpi_monthly'").fetchall())
    assert comments["dso_countback"].startswith("DSO, countback")
    assert all(comments.values()), [name for name, text in comments.items() if not text]


def test_generate_docs(warehouse):
    target = generate_docs(warehouse, RUN_AS_OF)
    assert (target / "catalog.json").exists() and (target / "index.html").exists()


def test_failed_dbt_test_raises_one_line_transform_error(tmp_path):
    database = tmp_path / "bad.duckdb"
    create_book(database)
    with duckdb.connect(str(database)) as bad:
        bad.execute("update raw.invoices set document_type = 'proforma' where document_id = 'A'")
    with pytest.raises(TransformError) as failure:
        build_models(database, RUN_AS_OF, select="stg_erp__invoices")
    message = str(failure.value)
    assert "\n" not in message
    assert "accepted_values_stg_erp__invoices_document_type" in message


def test_dbt_runs_under_the_pipelines_memory_limit(tmp_path, monkeypatch):
    """dbt's connections get CREDIT_SCOREBOARD_DUCKDB_MEMORY_LIMIT too (its profile reads
    it): at 1 MB even the staging build runs out of memory, and says so."""
    database = tmp_path / "capped.duckdb"
    create_book(database)
    monkeypatch.setenv("CREDIT_SCOREBOARD_DUCKDB_MEMORY_LIMIT", "1MB")
    with pytest.raises(TransformError, match="(?i)out of memory|memory limit"):
        build_models(database, RUN_AS_OF, select="+int_customer_ledger_entries")
    monkeypatch.delenv("CREDIT_SCOREBOARD_DUCKDB_MEMORY_LIMIT")
    build_models(database, RUN_AS_OF, select="+int_customer_ledger_entries")  # 25% by default


def test_dbt_builds_one_model_at_a_time_on_large_books(tmp_path, monkeypatch):
    from credit_scoreboard import transform

    database = tmp_path / "book.duckdb"
    create_book(database)
    with duckdb.connect(str(database)) as con:
        ledger_rows = con.execute("select (select count(*) from raw.invoices)"
                                  " + (select count(*) from raw.payments)").fetchone()[0]
    assert transform._threads(database) == 2
    monkeypatch.setattr(transform, "LARGE_BOOK_LEDGER_ROWS", ledger_rows - 1)
    assert transform._threads(database) == 1
    monkeypatch.setenv("CREDIT_SCOREBOARD_DBT_THREADS", "3")
    assert transform._threads(database) == 3


def test_invariant_tests_fail_on_a_tampered_warehouse(warehouse, tmp_path):
    tampered = tmp_path / "tampered.duckdb"
    shutil.copyfile(warehouse, tampered)
    with duckdb.connect(str(tampered)) as bad:
        bad.execute("update marts.aged_balance set open_amount = open_amount + 1"
                    " where document_id = 'P1'")
        bad.execute("update marts.kpi_by_dimension set dmp_days = dmp_days + 1")
        bad.execute("update marts.kpi_monthly set overdue_ar = total_ar + 1000000")
        bad.execute("update marts.kpi_by_dimension set calls = calls + 1"
                    " where dimension = 'region'")
    invariants = [
        "assert_aging_buckets_sum_to_total_ar",
        "assert_dmp_equals_terms_plus_days_beyond",
        "assert_overdue_ar_within_open_invoices",
        "assert_kpi_by_dimension_adds_up_to_kpi_monthly",
    ]
    with pytest.raises(TransformError) as failure:
        build_models(tampered, RUN_AS_OF, select=" ".join(invariants))
    assert "4 node(s)" in str(failure.value)
    for invariant in invariants:
        assert invariant in str(failure.value)

"""The data-access layer on the hand-made fixture warehouse (see fixture_warehouse.py
for the book and the arithmetic behind each expected number)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboards import data
from dashboards.data import Filters, Scope

AUG, SEP, OCT = dt.date(2026, 8, 31), dt.date(2026, 9, 30), dt.date(2026, 10, 31)
SME_ONLY = Scope(segments=("SME",), can_see_rows_in_quarantine=False)
RETAIL_ONLY = Scope(segments=("Retail",), can_see_rows_in_quarantine=False)
COL1_ONLY = Scope(collector_ids=("COL1",), can_see_rows_in_quarantine=False)
DASHBOARDS = Path(__file__).resolve().parents[2] / "dashboards"


@pytest.fixture
def warehouse(fixture_warehouse):
    with data.open_warehouse(fixture_warehouse) as opened:
        yield opened


# --- one owner per number -----------------------------------------------------------

def test_the_dashboard_reads_no_raw_entity_table():
    """Only marts; on the data-quality page raw.load_log and raw.quarantine."""
    found = {}
    for path in DASHBOARDS.rglob("*.py"):
        for table in re.findall(r"\braw\.(\w+)", path.read_text(encoding="utf-8")):
            if table not in ("load_log", "quarantine"):
                found.setdefault(str(path.relative_to(DASHBOARDS)), set()).add(table)
    assert found == {}


def test_the_fixture_has_no_raw_entity_table_either(warehouse):
    """So any query of one would fail the tests below."""
    raw = {table for (table,) in warehouse.rows(
        "select table_name from duckdb_tables() where schema_name = 'raw'")}
    assert raw == {"load_log", "quarantine"}


# --- filters, as-of dates and KPI rows ----------------------------------------------

def test_filters_from_url_ignore_malformed_values():
    filters = Filters.from_query({"as_of": "31/10/2026", "segment": "SME", "region": "",
                                  "bucket": "31-60", "collector_id": ["A", "B"]})
    assert filters == Filters(segment="SME")
    assert Filters.from_query({"as_of": "2026-10-31"}).as_of == OCT


def test_as_of_defaults_to_the_latest_date_and_rejects_unknown_ones(warehouse):
    assert data.resolve_as_of(warehouse, Filters()).as_of == OCT
    assert data.resolve_as_of(warehouse, Filters(as_of=dt.date(2020, 1, 31))).as_of == OCT
    assert data.resolve_as_of(warehouse, Filters(as_of=SEP)).as_of == SEP
    assert data.run_as_of_date(warehouse) == OCT


def test_filter_options_come_from_the_customers_mart_within_the_scope(warehouse):
    options = data.filter_options(warehouse, data.UNRESTRICTED)
    assert options["segment"] == ["Key accounts", "Retail", "SME"]
    sme = data.filter_options(warehouse, SME_ONLY)
    assert sme["segment"] == ["SME"] and sme["region"] == ["North", "South"]
    assert sme["collector_id"] == ["COL1", "COL2"]  # C2 is COL1's, C3 COL2's


def test_company_kpis_come_from_kpi_monthly(warehouse):
    series = data.kpi_series(warehouse, Filters(as_of=OCT), data.UNRESTRICTED)
    latest = series.rows.iloc[-1]
    assert series.source == "company"
    # 3 750 total, 2 200 overdue: the mart's rate 2 200 / 3 750 = 0.5867
    assert (latest["total_ar"], latest["overdue_ar"]) == (3750, 2200)
    assert latest["overdue_rate"] == pytest.approx(2200 / 3750)
    # the new KPI columns come through: C4's 300 cash and 150 credit note, to reconcile 400
    assert (latest["unapplied_cash_amount"], latest["unapplied_credit_notes_amount"],
            latest["amount_to_reconcile"], latest["customers_worsening"]) == (300, 150, 400, 1)
    assert "amount_to_reconcile" in series.available


def test_one_segment_reads_kpi_by_dimension_for_filter_and_scope_alike(warehouse):
    by_filter = data.kpi_series(warehouse, Filters(as_of=OCT, segment="SME"), data.UNRESTRICTED)
    by_scope = data.kpi_series(warehouse, Filters(as_of=OCT), SME_ONLY)
    for series in (by_filter, by_scope):
        assert series.source == "dimension"
        assert series.rows.iloc[-1]["dso_simple"] == 60.0  # the SME row, not the company's 42


def test_a_combination_of_dimensions_sums_the_aged_balance_by_group(warehouse):
    # SME and North: only C2's INV3, 500 open, 45 days past due, disputed: rate 500 / 500
    series = data.kpi_series(warehouse, Filters(as_of=OCT, region="North"), SME_ONLY)
    latest = series.rows.iloc[-1]
    assert series.source == "aged_balance"
    assert "dso_simple" not in series.available
    assert (latest["total_ar"], latest["overdue_ar"], latest["disputed_ar"]) == (500, 500, 500)
    assert latest["overdue_rate"] == 1.0


def test_a_filter_outside_the_scope_returns_nothing(warehouse):
    outside = Filters(as_of=OCT, segment="Retail")
    assert data.kpi_series(warehouse, outside, SME_ONLY).rows.empty
    assert data.bucket_customers(warehouse, "", outside, SME_ONLY).empty
    for name, rows in data.LISTS.items():
        assert rows(warehouse, outside, SME_ONLY).empty, name


def test_dso_bridge_for_the_company_and_one_segment(warehouse):
    company = data.dso_bridge(warehouse, Filters(as_of=OCT), data.UNRESTRICTED)
    # 35 -> 42: terms +2, disputed +1.5, undisputed +3.5 (2 + 1.5 + 3.5 = 7)
    assert (company["dso_previous"], company["dso_current"], company["terms_effect"]) == \
        (35.0, 42.0, 2.0)
    assert data.dso_bridge(warehouse, Filters(as_of=OCT), SME_ONLY)["dso_current"] == 60.0
    assert data.dso_bridge(warehouse, Filters(as_of=OCT, region="North"), SME_ONLY) is None


def test_penalties_read_the_as_of_date_and_honour_the_scope(warehouse):
    # 31 Oct: 46.14 + 48.63 + 51.51 + 41.53 = 187.81; SME: 48.63 + 51.51 = 100.14
    assert data.late_payment_penalties(warehouse, Filters(as_of=OCT), data.UNRESTRICTED) \
        == pytest.approx(187.81)
    assert data.late_payment_penalties(warehouse, Filters(as_of=OCT), SME_ONLY) \
        == pytest.approx(100.14)
    # 30 Sep: C2 42.88 + C3 48.05 = 90.93
    assert data.late_payment_penalties(warehouse, Filters(as_of=SEP), data.UNRESTRICTED) \
        == pytest.approx(90.93)


# --- aged balance -------------------------------------------------------------------

def test_aged_buckets_by_dimension_sum_to_total_ar(warehouse):
    aged = data.aged_by_dimension(warehouse, "segment", Filters(as_of=OCT), data.UNRESTRICTED)
    assert aged["open_amount"].sum() == 3750
    sme = aged[aged["dimension_value"] == "SME"].set_index("aging_bucket")["open_amount"]
    assert sme.to_dict() == {"31-60": 500, "91-120": 300}


def test_aged_over_time_keeps_month_ends_up_to_as_of(warehouse):
    aged = data.aged_over_time(warehouse, Filters(as_of=SEP), data.UNRESTRICTED)
    totals = aged.groupby("as_of_date")["open_amount"].sum()
    # 31 Aug: 800 + 500 + 300 = 1 600; 30 Sep: 1 000 + 500 + 300 = 1 800; 31 Oct is later
    assert totals.tolist() == [1600, 1800]


def test_the_aged_matrix_and_bucket_totals(warehouse):
    codes = ["not_due", "1-30", "31-60", "61-90", "91-120", ">120", "unapplied"]
    matrix = data.aged_matrix(warehouse, "segment", codes, Filters(as_of=OCT),
                              data.UNRESTRICTED).set_index("segment")
    # Key accounts: INV2 2 000 not due + INV1 1 000 (16 days) = 3 000; SME: 500 + 300;
    # Retail: INV5 400 (10 days) - 450 unapplied = -50; largest total first
    assert matrix.index.tolist() == ["Key accounts", "SME", "Retail"]
    assert matrix.loc["Key accounts", ["not_due", "1-30", "total_ar"]].tolist() == [2000, 1000,
                                                                                   3000]
    assert matrix.loc["Retail", ["1-30", "unapplied", "total_ar"]].tolist() == [400, -450, -50]
    assert matrix["total_ar"].sum() == 3750
    assert data.bucket_totals(warehouse, Filters(as_of=OCT), data.UNRESTRICTED) == {
        "not_due": 2000, "1-30": 1400, "31-60": 500, "91-120": 300, "unapplied": -450}
    assert data.bucket_totals(warehouse, Filters(as_of=OCT), SME_ONLY) == {"31-60": 500,
                                                                          "91-120": 300}


def test_bucket_customers_and_their_open_items(warehouse):
    customers = data.bucket_customers(warehouse, "1-30", Filters(as_of=OCT),
                                      data.UNRESTRICTED)
    # 1-30 at 31 Oct: C1's INV1 1 000 (16 days), C4's INV5 400 (10 days)
    assert customers[["customer_id", "customer_name", "open_amount"]].values.tolist() == [
        ["C1", "Alpha SA", 1000], ["C4", "=Delta Ltd", 400]]
    items = data.open_items(warehouse, "C1", Filters(as_of=OCT), data.UNRESTRICTED)
    assert items["document_id"].tolist() == ["INV1", "INV2"]


def test_customer_lists_keep_the_largest_and_count_the_rest(warehouse):
    capped = data.bucket_customers(warehouse, "1-30", Filters(as_of=OCT),
                                   data.UNRESTRICTED, limit=1)
    assert capped["customer_id"].tolist() == ["C1"]
    assert data.rows_in_selection(capped) == 2
    # every customer has a balance at 31 Oct: C1 3 000, C2 500, C3 300, C4 -50
    everyone = data.customers_of(warehouse, Filters(as_of=OCT), data.UNRESTRICTED)
    assert everyone["customer_id"].tolist() == ["C1", "C2", "C3", "C4"]
    top = data.customers_of(warehouse, Filters(as_of=OCT), data.UNRESTRICTED, limit=2)
    assert top["customer_id"].tolist() == ["C1", "C2"] and data.rows_in_selection(top) == 4
    assert data.customers_of(warehouse, Filters(as_of=OCT), SME_ONLY, customer_id="C1").empty
    first = data.worklist(warehouse, Filters(as_of=OCT), SME_ONLY, limit=1).customers
    assert first["customer_id"].tolist() == ["C3"]  # rank 1 of C3, C2
    assert data.rows_in_selection(first) == 2
    whole = data.bucket_customers(warehouse, "1-30", Filters(as_of=OCT), data.UNRESTRICTED,
                                  limit=None)
    assert len(whole) == data.rows_in_selection(whole) == 2


# --- the credit manager's lists -----------------------------------------------------

def ids(frame: pd.DataFrame, column: str = "customer_id") -> list[str]:
    return frame[column].tolist()


def test_overdue_customers_largest_first(warehouse):
    rows = data.overdue_customers(warehouse, Filters(as_of=OCT), data.UNRESTRICTED)
    # C1 1 000, C2 500, C4 400 (covered by its unapplied 450: flagged), C3 300
    assert rows[["customer_id", "overdue_ar"]].values.tolist() == [
        ["C1", 1000], ["C2", 500], ["C4", 400], ["C3", 300]]
    assert rows.set_index("customer_id")["is_to_reconcile"].to_dict()["C4"]
    # 30 Sep: C2 500 (15 days) and C3 300 (70 days); C1's INV1 is not due yet
    assert ids(data.overdue_customers(warehouse, Filters(as_of=SEP), data.UNRESTRICTED)) \
        == ["C2", "C3"]


def test_customers_over_their_limit(warehouse):
    rows = data.over_limit_customers(warehouse, Filters(as_of=OCT), data.UNRESTRICTED)
    # C3: 300 against a 200 limit: 100 over, 300 / 200 = 150 % used
    assert rows[["customer_id", "credit_limit", "total_ar", "over_limit_amount",
                 "credit_limit_use"]].values.tolist() == [["C3", 200, 300, 100, 1.5]]
    assert rows["over_limit_amount"].sum() == pytest.approx(
        float(data.kpi_series(warehouse, Filters(as_of=OCT), data.UNRESTRICTED)
              .rows.iloc[-1]["over_limit_amount"]))  # the list adds up to the KPI


def test_customers_worsening_over_three_months(warehouse):
    rows = data.worsening_customers(warehouse, Filters(as_of=OCT), data.UNRESTRICTED)
    # C3: grade C -> E, 40 -> 60 days beyond terms (+20 >= 10); nobody at 30 Sep
    assert rows[["customer_id", "risk_grade_3_months_before", "risk_grade",
                 "avg_days_beyond_terms_12m_3_months_before",
                 "avg_days_beyond_terms_12m"]].values.tolist() == [["C3", "C", "E", 40, 60]]
    assert data.worsening_customers(warehouse, Filters(as_of=SEP), data.UNRESTRICTED).empty


def test_broken_promises_that_matured_in_the_last_three_months(warehouse):
    rows = data.broken_promises(warehouse, Filters(as_of=OCT), data.UNRESTRICTED)
    # K5: 300 promised by 15 Sep, matured 18 Sep (in 31 Jul - 31 Oct), nothing paid.
    # K4 and K6 were kept; K1 matures 5 Nov.
    assert rows[["call_id", "customer_id", "promised_amount", "paid_amount"]].values.tolist() \
        == [["K5", "C3", 300, 0]]
    # at 31 Aug K5 had not matured yet
    assert data.broken_promises(warehouse, Filters(as_of=AUG), data.UNRESTRICTED).empty


def test_accounts_to_reconcile_with_their_amounts(warehouse):
    rows = data.customers_to_reconcile(warehouse, Filters(as_of=OCT), data.UNRESTRICTED)
    # C4: 400 overdue <= 300 cash + 150 credit note = 450 unapplied
    assert rows[["customer_id", "overdue_ar", "unapplied_cash_amount",
                 "unapplied_credit_notes_amount", "amount_to_reconcile",
                 "oldest_unapplied_cash_days"]].values.tolist() == [["C4", 400, 300, 150, 400,
                                                                      11]]
    assert data.customers_to_reconcile(warehouse, Filters(as_of=SEP), data.UNRESTRICTED).empty


def test_open_disputes_with_names_and_totals(warehouse):
    rows = data.open_disputes(warehouse, Filters(as_of=OCT), data.UNRESTRICTED)
    # oldest first: D1 41 days, D4 26, D3 21
    assert rows[["dispute_id", "customer_name", "age_days", "disputed_amount"]].values.tolist() \
        == [["D1", "Beta SARL", 41, 500], ["D4", "Beta SARL", 26, 200],
            ["D3", "Alpha SA", 21, 400]]
    totals = data.dispute_totals(warehouse, Filters(as_of=OCT), data.UNRESTRICTED)
    # disputed 500 + 200 + 400 = 1 100; the invoices' open amounts, each invoice once:
    # INV3 500 + INV1 1 000 = 1 500; disputed AR also counts INV2's 2 000 refused on the
    # e-invoicing platform: 3 500, the KPI's value
    assert (totals.open_disputes, totals.disputed_amount, totals.disputed_invoices_open_amount,
            totals.disputed_ar) == (3, 1100, 1500, 3500)
    kpi = data.kpi_series(warehouse, Filters(as_of=OCT), data.UNRESTRICTED).rows.iloc[-1]
    assert totals.disputed_ar == kpi["disputed_ar"]
    sme = data.dispute_totals(warehouse, Filters(as_of=OCT), SME_ONLY)
    # C2's D1 500 + D4 200 = 700 on INV3 (500 open, once)
    assert (sme.open_disputes, sme.disputed_amount, sme.disputed_invoices_open_amount,
            sme.disputed_ar) == (2, 700, 500, 500)


@pytest.mark.parametrize("scope, allowed", [
    (SME_ONLY, {"C2", "C3"}), (RETAIL_ONLY, {"C4"}), (COL1_ONLY, {"C1", "C2"}),
])
def test_a_restricted_user_gets_only_their_customers_on_every_list_and_export(
        warehouse, scope, allowed):
    for as_of in (AUG, SEP, OCT):
        for name, rows in data.LISTS.items():
            for limit in (data.CUSTOMER_LIST_LIMIT, None):  # the page and the export
                found = set(rows(warehouse, Filters(as_of=as_of), scope, limit=limit)
                            ["customer_id"])
                assert found <= allowed, (name, as_of, limit)
    # and what each of them does get at 31 Oct
    lists = {name: set(rows(warehouse, Filters(as_of=OCT), scope, limit=None)["customer_id"])
             for name, rows in data.LISTS.items()}
    expected = {
        "SME": {"overdue": {"C2", "C3"}, "over_limit": {"C3"}, "worsening": {"C3"},
                "broken_promises": {"C3"}, "to_reconcile": set(), "open_disputes": {"C2"}},
        "Retail": {"overdue": {"C4"}, "over_limit": set(), "worsening": set(),
                   "broken_promises": set(), "to_reconcile": {"C4"}, "open_disputes": set()},
        "COL1": {"overdue": {"C1", "C2"}, "over_limit": set(), "worsening": set(),
                 "broken_promises": set(), "to_reconcile": set(),
                 "open_disputes": {"C1", "C2"}},
    }[(scope.segments or scope.collector_ids)[0]]
    assert lists == expected


def test_the_lists_follow_the_global_filters(warehouse):
    north = Filters(as_of=OCT, region="North")
    assert ids(data.overdue_customers(warehouse, north, data.UNRESTRICTED)) == ["C1", "C2"]
    assert ids(data.open_disputes(warehouse, Filters(as_of=OCT, collector_id="COL1"),
                                  data.UNRESTRICTED), "dispute_id") == ["D1", "D4", "D3"]
    assert data.over_limit_customers(warehouse, north, data.UNRESTRICTED).empty


# --- customer page and call sheet ---------------------------------------------------

def test_restricted_manager_never_reaches_another_segments_customer(warehouse):
    assert data.customer_file(warehouse, "C1", Filters(as_of=OCT), SME_ONLY) is None
    assert data.call_sheet(warehouse, "C1", Filters(as_of=OCT), SME_ONLY) is None
    assert data.call_sheet(warehouse, "C4", Filters(as_of=OCT), COL1_ONLY) is None
    assert data.open_items(warehouse, "C1", Filters(as_of=OCT), SME_ONLY).empty
    assert data.customer_file(warehouse, "C2", Filters(as_of=OCT), SME_ONLY) is not None
    customers = data.customers_of(warehouse, Filters(as_of=OCT), SME_ONLY)
    assert sorted(customers["customer_id"]) == ["C2", "C3"]


def test_the_customer_file_is_read_at_the_selected_as_of_date(warehouse):
    september = data.customer_file(warehouse, "C1", Filters(as_of=SEP), data.UNRESTRICTED)
    # 30 Sep: INV0 800 + INV1 1 000 - P0 800 = 1 000: open items, statement and profile agree
    assert september.open_items["open_amount"].sum() == 1000
    assert september.statement["running_balance"].iloc[0] == 1000  # latest entry first
    assert september.statement["entry_id"].tolist() == ["P0", "INV1", "INV0"]
    assert (september.profile["as_of_date"].date(), september.profile["total_ar"],
            september.profile["risk_grade"]) == (SEP, 1000, "A")
    assert september.balance_history["total_ar"].tolist() == [800, 1000]  # Aug, Sep
    assert september.calls["outcome"].tolist() == ["promise_to_pay"]  # K4 only
    assert september.promises[["promised_amount", "promise_status"]].values.tolist() == [
        [800, "kept"]]
    october = data.customer_file(warehouse, "C1", Filters(as_of=OCT), data.UNRESTRICTED)
    assert october.open_items["open_amount"].sum() == october.profile["total_ar"] == 3000


def test_a_customers_disputes_show_their_status_at_the_as_of_date(warehouse):
    c2 = data.customer_file(warehouse, "C2", Filters(as_of=SEP), data.UNRESTRICTED).disputes
    assert c2[["dispute_id", "status"]].values.tolist() == [["D1", "open"]]  # D4: 5 Oct
    c3 = data.customer_file(warehouse, "C3", Filters(as_of=OCT), data.UNRESTRICTED).disputes
    assert c3[["dispute_id", "status", "resolution", "resolution_days"]].values.tolist() == [
        ["D2", "resolved", "credit_note", 20]]


def test_a_promise_not_matured_at_the_as_of_date_reads_pending(warehouse):
    c2 = data.customer_file(warehouse, "C2", Filters(as_of=OCT), data.UNRESTRICTED).promises
    # K1 matures 5 Nov; K7, matured 4 Oct, was superseded by K1
    assert c2[["promised_date", "promise_status"]].values.tolist() == [
        [pd.Timestamp("2026-11-02"), "pending"], [pd.Timestamp("2026-10-01"), "superseded"]]
    # at 30 Sep K7 (made 25 Sep) had not matured: pending then, whatever came after
    c2 = data.customer_file(warehouse, "C2", Filters(as_of=SEP), data.UNRESTRICTED).promises
    assert c2["promise_status"].tolist() == ["pending"]
    c3 = data.customer_file(warehouse, "C3", Filters(as_of=SEP), data.UNRESTRICTED).promises
    assert c3["promise_status"].tolist() == ["broken"]  # K5 matured 18 Sep


def test_the_call_sheet_holds_what_the_call_needs(warehouse):
    sheet = data.call_sheet(warehouse, "C3", Filters(as_of=OCT), data.UNRESTRICTED)
    assert sheet.customer["customer_name"] == "Gamma SAS"
    assert (sheet.profile["risk_grade"], sheet.profile["credit_limit_use"]) == ("E", 1.5)
    assert sheet.worklist["reason"] == "EUR 300 overdue, oldest 100 days, promise of 15 Sep " \
                                       "broken"
    assert (sheet.worklist["priority_rank"], sheet.worklist["collector_rank"]) == (1, 1)
    assert sheet.open_items[["document_id", "days_past_due"]].values.tolist() == [["INV4", 100]]
    assert sheet.promises["promise_status"].tolist() == ["broken"]
    assert sheet.calls["outcome"].tolist() == ["refused", "no_answer", "promise_to_pay"]
    assert sheet.open_disputes.empty
    c2 = data.call_sheet(warehouse, "C2", Filters(as_of=OCT), data.UNRESTRICTED)
    assert c2.open_disputes["dispute_id"].tolist() == ["D1", "D4"]
    assert c2.open_items["is_disputed"].tolist() == [True]
    # C4 is to reconcile: not on the worklist
    assert data.call_sheet(warehouse, "C4", Filters(as_of=OCT), data.UNRESTRICTED).worklist \
        is None


# --- disputes -----------------------------------------------------------------------

def test_dispute_views_at_the_as_of_date(warehouse):
    views = data.dispute_views(warehouse, Filters(as_of=OCT), data.UNRESTRICTED)
    # opened in the 12 months: 500 + 400 + 200 + 100 = 1 200; cumulative 500 / 1 200,
    # 900 / 1 200, 1 100 / 1 200, 1
    assert views.pareto["reason"].tolist() == ["wrong_price", "delivery_not_made", "other",
                                               "billing_error"]
    assert views.pareto["cumulative_share"].tolist() == pytest.approx(
        [500 / 1200, 900 / 1200, 1100 / 1200, 1.0])
    assert views.by_owner[["owner", "disputed_amount"]].values.tolist() == [
        ["sales", 500], ["logistics", 400], ["billing", 200]]
    # D3 21 and D4 26 days: 0-30 (600); D1 41 days: 31-60 (500)
    assert views.open_ageing[["age_band", "open_disputes", "disputed_amount"]].values.tolist() \
        == [["0-30", 2, 600], ["31-60", 1, 500]]
    assert views.resolution_trend[["closed", "avg_resolution_days"]].values.tolist() == [[1, 20]]
    # disputed overdue / overdue: 0 / 300, 500 / 800, (1 000 + 500) / 2 200
    assert views.share_of_overdue["disputed_share_of_overdue"].tolist() == pytest.approx(
        [0.0, 500 / 800, 1500 / 2200])
    assert views.totals.disputed_amount == 1100
    retail = data.dispute_views(warehouse, Filters(as_of=OCT), RETAIL_ONLY)
    assert retail.pareto.empty and retail.open_disputes.empty and retail.by_owner.empty


# --- collections --------------------------------------------------------------------

def test_collections_kept_rate_is_kept_over_matured_and_cash_is_counted_once(warehouse):
    views = data.collection_views(warehouse, Filters(as_of=OCT), data.UNRESTRICTED)
    assert views.window_start == dt.date(2025, 10, 31)
    # calls K1..K7: 7, contacts all but K2: 6, promises K1, K4, K5, K6, K7: 5, kept K4, K6: 2
    assert views.funnel == {"calls": 7, "right_party_contacts": 6, "promises": 5,
                            "promises_kept": 2}
    # matured in the 12 months: K5 (broken), K4, K6 (kept); K7 superseded is not counted:
    # 2 / 3, not kept / promises (2 / 5)
    assert (views.promises_matured, views.promises_kept) == (3, 2)
    assert views.promise_kept_rate == pytest.approx(2 / 3)
    # P0 800 to K4, P1 300 to K6: 1 100, every payment once
    assert views.collected_30d == 1100


def test_collections_figures_agree_with_the_kpi_and_effectiveness_marts(warehouse):
    views = data.collection_views(warehouse, Filters(as_of=OCT), data.UNRESTRICTED)
    kept, matured = warehouse.rows(
        "select sum(promises_kept), sum(promises_matured) from marts.kpi_monthly "
        "where as_of_date > ? and as_of_date <= ?", [views.window_start, OCT])[0]
    assert views.promise_kept_rate == pytest.approx(kept / matured)  # (0 + 1 + 1) / (0 + 2 + 1)
    (collected,) = warehouse.rows(
        "select sum(collected_30d) from marts.reminder_effectiveness "
        "where month_end > ? and month_end <= ?", [views.window_start, OCT])[0]
    assert views.collected_30d == pytest.approx(float(collected))


def test_collections_for_a_segment_and_a_collector(warehouse):
    sme = data.collection_views(warehouse, Filters(as_of=OCT), SME_ONLY)
    # C2 and C3: K5, K7, K1, K2, K3; contacts K5, K7, K1, K3; promises K5, K7, K1; none kept
    assert sme.funnel == {"calls": 5, "right_party_contacts": 4, "promises": 3,
                          "promises_kept": 0}
    assert (sme.promises_matured, sme.promises_kept, sme.promise_kept_rate) == (1, 0, 0.0)
    assert sme.collected_30d == 0 and sme.uplift is None
    col2 = data.collection_views(warehouse, Filters(as_of=OCT, collector_id="COL2"),
                                 data.UNRESTRICTED)
    # COL2: K5 broken, K6 kept: 1 / 2; P1 300 to K6
    assert (col2.promise_kept_rate, col2.collected_30d) == (0.5, 300)
    board = data.collection_views(warehouse, Filters(as_of=OCT), data.UNRESTRICTED).leaderboard
    # COL1: K4, K7, K1: 3 contacts of 3, 1 matured (K7 superseded), kept; COL2: 3 contacts of
    # 4, 1 of 2 kept
    assert board[["collector_id", "right_party_contact_rate", "promise_kept_rate",
                  "collected_30d"]].values.tolist() == [["COL1", 1.0, 1.0, 800],
                                                         ["COL2", 0.75, 0.5, 300]]
    september = data.collection_views(warehouse, Filters(as_of=SEP), data.UNRESTRICTED)
    # 30 Sep: K5 and K4 matured, K4 kept; P0 800 to K4
    assert (september.promise_kept_rate, september.collected_30d) == (0.5, 800)


# --- worklist -----------------------------------------------------------------------

def test_restriction_holds_on_worklist(warehouse):
    worklist = data.worklist(warehouse, Filters(as_of=OCT), SME_ONLY)
    assert ids(worklist.customers) == ["C3", "C2"]  # ranks 1 and 2
    assert not worklist.by_collector


def test_a_collectors_queue_is_ranked_from_one(warehouse):
    for filters, scope in ((Filters(as_of=OCT, collector_id="COL1"), data.UNRESTRICTED),
                           (Filters(as_of=OCT), COL1_ONLY)):
        worklist = data.worklist(warehouse, filters, scope)
        # C2 (company rank 2) then C1 (3): COL1's 1 and 2; C4 is to reconcile, not here
        assert worklist.by_collector
        assert worklist.customers[["customer_id", "collector_rank", "priority_rank"]] \
            .values.tolist() == [["C2", 1, 2], ["C1", 2, 3]]
        assert worklist.customers["reason_fr"].iloc[0].startswith("500 EUR échus")
    # promises falling due (28 Oct - 7 Nov): K1, 500 by 2 Nov
    assert data.worklist(warehouse, Filters(as_of=OCT), data.UNRESTRICTED) \
        .promises_due[["customer_id", "promised_amount"]].values.tolist() == [["C2", 500]]


# --- data quality -------------------------------------------------------------------

def test_quarantined_rows_only_for_unrestricted_users(warehouse):
    assert data.quality_views(warehouse, data.UNRESTRICTED).quarantine["row_number"].tolist() \
        == [5]
    restricted = data.quality_views(warehouse, SME_ONLY)
    assert restricted.quarantine is None and restricted.quarantined_rows == 1


def test_a_files_modification_time_is_a_date_time(warehouse):
    load_log = data.quality_views(warehouse, data.UNRESTRICTED).load_log
    assert "file_modified_ns" not in load_log
    assert load_log["file_modified_at"].iloc[0] == pd.Timestamp("2026-11-01 06:00")


# --- safety -------------------------------------------------------------------------

def test_user_input_is_a_parameter_never_sql(warehouse):
    hostile = "SME' or '1'='1"
    customers = data.customers_of(warehouse, Filters(as_of=OCT, segment=hostile),
                                  data.UNRESTRICTED)
    assert customers.empty
    assert data.customer_file(warehouse, "C1' or '1'='1", Filters(as_of=OCT),
                              SME_ONLY) is None
    with pytest.raises(ValueError, match="unknown dimension"):
        data.aged_by_dimension(warehouse, "segment; drop table x", Filters(as_of=OCT),
                               data.UNRESTRICTED)


def test_missing_or_empty_warehouse_says_how_to_build_one(tmp_path):
    with pytest.raises(data.WarehouseUnavailable, match="credit-scoreboard run"):
        with data.open_warehouse(tmp_path / "absent.duckdb"):
            pass
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(data.WarehouseUnavailable, match="not a built warehouse"):
        with data.open_warehouse(empty):
            pass


def test_the_connection_is_closed_after_use(fixture_warehouse: Path):
    with data.open_warehouse(fixture_warehouse) as opened:
        pass
    with pytest.raises(duckdb.ConnectionException):
        opened.rows("select 1")


# --- on the warehouse the pipeline publishes ----------------------------------------

def test_the_published_marts_answer_every_query(published_warehouse):
    """Every data function runs on the real marts (names and columns as the dbt project
    builds them), for the company and for one segment."""
    with data.open_warehouse(published_warehouse) as opened:
        as_of = data.run_as_of_date(opened)
        (customer_id, segment) = opened.rows(
            "select customer_id, segment from marts.collection_worklist "
            "order by priority_rank limit 1")[0]
        for filters in (Filters(as_of=as_of), Filters(as_of=as_of, segment=segment)):
            for rows in data.LISTS.values():
                assert set(rows(opened, filters, data.UNRESTRICTED).columns) >= {
                    "customer_id", "customer_name"}
            data.dispute_views(opened, filters, data.UNRESTRICTED)
            data.collection_views(opened, filters, data.UNRESTRICTED)
            data.worklist(opened, filters, data.UNRESTRICTED)
            data.kpi_series(opened, filters, data.UNRESTRICTED)
        sheet = data.call_sheet(opened, customer_id, Filters(as_of=as_of), data.UNRESTRICTED)
        assert sheet.worklist["customer_id"] == customer_id and sheet.profile is not None
        data.quality_views(opened, data.UNRESTRICTED)


def test_published_penalties_read_the_as_of_date_only_and_honour_the_scope(
        published_warehouse):
    with duckdb.connect(str(published_warehouse), read_only=True) as con:
        (as_of,) = con.execute("select max(as_of_date) from marts.kpi_monthly").fetchone()
        company, sme = con.execute(
            """
            select sum(total_penalties) filter (where as_of_date = $1),
                   sum(total_penalties) filter (where as_of_date = $1 and segment = 'SME')
            from marts.late_payment_penalties""", [as_of]).fetchone()
        (kpi_total,) = con.execute(
            "select late_payment_penalties from marts.kpi_monthly where as_of_date = ?", [as_of]
        ).fetchone()
    assert company > 0 and sme > 0
    assert company == pytest.approx(float(kpi_total), abs=0.01)
    with data.open_warehouse(published_warehouse) as opened:
        assert data.late_payment_penalties(opened, Filters(as_of=as_of), data.UNRESTRICTED) \
            == pytest.approx(float(company), abs=0.01)
        assert data.late_payment_penalties(opened, Filters(as_of=as_of), SME_ONLY) \
            == pytest.approx(float(sme), abs=0.01)


# --- French -------------------------------------------------------------------------

# Module-level tables of the pages whose texts go through page.t: their labels (not
# their column names) must have French too.
TRANSLATED_TABLES = {"FUNNEL_STEPS", "BRIDGE_STEPS", "PROFILE_GROUPS", "LISTS"}


def _page_texts() -> set[str]:
    import ast

    texts = set()
    for path in (DASHBOARDS / "pages").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr == "t" and node.args \
                    and isinstance(node.args[0], ast.Constant):
                texts.add(node.args[0].value)
            if isinstance(node, ast.Assign) and any(
                    isinstance(target, ast.Name) and target.id in TRANSLATED_TABLES
                    for target in node.targets):
                texts |= {constant.value for constant in ast.walk(node.value)
                          if isinstance(constant, ast.Constant)
                          and isinstance(constant.value, str)
                          and not re.fullmatch(r"[a-z0-9_]+", constant.value)}
    return texts


def test_every_page_text_has_its_french():
    from dashboards import i18n

    texts = _page_texts()
    assert len(texts) > 100  # the scan finds the pages' texts
    french = i18n.french()
    assert sorted(text for text in texts if text not in french) == []
    for text in texts:  # the same placeholders in both languages
        assert set(re.findall(r"{(\w+)}", french[text])) == set(re.findall(r"{(\w+)}", text))

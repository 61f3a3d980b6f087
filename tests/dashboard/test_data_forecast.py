"""The cash forecast's data access on the hand-made fixture warehouse (fixture_warehouse.py
works out every expected number): the weekly rows of the marts for the company and one
dimension value, the invoices behind a week, the open items' expected payment dates, the
backtest as known at the as-of date; the scope and the filters on every query."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from dashboards import data
from dashboards.data import Filters, Scope
from dashboards.pages._widgets import in_language

AUG, SEP, OCT = dt.date(2026, 8, 31), dt.date(2026, 9, 30), dt.date(2026, 10, 31)
SME_ONLY = Scope(segments=("SME",), can_see_rows_in_quarantine=False)
COL1_ONLY = Scope(collector_ids=("COL1",), can_see_rows_in_quarantine=False)


@pytest.fixture
def warehouse(fixture_warehouse):
    with data.open_warehouse(fixture_warehouse) as opened:
        yield opened


def test_the_company_forecast_is_the_marts_weeks_with_their_totals(warehouse):
    assert data.has_forecast(warehouse)
    weeks = data.cash_forecast(warehouse, Filters(as_of=OCT), data.UNRESTRICTED)
    assert weeks["week_number"].tolist() == list(range(1, 14))
    assert (weeks["week_start"].iloc[0].date(), weeks["week_end"].iloc[0].date()) == (
        dt.date(2026, 11, 1), dt.date(2026, 11, 7))
    assert weeks["expected_cash"].tolist()[:7] == [400, 200, 400, 200, 1400, 800, 0]
    # other = expected - promised - disputed: week 5 holds INV2's 1 200 of "other" cash
    assert weeks["other_cash"].tolist()[:6] == [0, 0, 0, 0, 1200, 800]
    first = weeks.iloc[0]
    assert (first["expected_cash_13w"], first["promised_cash_13w"],
            first["disputed_cash_13w"], first["litigation_amount"]) == (3400, 400, 1000, 300)


def test_the_open_amount_the_forecast_covers(warehouse):
    # 31 Oct: INV1 1 000 + INV2 2 000 + INV3 500 + INV4 300 (litigation) + INV5 400
    assert data.forecast_open_amount(warehouse, Filters(as_of=OCT), data.UNRESTRICTED) == 4200
    assert data.forecast_open_amount(warehouse, Filters(as_of=OCT), SME_ONLY) == 800
    assert data.forecast_open_amount(warehouse, Filters(as_of=AUG), data.UNRESTRICTED) == 0


def test_one_segment_reads_the_dimension_rows_for_filter_and_scope_alike(warehouse):
    for filters, scope in ((Filters(as_of=OCT, segment="SME"), data.UNRESTRICTED),
                           (Filters(as_of=OCT), SME_ONLY)):
        weeks = data.cash_forecast(warehouse, filters, scope)
        assert weeks["expected_cash"].tolist()[:4] == [0, 200, 0, 200]
        assert weeks["expected_cash_13w"].iloc[0] == 400
        assert weeks["litigation_amount"].iloc[0] == 300


def test_no_weekly_rows_for_a_combination_or_outside_the_scope(warehouse):
    """The P10-P90 band of a combination is no sum of bands: no row answers it."""
    assert data.cash_forecast(warehouse, Filters(as_of=OCT, segment="SME", region="South"),
                              data.UNRESTRICTED) is None
    assert data.cash_forecast(warehouse, Filters(as_of=OCT, region="South"), SME_ONLY) is None
    assert data.cash_forecast(warehouse, Filters(as_of=OCT, segment="Retail"),
                              SME_ONLY) is None
    # a date without a forecast: no rows
    assert data.cash_forecast(warehouse, Filters(as_of=AUG), data.UNRESTRICTED).empty


def test_the_invoices_behind_a_week_largest_contribution_first(warehouse):
    rows = data.week_invoices(warehouse, 5, Filters(as_of=OCT), data.UNRESTRICTED)
    assert rows["document_id"].tolist() == ["INV2", "INV1"]  # 1 200 before 200
    assert rows["p_week_5"].tolist() == [0.6, 0.25]
    assert rows["customer_name"].tolist() == ["Alpha SA", "Alpha SA"]
    assert "p_week_4" not in rows
    # litigation is left out of the weeks, as in the weekly cash
    assert data.week_invoices(warehouse, 13, Filters(as_of=OCT), data.UNRESTRICTED).empty
    capped = data.week_invoices(warehouse, 5, Filters(as_of=OCT), data.UNRESTRICTED, limit=1)
    assert capped["document_id"].tolist() == ["INV2"] and data.rows_in_selection(capped) == 2
    with pytest.raises(ValueError, match="week 14"):
        data.week_invoices(warehouse, 14, Filters(as_of=OCT), data.UNRESTRICTED)


def test_the_invoices_behind_a_week_honour_the_scope_and_the_filters(warehouse):
    assert data.week_invoices(warehouse, 5, Filters(as_of=OCT), SME_ONLY).empty
    assert data.week_invoices(warehouse, 2, Filters(as_of=OCT), SME_ONLY)[
        "document_id"].tolist() == ["INV3"]
    assert data.week_invoices(warehouse, 1, Filters(as_of=OCT), COL1_ONLY).empty  # INV5: COL2
    assert data.week_invoices(warehouse, 1, Filters(as_of=OCT, collector_id="COL2"),
                              data.UNRESTRICTED)["document_id"].tolist() == ["INV5"]


def test_reasons_in_the_users_language(warehouse):
    rows = data.week_invoices(warehouse, 1, Filters(as_of=OCT), data.UNRESTRICTED)
    french = in_language(rows.copy(), "fr", "forecast_reasons")
    english = in_language(rows.copy(), "en", "forecast_reasons")
    assert "forecast_reasons_fr" not in french and "forecast_reasons_fr" not in english
    assert french["forecast_reasons"].tolist() == ["FR: promised for 2026-11-03"]
    assert english["forecast_reasons"].tolist() == ["promised for 2026-11-03"]


def test_open_items_carry_the_forecast_of_their_as_of_date(warehouse):
    october = data.open_items(warehouse, "C1", Filters(as_of=OCT), data.UNRESTRICTED,
                              forecast=True)
    assert october[["document_id", "expected_payment_date", "forecast_basis"]].astype(
        str).values.tolist() == [["INV1", "2026-11-18", "dispute"], ["INV2", "2026-12-01", "model"]]
    assert october["p_paid_30d"].tolist() == [0.75, 0.0]
    # no forecast was made at 31 Aug: the items are there, their forecast blank
    august = data.open_items(warehouse, "C1", Filters(as_of=AUG), data.UNRESTRICTED,
                             forecast=True)
    assert august["document_id"].tolist() == ["INV0"]
    assert august["expected_payment_date"].isna().all()
    # the unapplied cash line has no forecast either
    c4 = data.open_items(warehouse, "C4", Filters(as_of=OCT), data.UNRESTRICTED, forecast=True)
    assert c4["expected_payment_date"].isna().tolist() == [False, True]
    # without `forecast`, the open items as before (the aged balance's drill-down)
    assert "expected_payment_date" not in data.open_items(warehouse, "C1", Filters(as_of=OCT),
                                                          data.UNRESTRICTED)


def test_the_customer_file_and_the_call_sheet_show_expected_dates(warehouse):
    file = data.customer_file(warehouse, "C3", Filters(as_of=SEP), data.UNRESTRICTED)
    assert file.open_items["expected_payment_date"].tolist() == [pd.Timestamp("2026-10-05")]
    sheet = data.call_sheet(warehouse, "C3", Filters(as_of=OCT), data.UNRESTRICTED)
    assert sheet.open_items[["forecast_basis", "p_paid_30d"]].values.tolist() == [
        ["litigation", 0.0]]


def test_earlier_forecasts_against_the_cash_that_came_known_at_the_as_of_date(warehouse):
    assert data.forecast_as_of_dates(warehouse, OCT) == [SEP]
    assert data.forecast_as_of_dates(warehouse, SEP) == []
    rows = data.forecast_vs_actual(warehouse, SEP, OCT)
    model = rows[rows["method"] == "model"]
    assert model["week_number"].tolist() == [1, 2, 3, 4]  # week 5 ends on 4 Nov
    assert model["expected_cash"].tolist() == [150, 250, 1000, 0]
    assert (model["expected_cash_total"].iloc[0], model["actual_cash_total"].iloc[0]) == (
        1400, 0)
    due_date = rows[rows["method"] == "due_date"]
    assert due_date["expected_cash_total"].iloc[0] == 1800


def test_the_backtest_shows_the_forecasts_whose_13_weeks_had_passed(warehouse):
    october = data.forecast_accuracy(warehouse, OCT)
    assert sorted(set(october["as_of_date"].dt.date)) == [dt.date(2026, 6, 30),
                                                          dt.date(2026, 7, 31)]
    september = data.forecast_accuracy(warehouse, SEP)  # 31 Jul + 91 days = 30 Oct
    assert set(september["as_of_date"].dt.date) == {dt.date(2026, 6, 30)}
    wape = october[(october["metric"] == "wape_13w") & (october["method"] == "model")]
    assert wape["value"].tolist() == [0.20, 0.25]
    catalogue = data.forecast_metric_catalogue(warehouse)
    assert catalogue["metric"].tolist() == ["wape_13w", "mae_days"]

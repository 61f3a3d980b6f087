"""The e-invoicing lifecycle's data access on the hand-made fixture warehouse
(fixture_warehouse.py works out every expected number): the funnel and its months for the
company, one dimension value and a scope, days to approval by segment and customer, the
reasons of the platforms next to the dispute log's, the coverage by customer with the
data-quality warning, and the open items' latest status and flag; the scope on every
query."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from dashboards import data
from dashboards.data import Filters, Scope

SEP, OCT = dt.date(2026, 9, 30), dt.date(2026, 10, 31)
SME_ONLY = Scope(segments=("SME",), can_see_rows_in_quarantine=False)
COL1_ONLY = Scope(collector_ids=("COL1",), can_see_rows_in_quarantine=False)


@pytest.fixture
def warehouse(fixture_warehouse):
    with data.open_warehouse(fixture_warehouse) as opened:
        yield opened


def test_the_funnel_of_the_12_months_for_the_company(warehouse):
    assert data.has_lifecycle(warehouse)
    totals = data.lifecycle_totals(warehouse, Filters(as_of=OCT), data.UNRESTRICTED)
    assert {name: totals[name] for name in data.LIFECYCLE_COUNTS} == {
        "invoices_issued": 6, "invoices_with_status": 4, "deposited": 4, "made_available": 3,
        "approved": 2, "payment_transmitted": 1, "cashed": 1, "disputed": 1, "refused": 1,
        "rejected": 0}
    assert totals["coverage"] == pytest.approx(4 / 6)
    assert totals["avg_days_to_approval"] == pytest.approx(7.5)  # (5 + 10) / 2
    assert totals["avg_days_to_available"] == pytest.approx(2 / 3)  # (1 + 1 + 0) / 3


def test_the_months_of_issue(warehouse):
    months = data.lifecycle_by_month(warehouse, Filters(as_of=OCT), data.UNRESTRICTED)
    assert [month.date() for month in months["month"]] == [
        dt.date(2026, 6, 30), dt.date(2026, 7, 31), dt.date(2026, 8, 31), SEP, OCT]
    assert months["invoices_issued"].tolist() == [1, 1, 1, 1, 2]
    assert months["made_available"].tolist() == [0, 0, 1, 1, 1]
    assert months["coverage"].tolist() == [0, 0, 1, 1, 1]
    assert months["avg_days_to_approval"].tolist()[2:4] == [5, 10]
    # at 30 Sep the window ends with September: October's invoices are not in it
    september = data.lifecycle_totals(warehouse, Filters(as_of=SEP), data.UNRESTRICTED)
    assert (september["invoices_issued"], september["deposited"]) == (4, 2)


def test_one_dimension_value_by_filter_or_scope_and_no_combination(warehouse):
    key_accounts = data.lifecycle_totals(warehouse, Filters(as_of=OCT, segment="Key accounts"),
                                         data.UNRESTRICTED)
    assert (key_accounts["invoices_issued"], key_accounts["made_available"]) == (3, 3)
    sme = data.lifecycle_totals(warehouse, Filters(as_of=OCT), SME_ONLY)
    assert (sme["invoices_issued"], sme["invoices_with_status"], sme["coverage"]) == (2, 0, 0)
    # COL1 (C1, C2): INV0, INV1, INV2, INV3
    col1 = data.lifecycle_totals(warehouse, Filters(as_of=OCT), COL1_ONLY)
    assert (col1["invoices_issued"], col1["deposited"]) == (4, 3)
    assert data.lifecycle_totals(warehouse, Filters(as_of=OCT, segment="SME", region="South"),
                                 data.UNRESTRICTED) is None
    assert data.lifecycle_by_month(warehouse, Filters(as_of=OCT, segment="Retail"),
                                   SME_ONLY) is None  # outside the scope


def test_days_to_approval_by_segment_and_by_customer(warehouse):
    segments = data.approval_by_segment(warehouse, Filters(as_of=OCT), data.UNRESTRICTED)
    assert segments["segment"].tolist() == ["Key accounts", "Retail"]
    key_accounts = segments.iloc[0]
    assert (key_accounts["invoices_with_status"], key_accounts["approved"]) == (3, 2)
    assert key_accounts["avg_days_to_approval"] == key_accounts["median_days_to_approval"] == 7.5
    customers = data.approval_by_customer(warehouse, Filters(as_of=OCT), data.UNRESTRICTED)
    assert customers["customer_id"].tolist() == ["C1", "C4"]  # the slowest to approve first
    assert customers[["customer_name", "never_made_available_invoices", "platform_disputes"]] \
        .values.tolist() == [["Alpha SA", 0, 2], ["=Delta Ltd", 1, 0]]
    assert data.approval_by_customer(warehouse, Filters(as_of=OCT), SME_ONLY).empty
    assert data.rows_in_selection(data.approval_by_customer(
        warehouse, Filters(as_of=OCT), data.UNRESTRICTED, limit=1)) == 2


def test_the_reasons_of_the_platforms_next_to_the_dispute_logs(warehouse):
    reasons = data.lifecycle_reasons(warehouse, OCT)
    assert reasons[["source", "reason", "invoices", "amount"]].values.tolist() == [
        ["lifecycle", "PU_ERR", 1, 2000], ["lifecycle", "LIVR_INCOMP", 1, 1000],
        ["dispute_log", "wrong_price", 1, 500], ["dispute_log", "delivery_not_made", 1, 400],
        ["dispute_log", "other", 1, 200], ["dispute_log", "billing_error", 1, 100]]
    assert reasons["status_code"].tolist()[:2] == [210, 207]
    assert reasons["requested_action"].tolist()[:2] == ["NIN", "CNP"]
    # at 30 Sep: the 12 months hold D2 (July) and D1 (September) only
    assert data.lifecycle_reasons(warehouse, SEP)["reason"].tolist() == [
        "wrong_price", "billing_error"]


def test_coverage_by_customer_and_the_warning(warehouse):
    coverage = data.lifecycle_coverage(warehouse, Filters(as_of=OCT), data.UNRESTRICTED)
    assert coverage[["customer_id", "invoices_issued", "invoices_with_status", "coverage",
                     "optional_statuses_seen", "platform_disputes",
                     "platform_disputes_not_in_log"]].values.tolist() == [
        ["C1", 3, 3, 1.0, 4, 2, 1], ["C4", 1, 1, 1.0, 0, 0, 0]]
    warnings = data.lifecycle_coverage(warehouse, Filters(as_of=OCT), data.UNRESTRICTED,
                                       warnings_only=True)
    assert warnings["customer_id"].tolist() == ["C1"]
    assert data.lifecycle_coverage(warehouse, Filters(as_of=OCT), SME_ONLY).empty
    assert data.lifecycle_coverage(warehouse, Filters(as_of=OCT, region="South"),
                                   data.UNRESTRICTED)["customer_id"].tolist() == ["C4"]


def test_open_items_carry_their_latest_status_and_the_collectors_flag(warehouse):
    c4 = data.open_items(warehouse, "C4", Filters(as_of=OCT), data.UNRESTRICTED)
    invoice = c4[c4["document_id"] == "INV5"].iloc[0]
    assert invoice["lifecycle_status_code"] == 200
    assert invoice["lifecycle_status_at"] == pd.Timestamp("2026-10-01 09:00")
    assert invoice["lifecycle_flag"] == "never_made_available"  # 10 days overdue
    c1 = data.open_items(warehouse, "C1", Filters(as_of=OCT), data.UNRESTRICTED,
                         forecast=True)
    assert c1[["document_id", "lifecycle_status_code"]].values.tolist() == [
        ["INV1", 207], ["INV2", 210]]
    assert c1["lifecycle_flag"].isna().all()
    assert "expected_payment_date" in c1  # the forecast's columns too
    # at 30 Sep INV1 was approved
    september = data.open_items(warehouse, "C1", Filters(as_of=SEP), data.UNRESTRICTED)
    assert september["lifecycle_status_code"].tolist() == [205]
    sheet = data.call_sheet(warehouse, "C4", Filters(as_of=OCT), data.UNRESTRICTED)
    # the unapplied row (no document) has no flag
    assert sheet.open_items["lifecycle_flag"].fillna("").tolist() == ["never_made_available", ""]


def test_a_rejected_invoice_is_flagged_for_reissue_in_the_users_language(warehouse):
    """The fixture's book has no rejected open item: an open items frame as
    data.open_items returns it, one invoice rejected (213), one never made available."""
    from dashboards.components import Page
    from dashboards.pages._lifecycle import flag_lines, with_lifecycle_status
    from dashboards.settings import DashboardSettings

    items = pd.DataFrame({
        "document_id": ["INV8", "INV9", "INV7"],
        "lifecycle_status_code": [213, 200, 205],
        "lifecycle_status_at": pd.to_datetime(["2026-10-02 10:00", "2026-10-01 09:00",
                                               "2026-10-03 08:00"]),
        "lifecycle_flag": ["rejected", "never_made_available", None]})
    for locale, rejected, flag, line in (
            ("en", "⚠ Rejected, 2026-10-02", "Rejected: reissue", "reissue it"),
            ("fr", "⚠ Rejetée, 02/10/2026", "Rejetée : à réémettre", "la réémettre")):
        page = Page(warehouse, Filters(as_of=OCT), data.UNRESTRICTED, DashboardSettings(),
                    {}, "/customer/C1", locale)
        shown = with_lifecycle_status(page, items, dated=True)
        assert shown["lifecycle_status_code"].tolist()[0] == rejected
        assert shown["lifecycle_status_code"].tolist()[2] == status_text(locale)
        assert shown["lifecycle_flag"].tolist()[0] == flag
        lines = {child.id: child for child in flag_lines(page, items, "flags").children}
        assert "INV8" in str(lines["flags-rejected"].children) and line in str(
            lines["flags-rejected"].children)
        assert "INV9" in str(lines["flags-never_made_available"].children)
    # without the lifecycle columns (an older warehouse) the items are left as they are
    plain = items.drop(columns=["lifecycle_status_code", "lifecycle_status_at",
                                "lifecycle_flag"])
    assert with_lifecycle_status(page, plain).equals(plain)
    assert flag_lines(page, plain, "flags") is None


def status_text(locale: str) -> str:
    return {"en": "Approved, 2026-10-03", "fr": "Approuvée, 03/10/2026"}[locale]

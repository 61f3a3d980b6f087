"""The data-access layer on the hand-made fixture warehouse (see fixture_warehouse.py
for the rows and the arithmetic behind each expected number)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from dashboards import data
from dashboards.data import Filters, Scope

OCT = dt.date(2026, 10, 31)
SME_ONLY = Scope(segments=("SME",), can_see_rows_in_quarantine=False)


@pytest.fixture
def warehouse(fixture_warehouse):
    with data.open_warehouse(fixture_warehouse) as opened:
        yield opened


def test_filters_from_url_ignore_malformed_values():
    filters = Filters.from_query({"as_of": "31/10/2026", "segment": "SME", "region": "",
                                  "bucket": "31-60", "collector_id": ["A", "B"]})
    assert filters == Filters(segment="SME")
    assert Filters.from_query({"as_of": "2026-10-31"}).as_of == OCT


def test_as_of_defaults_to_the_latest_date_and_rejects_unknown_ones(warehouse):
    assert data.resolve_as_of(warehouse, Filters()).as_of == OCT
    assert data.resolve_as_of(warehouse, Filters(as_of=dt.date(2020, 1, 31))).as_of == OCT
    sept = dt.date(2026, 9, 30)
    assert data.resolve_as_of(warehouse, Filters(as_of=sept)).as_of == sept


def test_company_kpis_come_from_kpi_monthly(warehouse):
    series = data.kpi_series(warehouse, Filters(as_of=OCT), data.UNRESTRICTED)
    latest = series.rows.iloc[-1]
    assert series.source == "company"
    # 4150 total, 1800 overdue: 1800 / 4150 = 0.43373...
    assert (latest["total_ar"], latest["overdue_ar"]) == (4150, 1800)
    assert latest["overdue_rate"] == pytest.approx(1800 / 4150)


def test_one_segment_reads_kpi_by_dimension_for_filter_and_scope_alike(warehouse):
    by_filter = data.kpi_series(warehouse, Filters(as_of=OCT, segment="SME"), data.UNRESTRICTED)
    by_scope = data.kpi_series(warehouse, Filters(as_of=OCT), SME_ONLY)
    for series in (by_filter, by_scope):
        assert series.source == "dimension"
        assert series.rows.iloc[-1]["dso_simple"] == 60.0  # the SME row, not the company's 42


def test_a_combination_of_dimensions_sums_the_aged_balance(warehouse):
    # SME and North: only C2's INV3, 500 open, 45 days past due, disputed.
    series = data.kpi_series(warehouse, Filters(as_of=OCT, region="North"), SME_ONLY)
    latest = series.rows.iloc[-1]
    assert series.source == "aged_balance"
    assert "dso_simple" not in series.available
    assert (latest["total_ar"], latest["overdue_ar"], latest["disputed_ar"]) == (500, 500, 500)
    assert latest["overdue_rate"] == 1.0


def test_a_filter_outside_the_scope_returns_nothing(warehouse):
    series = data.kpi_series(warehouse, Filters(as_of=OCT, segment="Retail"), SME_ONLY)
    assert series.rows.empty
    assert data.bucket_customers(warehouse, "", Filters(as_of=OCT, segment="Retail"),
                                 SME_ONLY).empty


def test_aged_buckets_by_dimension_sum_to_total_ar(warehouse):
    aged = data.aged_by_dimension(warehouse, "segment", Filters(as_of=OCT), data.UNRESTRICTED)
    assert aged["open_amount"].sum() == 4150
    sme = aged[aged["dimension_value"] == "SME"].set_index("aging_bucket")["open_amount"]
    assert sme.to_dict() == {"31-60": 500, "91-120": 300}


def test_aged_over_time_keeps_month_ends_up_to_as_of(warehouse):
    aged = data.aged_over_time(warehouse, Filters(as_of=dt.date(2026, 9, 30)),
                               data.UNRESTRICTED)
    totals = aged.groupby("as_of_date")["open_amount"].sum()
    # 31 Aug: INV4 300; 30 Sep: 1000 + 500 + 300 = 1800; 31 Oct is after as_of.
    assert totals.tolist() == [300, 1800]


def test_bucket_customers_and_their_open_items(warehouse):
    customers = data.bucket_customers(warehouse, "not_due", Filters(as_of=OCT),
                                      data.UNRESTRICTED)
    assert customers[["customer_id", "open_amount"]].values.tolist() == [["C1", 2000],
                                                                         ["C4", 400]]
    items = data.open_items(warehouse, "C1", Filters(as_of=OCT), data.UNRESTRICTED)
    assert items["document_id"].tolist() == ["INV1", "INV2"]


def test_customer_lists_keep_the_largest_and_count_the_rest(warehouse):
    # not_due at OCT: C1 2000, C4 400 (above); capped at one row, C1 stays and 2 are counted
    capped = data.bucket_customers(warehouse, "not_due", Filters(as_of=OCT),
                                   data.UNRESTRICTED, limit=1)
    assert capped["customer_id"].tolist() == ["C1"]
    assert data.rows_in_selection(capped) == 2
    everyone = data.customers_of(warehouse, Filters(as_of=OCT), data.UNRESTRICTED)
    top = data.customers_of(warehouse, Filters(as_of=OCT), data.UNRESTRICTED, limit=2)
    assert top["customer_id"].tolist() == everyone["customer_id"].tolist()[:2]
    assert data.rows_in_selection(top) == len(everyone) > 2
    one = data.customers_of(warehouse, Filters(as_of=OCT), data.UNRESTRICTED, customer_id="C4")
    assert one.to_dict("records") == everyone[everyone["customer_id"] == "C4"].to_dict("records")
    assert data.customers_of(warehouse, Filters(as_of=OCT), SME_ONLY, customer_id="C1").empty
    first = data.worklist(warehouse, Filters(as_of=OCT), SME_ONLY, limit=1).customers
    assert first["customer_id"].tolist() == ["C3"]  # rank 1 of C3, C2 (below)
    assert data.rows_in_selection(first) == 2


def test_restricted_manager_never_reaches_another_segments_customer(warehouse):
    assert data.customer_file(warehouse, "C1", Filters(as_of=OCT), SME_ONLY) is None
    assert data.open_items(warehouse, "C1", Filters(as_of=OCT), SME_ONLY).empty
    assert data.customer_file(warehouse, "C2", Filters(as_of=OCT), SME_ONLY) is not None
    customers = data.customers_of(warehouse, Filters(as_of=OCT), SME_ONLY)
    assert sorted(customers["customer_id"]) == ["C2", "C3"]
    options = data.filter_options(warehouse, SME_ONLY)
    assert options["segment"] == ["SME"]
    assert options["region"] == ["North", "South"]


def test_restriction_holds_on_worklist_disputes_and_collections(warehouse):
    worklist = data.worklist(warehouse, Filters(as_of=OCT), SME_ONLY)
    assert worklist.customers["customer_id"].tolist() == ["C3", "C2"]  # ranks 1 and 2
    disputes = data.dispute_views(warehouse, Filters(as_of=OCT), Scope(segments=("Retail",)))
    assert disputes.pareto.empty and disputes.open_disputes.empty
    collections = data.collection_views(warehouse, Filters(as_of=OCT), SME_ONLY)
    # From the call log of C2 and C3: 3 calls, 2 right-party contacts, 1 promise; kept
    # promises are by collector in the mart, hence not available for a segment.
    assert collections.funnel == {"calls": 3, "right_party_contacts": 2, "promises": 1,
                                  "promises_kept": None, "collected_30d": None}
    assert not collections.complete


def test_collector_scope_uses_the_effectiveness_mart(warehouse):
    views = data.collection_views(warehouse, Filters(as_of=OCT), Scope(collector_ids=("COL2",)))
    assert views.complete
    assert views.leaderboard["collector_id"].tolist() == ["COL2"]
    assert views.funnel["calls"] == 2


def test_quarantined_rows_only_for_unrestricted_users(warehouse):
    assert data.quality_views(warehouse, data.UNRESTRICTED).quarantine["row_number"].tolist() \
        == [5]
    restricted = data.quality_views(warehouse, SME_ONLY)
    assert restricted.quarantine is None and restricted.quarantined_rows == 1


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


def test_definition_cards_come_from_the_persisted_dbt_docs(warehouse):
    definitions = data.definitions(warehouse, "kpi_monthly")
    assert definitions["dso_simple"].startswith("Days sales outstanding")


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


def test_penalties_tile_reads_the_as_of_date_only_and_honours_the_scope(published_warehouse):
    with duckdb.connect(str(published_warehouse), read_only=True) as con:
        (as_of,) = con.execute("select max(as_of_date) from marts.kpi_monthly").fetchone()
        company, sme, all_dates = con.execute(
            """
            select
                sum(total_penalties) filter (where as_of_date = $1),
                sum(total_penalties) filter (where as_of_date = $1 and customer_id in (
                    select customer_id from raw.customers where segment = 'SME')),
                sum(total_penalties)
            from marts.late_payment_penalties
            """,
            [as_of],
        ).fetchone()
        (kpi_total,) = con.execute(
            "select late_payment_penalties from marts.kpi_monthly where as_of_date = ?", [as_of]
        ).fetchone()
    assert company > 0 and sme > 0 and all_dates > company
    assert company == pytest.approx(float(kpi_total), abs=0.01)
    with data.open_warehouse(published_warehouse) as opened:
        assert data.late_payment_penalties(opened, Filters(as_of=as_of), data.UNRESTRICTED) \
            == pytest.approx(float(company), abs=0.01)
        assert data.late_payment_penalties(opened, Filters(as_of=as_of), SME_ONLY) \
            == pytest.approx(float(sme), abs=0.01)


def test_row_links_carry_the_filters_and_the_row_value(warehouse):
    from dashboards.components import Page
    from dashboards.settings import DashboardSettings

    page = Page(warehouse, Filters(as_of=OCT, segment="Key accounts"), data.UNRESTRICTED,
                DashboardSettings(), {}, "/aged")
    links = page.hrefs("customer", ["C1", "C&2"], bucket="1-30", value=None)
    assert links == [page.href(bucket="1-30", customer="C1"),
                     page.href(bucket="1-30", customer="C&2")]
    assert links[1] == "/aged?as_of=2026-10-31&segment=Key+accounts&bucket=1-30&customer=C%262"
    assert Page(warehouse, Filters(), data.UNRESTRICTED, DashboardSettings(), {},
                "/aged").hrefs("customer", ["C1"]) == ["/aged?customer=C1"]

"""credit_scoreboard.catalogue: the KPI catalogue and aging bucket seeds, read without a
warehouse, agree with what dbt publishes from them."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from credit_scoreboard import catalogue
from credit_scoreboard.quality import KPI_UNITS


def test_buckets_come_in_display_order_and_file_every_day_once():
    buckets = catalogue.aging_buckets()
    assert [bucket.sort_order for bucket in buckets] == sorted(
        bucket.sort_order for bucket in buckets)
    assert catalogue.bucket_codes() == tuple(bucket.bucket for bucket in buckets)
    bounded = [bucket for bucket in buckets if bucket.is_bounded]
    assert catalogue.bucket_codes(bounded_only=True) == tuple(b.bucket for b in bounded)
    # each bounded bucket holds its own bounds, and every day falls in exactly one bucket
    for bucket in bounded:
        for days in (bucket.min_days_past_due, bucket.max_days_past_due):
            if days is not None:
                assert catalogue.bucket_of(days) == bucket.bucket
    for days in range(-400, 1000):
        assert sum(bucket.holds(days) for bucket in buckets) == 1, days
    # the unbounded bucket (unapplied cash and credit notes) holds no day
    assert all(not bucket.holds(0) for bucket in buckets if not bucket.is_bounded)
    assert {bucket.label("fr") for bucket in buckets}.isdisjoint({""})


def test_bucket_bins_cut_days_as_bucket_of_does():
    edges, codes = catalogue.bucket_bins()
    days = pd.Series(range(-400, 1000))
    cut = pd.cut(days, edges, labels=codes).astype(str)
    assert list(cut) == [catalogue.bucket_of(day) for day in days]


def test_kpis_have_labels_units_and_tiles():
    kpis = catalogue.kpis()
    assert kpis, "empty KPI catalogue"
    for kpi in kpis.values():
        assert kpi.unit in KPI_UNITS, kpi
        assert kpi.label("en") and kpi.label("fr"), kpi
        if kpi.unit == "rate" and kpi.target is not None:
            assert 0 <= kpi.target <= 1, kpi  # rates are fractions
    headline = catalogue.headline_kpis()
    assert headline and all(kpi.is_headline for kpi in headline)
    orders = [kpi.tile_order for kpi in headline]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)
    with pytest.raises(ValueError, match="language 'de'"):
        headline[0].label("de")


def test_seeds_are_what_the_warehouse_publishes(published_warehouse):
    con = duckdb.connect(str(published_warehouse), read_only=True)
    try:
        buckets = con.execute(
            "select bucket, min_days_past_due, max_days_past_due, label_en, label_fr,"
            " sort_order, colour from marts.aging_buckets order by sort_order").fetchall()
        kpis = con.execute(
            "select kpi, label_en, label_fr, unit, decimals, higher_is_better,"
            " target::double, is_headline, tile_order from marts.kpi_catalogue").fetchall()
    finally:
        con.close()
    assert [catalogue.Bucket(*row) for row in buckets] == catalogue.aging_buckets()
    assert {row[0]: catalogue.Kpi(*row) for row in kpis} == catalogue.kpis()

"""The dashboard's sums over many customers read marts.aged_balance_by_group. The fixture
warehouse (fixture_warehouse.py) builds that mart with the dbt model's own SQL from its
hand-made aged balance: the figures are worked by hand here, and every frame equals the
same sums written directly over marts.aged_balance."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from dashboards import data
from dashboards.data import Filters, Scope

OCT = dt.date(2026, 10, 31)
SEPT = dt.date(2026, 9, 30)


@pytest.fixture
def warehouse(fixture_warehouse):
    with data.open_warehouse(fixture_warehouse) as opened:
        yield opened


def test_hand_worked_figures_from_the_mart(warehouse):
    aged = data.aged_by_dimension(warehouse, "segment", Filters(as_of=OCT), data.UNRESTRICTED)
    over_time = data.aged_over_time(warehouse, Filters(as_of=SEPT), data.UNRESTRICTED)
    # every bucket at 31 Oct: 1 000 + 2 000 + 500 + 300 + 400 - 450 = 3 750;
    # SME: 500 in 31-60 (INV3) and 300 in 91-120 (INV4)
    assert aged["open_amount"].sum() == 3750
    sme = aged[aged["dimension_value"] == "SME"].set_index("aging_bucket")["open_amount"]
    assert sme.to_dict() == {"31-60": 500, "91-120": 300}
    # customers counted per bucket: Retail's C4 in 1-30 and unapplied
    retail = aged[aged["dimension_value"] == "Retail"].set_index("aging_bucket")["customers"]
    assert retail.to_dict() == {"1-30": 1, "unapplied": 1}
    # 31 Aug: 800 + 500 + 300 = 1 600; 30 Sep: 1 000 + 500 + 300 = 1 800
    assert over_time.groupby("as_of_date")["open_amount"].sum().tolist() == [1600, 1800]


def _from_aged_balance(warehouse, dimension: str, filters: Filters, scope: Scope):
    """The same long frame as data.aged_by_dimension, summed over every open item."""
    where, params = data.conditions("aged", filters, scope)
    return warehouse.df(f"""
        select coalesce({dimension}, '(not set)') as dimension_value, aging_bucket,
               sum(open_amount) as open_amount,
               cast(count(distinct customer_id) as bigint) as customers
        from marts.aged_balance as aged
        where as_of_date = ? and {where}
        group by all order by dimension_value""", [filters.as_of, *params])


@pytest.mark.parametrize("filters, scope", [
    (Filters(as_of=OCT), data.UNRESTRICTED),
    (Filters(as_of=OCT, segment="SME"), Scope(regions=("North",))),
    (Filters(as_of=SEPT), Scope(segments=("SME", "Key accounts"))),
])
def test_the_mart_gives_the_sums_of_the_aged_balance(warehouse, filters, scope):
    for dimension in data.DIMENSIONS:
        from_mart = data.aged_by_dimension(warehouse, dimension, filters, scope)
        direct = _from_aged_balance(warehouse, dimension, filters, scope)
        order = ["dimension_value", "aging_bucket"]
        pd.testing.assert_frame_equal(
            from_mart.sort_values(order).reset_index(drop=True),
            direct.sort_values(order).reset_index(drop=True), check_dtype=False)

"""The dashboard's sums over many customers read marts.aged_balance_by_group: on the hand-made
fixture warehouse (see fixture_warehouse.py) they give the same figures from that mart, built by
the dbt model's own SQL, as from the aged balance itself (a warehouse published before the mart)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import jinja2
import pandas as pd
import pytest

from dashboards import data
from dashboards.data import Filters, Scope

OCT = dt.date(2026, 10, 31)
SEPT = dt.date(2026, 9, 30)
MODEL = Path(__file__).parents[2] / "dbt_project/models/marts/credit/aged_balance_by_group.sql"


@pytest.fixture(scope="module")
def with_mart(fixture_warehouse, tmp_path_factory) -> Path:
    """A copy of the fixture warehouse plus the mart, built by the dbt model's SQL."""
    copy = tmp_path_factory.mktemp("by_group") / "credit.duckdb"
    shutil.copy(fixture_warehouse, copy)
    # the model's template rendered as a full (not incremental) dbt build renders it
    model_sql = jinja2.Template(MODEL.read_text()).render(
        ref=lambda name: f"marts.{name}", config=lambda **_: "", rebuilt_dates=lambda: "true")
    with duckdb.connect(str(copy)) as con:
        con.execute(f"create table marts.aged_balance_by_group as {model_sql}")
    return copy


def test_the_mart_is_read_when_present_and_the_aged_balance_otherwise(fixture_warehouse, with_mart):
    with data.open_warehouse(with_mart) as warehouse:
        assert data.aged_totals(warehouse) == "marts.aged_balance_by_group"
    with data.open_warehouse(fixture_warehouse) as warehouse:
        assert "from marts.aged_balance" in data.aged_totals(warehouse)


def test_hand_worked_figures_from_the_mart(with_mart):
    with data.open_warehouse(with_mart) as warehouse:
        aged = data.aged_by_dimension(warehouse, "segment", Filters(as_of=OCT), data.UNRESTRICTED)
        over_time = data.aged_over_time(warehouse, Filters(as_of=SEPT), data.UNRESTRICTED)
    # every bucket at 31 Oct: 4150 in all; SME: 500 in 31-60 and 300 in 91-120
    assert aged["open_amount"].sum() == 4150
    sme = aged[aged["dimension_value"] == "SME"].set_index("aging_bucket")["open_amount"]
    assert sme.to_dict() == {"31-60": 500, "91-120": 300}
    # 31 Aug: INV4 300; 30 Sep: 1000 + 500 + 300 = 1800
    assert over_time.groupby("as_of_date")["open_amount"].sum().tolist() == [300, 1800]


@pytest.mark.parametrize("filters, scope", [
    (Filters(as_of=OCT), data.UNRESTRICTED),
    (Filters(as_of=OCT, segment="SME"), Scope(regions=("North",))),
    (Filters(as_of=SEPT), Scope(segments=("SME", "Key accounts"))),
])
def test_mart_and_aged_balance_give_the_same_frames(fixture_warehouse, with_mart, filters, scope):
    def views(path: Path) -> list[pd.DataFrame]:
        with data.open_warehouse(path) as warehouse:
            frames = [data.kpi_series(warehouse, filters, scope).rows,
                      data.aged_over_time(warehouse, filters, scope),
                      data.dispute_views(warehouse, filters, scope).share_of_overdue]
            for dimension in data.DIMENSIONS:
                frames.append(data.kpis_by_value(warehouse, dimension, filters, scope))
                frames.append(data.aged_by_dimension(warehouse, dimension, filters, scope))
        return [frame.sort_values(list(frame.columns[:2])).reset_index(drop=True)
                for frame in frames]

    from_mart, from_aged_balance = views(with_mart), views(fixture_warehouse)
    for mart_frame, aged_balance_frame in zip(from_mart, from_aged_balance, strict=True):
        pd.testing.assert_frame_equal(mart_frame, aged_balance_frame)

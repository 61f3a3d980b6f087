"""The headline KPIs as the marts publish them, and the check that three computations
(marts, direct DuckDB script, pandas) agree."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pandas as pd

AMOUNT_TOLERANCE = 0.01  # a cent (pandas sums floats)
DAYS_TOLERANCE = 1e-6  # DSO days
KPI_COLUMNS = ("total_ar", "overdue_ar", "dso_simple", "dso_countback")


def marts_headline_kpis(warehouse: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(kpis, aged) read from the published marts.kpi_monthly and marts.aged_balance."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        kpis = con.execute(
            "select as_of_date, total_ar, overdue_ar, dso_simple, dso_countback "
            "from marts.kpi_monthly order by as_of_date").df()
        aged = con.execute(
            "select as_of_date, aging_bucket, sum(open_amount) as open_amount "
            "from marts.aged_balance group by all order by all").df()
    finally:
        con.close()
    return kpis, aged


def _number(value) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return None
    return float(value)


def differences(reference: tuple[pd.DataFrame, pd.DataFrame],
                other: tuple[pd.DataFrame, pd.DataFrame], other_name: str) -> list[str]:
    """Every figure where `other` disagrees with `reference` (the marts), as readable lines;
    empty when they agree. A bucket missing on one side counts as 0."""
    problems = []
    ref_kpis, other_kpis = (frame.assign(as_of_date=pd.to_datetime(frame["as_of_date"]))
                            .set_index("as_of_date") for frame in (reference[0], other[0]))
    if list(ref_kpis.index) != list(other_kpis.index):
        missing = sorted(set(ref_kpis.index) ^ set(other_kpis.index))
        problems.append(f"{other_name}: as-of dates differ from the marts' ({missing[:5]})")
    for as_of in ref_kpis.index.intersection(other_kpis.index):
        for column in KPI_COLUMNS:
            a, b = _number(ref_kpis.at[as_of, column]), _number(other_kpis.at[as_of, column])
            tolerance = DAYS_TOLERANCE if column.startswith("dso") else AMOUNT_TOLERANCE
            if (a is None) != (b is None) or (a is not None and abs(a - b) > tolerance):
                problems.append(f"{other_name}: {column} at {as_of.date()}: marts {a}, {b}")
    ref_aged, other_aged = (
        frame.assign(as_of_date=pd.to_datetime(frame["as_of_date"]),
                     open_amount=frame["open_amount"].astype(float))
        .set_index(["as_of_date", "aging_bucket"])["open_amount"]
        for frame in (reference[1], other[1]))
    both = pd.concat([ref_aged, other_aged], axis=1, keys=["marts", "other"]).fillna(0)
    for (as_of, bucket), row in both.iterrows():
        if abs(row["marts"] - row["other"]) > AMOUNT_TOLERANCE:
            problems.append(f"{other_name}: aged {bucket} at {as_of.date()}: "
                            f"marts {row['marts']:.2f}, {row['other']:.2f}")
    return problems

"""No leakage (CONTRACT.md section 3, "Payment forecast at D"): the pipeline run on the
extracts cut at D (credit_scoreboard.cut) with `--as-of D` gives the same forecast rows
for D as the run on the full extracts: marts.invoice_payment_forecast (every column) and
marts.cash_forecast.

The book is the session's small generated one (tests/conftest.py: 150 customers, 3 years,
seed 11) and its published warehouse, so only the run on the cut extracts is extra. D is
the month end 8 months before the end of the book: enough history before it to train on
(training snapshots end 182 days before D), and 8 months of events after it that the
forecast must not see.

Values are compared exactly, except floating-point columns, equal to 1e-9: DuckDB adds
doubles in the order its threads meet them, which may differ in the last bits between two
runs on different data.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from credit_scoreboard.cut import cut_landing
from credit_scoreboard.pipeline import run_pipeline

pytestmark = pytest.mark.slow

MONTHS_BEFORE_END = 8
FLOAT_TOLERANCE = 1e-9


def month_end_before(day: dt.date, months: int) -> dt.date:
    """The last day of the month `months` months before the month of `day`."""
    first_of_month = dt.date(day.year + (day.month - 1 - months) // 12,
                             (day.month - 1 - months) % 12 + 1, 1)
    return (first_of_month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


@pytest.fixture(scope="module")
def cut_warehouse(generated_landing: Path, tmp_path_factory) -> tuple[dt.date, Path]:
    """(D, the warehouse published from the extracts cut at D, run with as-of D)."""
    manifest = json.loads((generated_landing / "manifest.json").read_text())
    at = month_end_before(dt.date.fromisoformat(manifest["params"]["end_date"]),
                          MONTHS_BEFORE_END)
    folder = tmp_path_factory.mktemp("cut")
    counts = cut_landing(generated_landing, folder / "landing", at)
    assert counts["invoices"]["removed"] and counts["payments"]["removed"], counts
    assert counts["disputes"]["reopened"], counts  # the book has disputes closed after D
    warehouse = folder / "credit.duckdb"
    run_pipeline(landing_dir=folder / "landing", warehouse=warehouse, as_of=at)
    return at, warehouse


def rows_at(warehouse: Path, table: str, at: dt.date, order_by: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            f"select * from marts.{table} where as_of_date = ? order by {order_by}", [at]
        ).df()


def differences(full: pd.DataFrame, cut: pd.DataFrame, key: str) -> list[str]:
    """One line per column that differs: how many rows, and the first few (key, full, cut)."""
    found = []
    if list(full.columns) != list(cut.columns):
        return [f"columns differ: full {list(full.columns)} / cut {list(cut.columns)}"]
    full_keys, cut_keys = set(full[key]), set(cut[key])
    if full_keys != cut_keys:
        found.append(f"{key}: {len(full_keys - cut_keys)} rows only in the full run (e.g. "
                     f"{sorted(full_keys - cut_keys)[:3]}), {len(cut_keys - full_keys)} only "
                     f"in the cut run (e.g. {sorted(cut_keys - full_keys)[:3]})")
        common = sorted(full_keys & cut_keys)
        full = full.set_index(key).loc[common].reset_index()
        cut = cut.set_index(key).loc[common].reset_index()
    for column in full.columns:
        left, right = full[column], cut[column]
        if pd.api.types.is_float_dtype(left) and pd.api.types.is_float_dtype(right):
            same = np.isclose(left.to_numpy(float), right.to_numpy(float),
                              rtol=FLOAT_TOLERANCE, atol=FLOAT_TOLERANCE, equal_nan=True)
        else:
            equal = (left == right).astype("boolean").fillna(False)
            same = (equal | (left.isna() & right.isna())).to_numpy(bool)
        if not same.all():
            examples = [(full[key].iloc[i], left.iloc[i], right.iloc[i])
                        for i in np.flatnonzero(~same)[:3]]
            found.append(f"{column}: {int((~same).sum())} of {len(same)} rows differ, "
                         f"e.g. ({key}, full, cut) {examples}")
    return found


def test_forecast_rows_at_d_are_the_same_on_the_extracts_cut_at_d(
        published_warehouse: Path, cut_warehouse: tuple[dt.date, Path]) -> None:
    at, cut = cut_warehouse
    full_rows = rows_at(published_warehouse, "invoice_payment_forecast", at, "document_id")
    cut_rows = rows_at(cut, "invoice_payment_forecast", at, "document_id")
    assert len(full_rows) > 100, f"too few invoices open at {at} to prove anything"
    found = differences(full_rows, cut_rows, "document_id")
    assert not found, (f"invoice_payment_forecast at {at} differs between the full run and "
                       "the run on the extracts cut at D:\n" + "\n".join(found))


def test_cash_forecast_at_d_is_the_same_on_the_extracts_cut_at_d(
        published_warehouse: Path, cut_warehouse: tuple[dt.date, Path]) -> None:
    at, cut = cut_warehouse
    full_rows = rows_at(published_warehouse, "cash_forecast", at, "week_number")
    cut_rows = rows_at(cut, "cash_forecast", at, "week_number")
    assert len(full_rows) == 13
    found = differences(full_rows, cut_rows, "week_number")
    assert not found, (f"cash_forecast at {at} differs between the full run and the run on "
                       "the extracts cut at D:\n" + "\n".join(found))

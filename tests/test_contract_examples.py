"""The two worked examples of CONTRACT.md section 3, run through the whole pipeline
from landing files (both CSV dialects).

Countback: AR 250 000 at 31 March 2025 (310 000 invoiced - 60 000 paid), sales March
120 000, February 90 000, January 100 000: 31 + 28 + 40 000 / 100 000 x 31 = 71.4 days.

DMP (2025, not a leap year), weights 10 000 / 2 000 / 8 000 out of 20 000:
  A: issued 2 Jan, due 3 Mar (60 d), paid 13 Mar (70 d, 10 beyond)
  B: issued 15 Jan, due 28 Feb (44 d), paid 28 Feb (44 d, 0 beyond)
  C: issued 3 Feb, due 4 Apr (60 d), paid 5 May (91 d, 31 beyond)
  dmp   = (10 000 x 70 + 2 000 x 44 + 8 000 x 91) / 20 000 = 75.8
  terms = (10 000 x 60 + 2 000 x 44 + 8 000 x 60) / 20 000 = 58.4
  beyond= (10 000 x 10 + 2 000 x 0 + 8 000 x 31) / 20 000 = 17.4
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import pytest

from credit_scoreboard.pipeline import run_pipeline

EXAMPLES = Path(__file__).parent / "fixtures" / "contract_examples"
ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
AMOUNT = re.compile(r"\b(\d+)\.(\d{2})\b")


def to_french_export(source: Path, target: Path) -> None:
    """Rewrite a landing folder as a French ERP exports it: Windows-1252, `;`,
    `1 234,56` amounts and DD/MM/YYYY dates."""
    target.mkdir(parents=True)
    for csv_file in source.glob("*.csv"):
        text = csv_file.read_text(encoding="utf-8").replace(",", ";")
        text = ISO_DATE.sub(lambda m: f"{m[3]}/{m[2]}/{m[1]}", text)
        text = AMOUNT.sub(lambda m: f"{int(m[1]):,}".replace(",", " ") + "," + m[2], text)
        (target / csv_file.name).write_bytes(text.encode("cp1252"))


@pytest.fixture(params=["csv", "csv-fr"])
def dialect(request) -> str:
    return request.param


def publish_example(name: str, dialect: str, tmp_path: Path) -> Path:
    landing = EXAMPLES / name
    if dialect == "csv-fr":
        landing = tmp_path / "landing-fr"
        to_french_export(EXAMPLES / name, landing)
    warehouse = tmp_path / "credit.duckdb"
    run_pipeline(landing_dir=landing, warehouse=warehouse)
    return warehouse


def kpis_at(warehouse: Path, as_of: dt.date, columns: str) -> tuple:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            f"select {columns} from marts.kpi_monthly where as_of_date = ?", [as_of]
        ).fetchone()


def test_countback_example(dialect, tmp_path):
    warehouse = publish_example("countback", dialect, tmp_path)
    total_ar, dso_countback = kpis_at(warehouse, dt.date(2025, 3, 31), "total_ar, dso_countback")
    assert float(total_ar) == 250_000.00
    assert round(float(dso_countback), 1) == 71.4


def test_dmp_example(dialect, tmp_path):
    warehouse = publish_example("dmp", dialect, tmp_path)
    columns = "dmp_days, contract_terms_days, avg_days_beyond_terms"
    # The run's as-of date is the latest date in the extracts: C's payment, 5 May.
    as_of_values = kpis_at(warehouse, dt.date(2025, 5, 5), columns)
    assert [round(float(value), 1) for value in as_of_values] == [75.8, 58.4, 17.4]
    # At 30 April only A and B are settled (weights 10 000 and 2 000 of 12 000):
    # dmp (700 000 + 88 000) / 12 000 = 65.67, terms (600 000 + 88 000) / 12 000 = 57.33,
    # beyond 100 000 / 12 000 = 8.33.
    april_values = kpis_at(warehouse, dt.date(2025, 4, 30), columns)
    assert [round(float(value), 2) for value in april_values] == [65.67, 57.33, 8.33]

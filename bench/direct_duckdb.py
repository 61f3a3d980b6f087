"""The headline KPIs by the hand-optimised DuckDB script (direct_duckdb.sql): the yardstick
of what this hardware can do with the same landing files."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from credit_scoreboard import catalogue

SCRIPT = Path(__file__).with_name("direct_duckdb.sql")


def _files(landing: Path, entity: str) -> str:
    """Every Parquet extract of an entity (`<entity>.parquet`, `<entity>_*.parquet`)."""
    paths = sorted({*landing.glob(f"{entity}.parquet"), *landing.glob(f"{entity}_*.parquet")})
    if not paths:
        raise FileNotFoundError(f"{landing}: no {entity} parquet extract")
    return "[" + ", ".join(f"'{path}'" for path in paths) + "]"


def _statements(script: str) -> list[str]:
    """The script's statements (comment lines dropped first: they may hold semicolons)."""
    code = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("--"))
    return [statement for statement in code.split(";") if statement.strip()]


def headline_kpis(landing: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(kpis: as_of_date, total_ar, overdue_ar, dso_simple, dso_countback;
    aged: as_of_date, aging_bucket, open_amount) for every as-of date."""
    files = {entity: _files(Path(landing), entity)
             for entity in ("invoices", "payments", "disputes", "calls")}
    files["aging_buckets"] = catalogue.seeds_dir() / "aging_buckets.csv"
    con = duckdb.connect()
    try:
        con.execute("set enable_progress_bar = false")
        for statement in _statements(SCRIPT.read_text().format(**files)):
            con.execute(statement)
        kpis = con.execute("select * from kpis order by as_of_date").df()
        aged = con.execute("select * from aged order by as_of_date, aging_bucket").df()
    finally:
        con.close()
    return kpis, aged

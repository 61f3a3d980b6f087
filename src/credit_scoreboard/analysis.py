"""Analyst access to the published warehouse (the notebooks' one import).

Open it read-only, list the marts, and read the definitions dbt persisted as comments.
KPI logic lives in dbt: this module only reads what the pipeline published.

Labels, units, targets, headline tiles and the aging buckets (order, labels, colours) come
from the catalogue marts (`marts.kpi_catalogue`, `marts.aging_buckets`, dbt seeds), in the
analyst's language ("en" or "fr"): `kpi_catalogue`, `headline_kpis`, `aging_buckets`, and
`display_labels` for every other column (`marts.column_labels`).
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pandas as pd

from credit_scoreboard import settings


def open_warehouse(path: str | Path | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published warehouse: `path`, else the
    CREDIT_SCOREBOARD_WAREHOUSE variable, else warehouse/credit.duckdb in the checkout.

    Read-only so that a notebook never blocks the pipeline's publish step; close it when done.
    """
    warehouse = Path(path) if path else settings.default_warehouse()
    if not warehouse.is_file():
        raise FileNotFoundError(
            f"no published warehouse at {warehouse}: run `make demo` or "
            "`credit-scoreboard run --landing DIR`, or set CREDIT_SCOREBOARD_WAREHOUSE"
        )
    return duckdb.connect(str(warehouse), read_only=True)


def list_marts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The tables of the `marts` schema with their row counts and dbt descriptions."""
    return con.execute(
        """
        select table_name, estimated_size as rows, coalesce(comment, '') as description
        from duckdb_tables()
        where database_name = current_database() and schema_name = 'marts'
        order by table_name
        """
    ).df()


def definition(con: duckdb.DuckDBPyConnection, table: str, column: str | None = None) -> str:
    """The description dbt persisted for `table` ("marts.kpi_monthly" or "kpi_monthly",
    schema marts by default) or for one of its columns."""
    schema, _, name = table.rpartition(".")
    schema = schema or "marts"
    if column is None:
        row = con.execute(
            "select comment from duckdb_tables() where schema_name = ? and table_name = ?",
            [schema, name],
        ).fetchone()
    else:
        row = con.execute(
            "select comment from duckdb_columns()"
            " where schema_name = ? and table_name = ? and column_name = ?",
            [schema, name, column],
        ).fetchone()
    if row is None:
        target = f"{schema}.{name}" + (f".{column}" if column else "")
        raise KeyError(f"{target} is not in the warehouse")
    return row[0] or ""


LANGUAGES = ("en", "fr")
# plotly's `separators` (decimal point, then thousands) per language
SEPARATORS = {"en": ".,", "fr": ",\u00a0"}


def _language(language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"language {language!r} is not one of {LANGUAGES}")
    return language


def tick_format(unit: str, decimals: int = 0) -> str:
    """A d3 (plotly) number format for a value of `unit`: rates as percentages."""
    if unit == "rate":
        return f".{int(decimals)}%"
    if unit in ("amount", "count"):
        return f",.{int(decimals)}f"
    return f".{int(decimals)}f"


def kpi_catalogue(con: duckdb.DuckDBPyConnection, language: str = "en") -> pd.DataFrame:
    """The KPI catalogue (marts.kpi_catalogue), indexed by kpi: `label` in `language`,
    `unit` (amount, rate, days, index or count: rates are fractions), `decimals`,
    `higher_is_better`, default `target` (same unit, may be missing), `is_headline`,
    `tile_order`, and `tick_format` for chart axes."""
    frame = con.execute(
        f"""
        select kpi, label_{_language(language)} as label, unit, decimals, higher_is_better,
            target::double as target, is_headline, tile_order
        from marts.kpi_catalogue
        order by tile_order nulls last, kpi
        """
    ).df().set_index("kpi")
    frame["tick_format"] = [tick_format(unit, decimals)
                            for unit, decimals in zip(frame.unit, frame.decimals, strict=True)]
    return frame


def aging_buckets(con: duckdb.DuckDBPyConnection, language: str = "en") -> pd.DataFrame:
    """The aging buckets (marts.aging_buckets) in display order, indexed by bucket code:
    `label` in `language`, `colour`, `sort_order` and the day bounds (missing: open)."""
    return con.execute(
        f"""
        select bucket, label_{_language(language)} as label, colour, sort_order,
            min_days_past_due, max_days_past_due
        from marts.aging_buckets
        order by sort_order
        """
    ).df().set_index("bucket")


def display_labels(con: duckdb.DuckDBPyConnection, language: str = "en") -> dict[str, str]:
    """Column name -> label in `language` for every mart column: the catalogue's KPI labels
    and `marts.column_labels` (the others). Pass it as plotly express `labels=`."""
    column = f"label_{_language(language)}"
    labels = dict(con.execute(f"select column_name, {column} from marts.column_labels").fetchall())
    labels.update(con.execute(f"select kpi, {column} from marts.kpi_catalogue").fetchall())
    return labels


def bucket_chart_options(buckets: pd.DataFrame, column: str = "bucket") -> dict:
    """plotly express keywords that order and colour the buckets as the catalogue does,
    for a chart whose `column` holds the bucket labels (`buckets.label`), e.g.
    `frame[column] = frame.aging_bucket.map(buckets.label)`."""
    return {
        "category_orders": {column: list(buckets.label)},
        "color_discrete_map": dict(zip(buckets.label, buckets.colour, strict=True)),
    }


def format_value(value, unit: str, decimals: int = 0, language: str = "en") -> str:
    """A KPI value written for people: EUR 28,451,975 / 28 451 975 €, 25.6% / 25,6 %,
    45.2 days / 45,2 jours. Missing values are an em dash."""
    _language(language)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "\u2014"
    number = float(value) * (100 if unit == "rate" else 1)
    places = int(decimals)
    text = f"{number:,.{places}f}"
    if language == "fr":
        text = text.replace(",", "\u00a0").replace(".", ",")
    if unit == "amount":
        return f"{text}\u00a0\u20ac" if language == "fr" else f"EUR {text}"
    if unit == "rate":
        return f"{text}\u00a0%" if language == "fr" else f"{text}%"
    if unit == "days":
        return f"{text} jours" if language == "fr" else f"{text} days"
    return text


def headline_kpis(con: duckdb.DuckDBPyConnection, as_of_date=None,
                  language: str = "en") -> pd.DataFrame:
    """The scoreboard's headline KPIs at `as_of_date` (default: the latest, i.e. the run's
    as-of date) from marts.kpi_monthly, in tile order: `label`, `value`, `text` (the value
    formatted by unit), `unit`, `target`, `higher_is_better` and `meets_target` (missing
    without a target or a value). Values are the mart's: nothing is recomputed."""
    catalogue = kpi_catalogue(con, language)
    headline = catalogue[catalogue.is_headline].sort_values("tile_order")
    columns = set(con.execute(
        "select column_name from duckdb_columns() where database_name = current_database()"
        " and schema_name = 'marts' and table_name = 'kpi_monthly'"
    ).df().column_name)
    missing = [kpi for kpi in headline.index if kpi not in columns]
    if missing:
        raise KeyError(f"headline KPIs that are not columns of marts.kpi_monthly: {missing}")
    selected = ", ".join(f'"{kpi}"::double as "{kpi}"' for kpi in headline.index)
    row = con.execute(
        f"""
        select as_of_date, {selected} from marts.kpi_monthly
        where as_of_date = coalesce(?::date, (select max(as_of_date) from marts.kpi_monthly))
        """,
        [as_of_date],
    ).df()
    if row.empty:
        raise KeyError(f"no row of marts.kpi_monthly at {as_of_date}")
    frame = headline[["label", "unit", "decimals", "target", "higher_is_better"]].copy()
    frame.insert(1, "value", [row.at[0, kpi] for kpi in headline.index])
    frame.insert(2, "text", [
        format_value(value, unit, decimals, language)
        for value, unit, decimals in zip(frame.value, frame.unit, frame.decimals, strict=True)
    ])
    frame["meets_target"] = [
        None if pd.isna(value) or pd.isna(target)
        else bool(value >= target if better else value <= target)
        for value, target, better in zip(frame.value, frame.target, frame.higher_is_better,
                                         strict=True)
    ]
    frame.attrs["as_of_date"] = row.at[0, "as_of_date"]
    return frame

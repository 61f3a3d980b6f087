"""Analyst access to the published warehouse (the notebooks' one import).

Open it read-only, list the marts, and read the definitions dbt persisted as comments.
KPI logic lives in dbt: this module only reads what the pipeline published.
"""

from __future__ import annotations

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

"""Where things live. Every path can be overridden by an environment variable so that
the CLI, the Airflow DAGs, the dashboard and the tests agree on one layout."""

from __future__ import annotations

import os
from pathlib import Path

# The checkout (or the image's /opt/credit-scoreboard): holds dbt_project/ and expectations/.
PROJECT_ROOT = Path(
    os.environ.get("CREDIT_SCOREBOARD_ROOT", Path(__file__).resolve().parents[2])
)
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"


def duckdb_memory_limit() -> str:
    """DuckDB's memory cap in the pipeline and in dbt: `CREDIT_SCOREBOARD_DUCKDB_MEMORY_LIMIT`
    (a size, "6GB", or a share of RAM, "25%"), 25% by default. DuckDB's own default, 80%,
    starves Airflow and the dashboard on a shared host (a 10M-invoice build took 20 GB);
    past the cap DuckDB spills to temporary files."""
    return os.environ.get("CREDIT_SCOREBOARD_DUCKDB_MEMORY_LIMIT", "").strip() or "25%"


def default_warehouse() -> Path:
    """The published warehouse file (CONTRACT.md section 2)."""
    return Path(
        os.environ.get("CREDIT_SCOREBOARD_WAREHOUSE", PROJECT_ROOT / "warehouse" / "credit.duckdb")
    )

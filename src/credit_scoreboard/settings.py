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


def default_warehouse() -> Path:
    """The published warehouse file (CONTRACT.md section 2)."""
    return Path(
        os.environ.get("CREDIT_SCOREBOARD_WAREHOUSE", PROJECT_ROOT / "warehouse" / "credit.duckdb")
    )

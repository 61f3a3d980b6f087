"""What the cash forecast adds to a build, and its backtest, on a published warehouse.

    .venv/bin/python -m bench.forecast_cost --warehouse W.duckdb [--work DIR]

Copies the warehouse, rebuilds the forecast layer alone from scratch (its features, the
model at every as-of date, the forecast marts and their dbt tests), and prints the seconds
and the process's peak RSS, then the backtest table of marts.forecast_accuracy (mean of
each metric per method over the scored as-of dates). The warehouse itself is not touched.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from credit_scoreboard import transform

FORECAST_LAYER = "path:models/intermediate/forecast path:models/marts/forecast"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(dir=args.work, prefix="forecast-cost-"))
    copy = work / "build.duckdb"
    shutil.copyfile(args.warehouse, copy)
    with duckdb.connect(str(copy), read_only=True) as con:
        (as_of,) = con.execute("select max(as_of_date) from marts.kpi_monthly").fetchone()
        (invoices,) = con.execute("select count(*) from raw.invoices").fetchone()
    started = time.perf_counter()
    transform.build_models(copy, as_of, FORECAST_LAYER)
    seconds = time.perf_counter() - started
    peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(f"documents {invoices:,}; as-of {as_of}; forecast layer rebuilt from scratch in "
          f"{seconds:.1f} s; peak RSS {peak_gib:.2f} GiB")
    with duckdb.connect(str(copy), read_only=True) as con:
        table = con.execute("""
            pivot (select method, metric, value, as_of_date from marts.forecast_accuracy)
            on method using round(avg(value), 3) group by metric order by metric
        """).df()
        (dates,) = con.execute(
            "select count(distinct as_of_date) from marts.forecast_accuracy").fetchone()
    print(f"backtest: means over {dates} as-of dates")
    print(table.to_string(index=False))
    shutil.rmtree(work)


if __name__ == "__main__":
    main()

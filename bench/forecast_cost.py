"""What the cash forecast adds to a build, and its backtest, on a published warehouse.

    .venv/bin/python -m bench.forecast_cost --warehouse W.duckdb [--work DIR]
        [--without-lifecycle-statuses]

Copies the warehouse, rebuilds the forecast layer alone from scratch (its features, the
model at every as-of date, the forecast marts and their dbt tests), and prints the seconds
and the process's peak RSS, then the backtest table of marts.forecast_accuracy (mean of
each metric per method over the scored as-of dates). The warehouse itself is not touched.
--without-lifecycle-statuses rebuilds it a second time with the model blind to the
e-invoicing statuses (var forecast_use_lifecycle_statuses) and prints the model's invoice
metrics both ways on the invoices that had a status at D: what the statuses add.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

from credit_scoreboard import transform
from credit_scoreboard.forecast import metrics

FORECAST_LAYER = "path:models/intermediate/forecast path:models/marts/forecast"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--without-lifecycle-statuses", action="store_true")
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
    if args.without_lifecycle_statuses:
        with_statuses = invoices_with_statuses(copy)
        transform.build_models(copy, as_of, FORECAST_LAYER,
                               vars={"forecast_use_lifecycle_statuses": False})
        without = invoices_with_statuses(copy)
        for subset, rows in (("with an e-invoicing status at D", slice(None)),
                             ("whose payment was sent (211) by D", "payment_sent")):
            chosen = [frame if rows == slice(None) else frame[frame[rows]]
                      for frame in (with_statuses, without)]
            print(f"the model on the invoices {subset} ({len(chosen[0]):,} invoice-dates), "
                  "means over the scored dates:")
            print(pd.DataFrame({"with statuses": subset_metrics(chosen[0]),
                                "without statuses": subset_metrics(chosen[1])})
                  .round(4).to_string())
    shutil.rmtree(work)


def invoices_with_statuses(warehouse: Path) -> pd.DataFrame:
    """The forecasts of the scored dates for the invoices with a status at D (not in
    litigation: reported apart), and whether the buyer had sent the payment (211)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("""
            select forecasts.as_of_date, forecasts.expected_payment_date,
                forecasts.payment_date_p10, forecasts.payment_date_p90, forecasts.p_paid_30d,
                outcomes.settlement_date,
                features.payment_transmitted_days_ago is not null as payment_sent
            from marts.invoice_payment_forecast as forecasts
            join intermediate.int_forecast_invoice_features as features
                using (as_of_date, document_id)
            left join intermediate.int_forecast_invoice_outcomes as outcomes using (document_id)
            where features.lifecycle_status_code is not null
                and not forecasts.is_litigation
                and forecasts.as_of_date in (select as_of_date from marts.forecast_accuracy)
            order by forecasts.as_of_date, forecasts.document_id
        """).df()


def subset_metrics(rows: pd.DataFrame) -> dict[str, float]:
    """The invoice metrics (forecast.metrics, the mart's own functions) per date, averaged."""
    per_date = []
    for as_of_date, group in rows.groupby("as_of_date"):
        values = metrics.invoice_metrics(
            as_of_date.date(), group["expected_payment_date"], group["settlement_date"],
            group["p_paid_30d"].to_numpy(), group["payment_date_p10"], group["payment_date_p90"])
        per_date.append({name: value for name, (value, _) in values.items()})
    return pd.DataFrame(per_date).mean().to_dict()


if __name__ == "__main__":
    main()

"""The backtest of the payment forecast (marts.forecast_accuracy, CONTRACT.md section 3).

At every month end D whose 13 weeks are over (D + 91 <= the run's as-of date) and that has
a model forecast, each method is scored on what happened after D:
- `model`: the product's forecast (expected date, P10-P90, P(paid within 30 days), weekly
  cash from the weekly probabilities);
- the baselines `due_date`, `customer_delay`, `rules`: their date; P(paid within 30 days) is
  1 when that date is within 30 days, else 0; no interval; weekly cash: the open amount in
  the week of the date.
The weekly cash of every method, and the actual cash, come from cash_forecast_vs_actual.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from credit_scoreboard.forecast import metrics

METHODS = ("model", "due_date", "customer_delay", "rules")
BACKTEST_DAYS = 91
WEEKS = 13
OUTPUT_COLUMNS = {
    "as_of_date": "date",
    "method": "varchar",
    "metric": "varchar",
    "value": "double",
    "invoices": "integer",
}


def backtest_dates(as_of_dates, forecasts) -> list[dt.date]:
    """The month ends D with D + 91 <= the run's as-of date and a model forecast."""
    run_date = as_of_dates.aggregate("max(as_of_date)").fetchall()[0][0]
    if run_date is None:
        return []
    modelled = (
        forecasts.filter("forecast_basis = 'model'").project("as_of_date").distinct()
        .filter(f"as_of_date = last_day(as_of_date)"
                f" and as_of_date + {BACKTEST_DAYS} <= date '{run_date.isoformat()}'")
        .order("as_of_date")
    )
    return [row[0] for row in modelled.fetchall()]


def read_forecasts(forecasts, outcomes, as_of_date: dt.date) -> pd.DataFrame:
    """The invoices open at D: each method's forecast and the settlement date."""
    rows = forecasts.filter(f"as_of_date = date '{as_of_date.isoformat()}'").project(
        "document_id, is_litigation, expected_payment_date, payment_date_p10, payment_date_p90, "
        "p_paid_30d, due_date_method_date, customer_delay_method_date, rules_method_date")
    settled = outcomes.project("document_id as settled_document_id, settlement_date")
    return (rows.join(settled, "document_id = settled_document_id", how="left")
            .order("document_id").df())


def accuracy_at(as_of_date: dt.date, invoices: pd.DataFrame, weekly: pd.DataFrame) -> list[dict]:
    """The metric rows of one as-of date. `invoices`: read_forecasts; `weekly`: the rows
    of cash_forecast_vs_actual of D (week_number, method, expected_cash, actual_cash)."""
    cash_invoices = int((~invoices["is_litigation"].fillna(False).astype(bool)).sum())
    deadline = np.datetime64(as_of_date, "D") + metrics.PAID_WITHIN_DAYS
    rows = []
    for method in METHODS:
        if method == "model":
            scores = metrics.invoice_metrics(
                as_of_date, invoices["expected_payment_date"], invoices["settlement_date"],
                invoices["p_paid_30d"], invoices["payment_date_p10"],
                invoices["payment_date_p90"])
        else:
            method_date = invoices[f"{method}_method_date"].to_numpy(dtype="datetime64[D]")
            scores = metrics.invoice_metrics(
                as_of_date, method_date, invoices["settlement_date"],
                (method_date <= deadline).astype(float))
        weeks = weekly[weekly["method"] == method].sort_values("week_number")
        if len(weeks) == WEEKS:
            cash = metrics.weekly_metrics(weeks["expected_cash"].to_numpy(dtype=float),
                                          weeks["actual_cash"].to_numpy(dtype=float))
            scores |= {name: (value, cash_invoices) for name, value in cash.items()}
        rows += [
            {"as_of_date": as_of_date, "method": method, "metric": metric,
             "value": scores[metric][0], "invoices": scores[metric][1]}
            for metric in metrics.METRICS if metric in scores
        ]
    return rows


def forecast_accuracy(session, forecasts, outcomes, cash_vs_actual, as_of_dates):
    """Every backtest date's metric rows, as a DuckDB relation with the mart's types."""
    rows = []
    for as_of_date in backtest_dates(as_of_dates, forecasts):
        weekly = cash_vs_actual.filter(f"as_of_date = date '{as_of_date.isoformat()}'").project(
            "week_number, method, expected_cash, actual_cash").df()
        rows += accuracy_at(as_of_date, read_forecasts(forecasts, outcomes, as_of_date), weekly)
    frame = pd.DataFrame(rows, columns=list(OUTPUT_COLUMNS))
    frame["value"] = frame["value"].astype("float64")
    return session.from_df(frame).project(", ".join(
        f"cast({name} as {sql_type}) as {name}" for name, sql_type in OUTPUT_COLUMNS.items()))

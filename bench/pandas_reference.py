"""The headline KPIs as an analyst would write them in pandas: read the extracts, then for
each as-of date filter what happened up to it and group by. Straightforward on purpose:
it is the yardstick the pipeline must beat, and a third opinion on the numbers.

Amounts are converted to float (as an analyst would); the comparison allows a cent.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from credit_scoreboard import catalogue

# (low, high] days past due, from the one file that defines them (dbt seed aging_buckets.csv)
BUCKET_EDGES, BUCKET_LABELS = catalogue.bucket_bins()
WINDOW_DAYS = 90
COUNTBACK_MONTHS = 24


def _read(landing: Path, entity: str, columns: list[str]) -> pd.DataFrame:
    paths = sorted({*landing.glob(f"{entity}.parquet"), *landing.glob(f"{entity}_*.parquet")})
    return pd.concat([pd.read_parquet(path, columns=columns) for path in paths],
                     ignore_index=True)


def _bucket(days_past_due: pd.Series) -> pd.Series:
    return pd.cut(days_past_due, BUCKET_EDGES, labels=BUCKET_LABELS)


def _countback(total_ar: float, as_of: pd.Timestamp, monthly_sales: pd.Series,
               month_to_date_sales: float) -> float | None:
    remaining, days = total_ar, 0
    month = as_of.to_period("M")
    for back in range(COUNTBACK_MONTHS):
        if back == 0:
            sales, month_days = month_to_date_sales, as_of.day
        else:
            sales, month_days = monthly_sales.get(month - back, 0.0), (month - back).days_in_month
        if sales <= 0:
            return None
        if remaining <= sales:
            return days + remaining / sales * month_days
        remaining -= sales
        days += month_days
    return None


def headline_kpis(landing: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    landing = Path(landing)
    documents = _read(landing, "invoices", ["document_id", "customer_id", "document_type",
                                            "document_date", "due_date", "amount",
                                            "applies_to_document_id"])
    payments = _read(landing, "payments", ["customer_id", "document_id", "payment_date",
                                           "amount"])
    disputes = _read(landing, "disputes", ["opened_date", "closed_date"])
    calls = _read(landing, "calls", ["call_time"])
    for frame in (documents, payments):
        frame["amount"] = frame["amount"].astype(float)
    for frame, columns in ((documents, ["document_date", "due_date"]),
                           (payments, ["payment_date"]),
                           (disputes, ["opened_date", "closed_date"])):
        for column in columns:
            frame[column] = pd.to_datetime(frame[column])

    run_date = max(documents["document_date"].max(), payments["payment_date"].max(),
                   disputes["opened_date"].max(), disputes["closed_date"].max(),
                   pd.to_datetime(calls["call_time"]).max().normalize())
    month_ends = pd.date_range(documents["document_date"].min(), run_date, freq="ME")
    as_of_dates = sorted(set(month_ends) | {run_date})

    invoices = documents[documents["document_type"] == "invoice"]
    notes = documents[documents["document_type"] == "credit_note"]
    owner = invoices[["document_id", "customer_id"]]
    paid = payments.merge(owner, on=["document_id", "customer_id"])
    credited = notes.merge(owner.rename(columns={"document_id": "applies_to_document_id"}),
                           on=["applies_to_document_id", "customer_id"])
    settlements = pd.concat([
        pd.DataFrame({"document_id": paid["document_id"], "date": paid["payment_date"],
                      "amount": paid["amount"]}),
        pd.DataFrame({"document_id": credited["applies_to_document_id"],
                      "date": credited["document_date"], "amount": -credited["amount"]}),
    ])
    monthly_sales = documents.groupby(documents["document_date"].dt.to_period("M"))[
        "amount"].sum()

    kpi_rows, aged_rows = [], []
    for as_of in as_of_dates:
        total_ar = (documents.loc[documents["document_date"] <= as_of, "amount"].sum()
                    - payments.loc[payments["payment_date"] <= as_of, "amount"].sum())
        issued = invoices[invoices["document_date"] <= as_of]
        settled = settlements[settlements["date"] <= as_of].groupby("document_id")[
            "amount"].sum()
        open_amount = (issued["amount"] - issued["document_id"].map(settled).fillna(0)).clip(
            lower=0)
        days_past_due = (as_of - issued["due_date"]).dt.days
        is_open = open_amount > 0
        by_bucket = open_amount[is_open].groupby(_bucket(days_past_due[is_open]),
                                                 observed=True).sum()
        for bucket, amount in by_bucket.items():
            aged_rows.append((as_of, bucket, amount))
        aged_rows.append((as_of, "unapplied", total_ar - open_amount.sum()))
        in_window = ((documents["document_date"] > as_of - pd.Timedelta(days=WINDOW_DAYS))
                     & (documents["document_date"] <= as_of))
        sales_window = documents.loc[in_window, "amount"].sum()
        month_to_date = documents.loc[
            (documents["document_date"] >= as_of.to_period("M").start_time)
            & (documents["document_date"] <= as_of), "amount"].sum()
        kpi_rows.append((
            as_of, total_ar, open_amount[days_past_due > 0].sum(),
            total_ar / sales_window * WINDOW_DAYS if sales_window else np.nan,
            _countback(total_ar, as_of, monthly_sales, month_to_date),
        ))
    kpis = pd.DataFrame(kpi_rows, columns=["as_of_date", "total_ar", "overdue_ar",
                                           "dso_simple", "dso_countback"])
    aged = pd.DataFrame(aged_rows, columns=["as_of_date", "aging_bucket", "open_amount"])
    return kpis, aged

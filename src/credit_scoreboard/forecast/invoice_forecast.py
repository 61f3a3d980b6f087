"""The rows of marts.invoice_payment_forecast, one as-of date at a time.

For each as-of date D: read the invoices open at D (int_forecast_invoice_features), take the
model set of D's fit date F <= D (fit_date: the latest month end by default), fitted once on the
month-end snapshots whose outcome was known at F (model.py) with its calendar
(payment_calendar.py), read each invoice's daily distribution (distribution.py), then its
basis, reasons and expected cash.
Only what is dated <= D is read for D, so a run on the extracts cut at D gives the same
rows. With too little history (fewer than `min_training_rows` labelled rows) the forecast
is a point on the rules baseline's date, basis `no_history` unless a litigation, dispute
or promise drives it. An invoice whose buyer sent the payment (e-invoicing status 211) is
forecast from the days such payments took to arrive in the book (basis
`payment_transmitted`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from credit_scoreboard.forecast.distribution import DAYS_PER_WEEK, WEEKS, DailyDistribution
from credit_scoreboard.forecast.model import (
    CATEGORICAL_FEATURES,
    NUMERIC_FEATURES,
    ForecastSettings,
    PaymentDateModel,
    category_lists,
    derived_feature_sql,
)
from credit_scoreboard.forecast.part_payments import fit_weekly_rates, weekly_rates
from credit_scoreboard.forecast.payment_calendar import DEFAULT_TAIL_LEVEL, PaymentCalendar
from credit_scoreboard.forecast.reasons import forecast_reasons

# Invoices forecast together: the daily probabilities of 20 000 invoices x 120 days take 19 MB.
CHUNK_ROWS = 20_000
WEEK_COLUMNS = tuple(f"p_week_{week}" for week in range(1, WEEKS + 1))
# marts.invoice_payment_forecast: column -> type (the contract's columns first)
OUTPUT_COLUMNS = {
    "as_of_date": "date",
    "document_id": "varchar",
    "customer_id": "varchar",
    "open_amount": "decimal(18, 2)",
    "expected_payment_date": "date",
    "payment_date_p10": "date",
    "payment_date_p90": "date",
    "p_paid_7d": "double",
    "p_paid_30d": "double",
    "p_paid_90d": "double",
    "forecast_basis": "varchar",
    "forecast_reasons": "varchar",
    "forecast_reasons_fr": "varchar",
    "expected_cash_amount": "decimal(18, 2)",
    **{name: "double" for name in WEEK_COLUMNS},
    "p_later": "double",
    "part_payment_weekly_rate": "double",
    "is_promised": "boolean",
    "is_disputed": "boolean",
    "is_litigation": "boolean",
    "days_past_due": "integer",
    "due_date": "date",
    "segment": "varchar",
    "region": "varchar",
    "business_unit": "varchar",
    "collector_id": "varchar",
    "due_date_method_date": "date",
    "customer_delay_method_date": "date",
    "rules_method_date": "date",
}
_DAY_COLUMNS = {  # output date column -> days after D computed by the engine
    "expected_payment_date": "expected_days",
    "payment_date_p10": "p10_days",
    "payment_date_p90": "p90_days",
}


def _date(value: dt.date) -> str:
    return f"date '{value.isoformat()}'"


def read_open_invoices(features, as_of_date: dt.date, settings: ForecastSettings) -> pd.DataFrame:
    """The invoices open at D with every feature column, in document_id order."""
    return (
        features.filter(f"as_of_date = {_date(as_of_date)}")
        .project(f"*, {derived_feature_sql(settings.horizon_days)}")
        .order("document_id")
        .df()
    )


def read_training_rows(features, outcomes, payments, as_of_date: dt.date,
                       settings: ForecastSettings) -> pd.DataFrame:
    """The labelled month-end snapshots D' of D (D - training_months < D' <= D - H): at most
    max_training_rows, chosen by an MD5 of the key, sorted by (as_of_date, document_id).

    days_to_settlement = settlement_date - D' when settled by D' + H, else H; settled_13w:
    settled within the 13 weeks after D'; part_paid_13w: the cash paid to the invoice in
    those 13 weeks before its settlement day (instalments, an undisputed part)."""
    horizon = settings.horizon_days
    snapshot_filter = (
        "as_of_date = last_day(as_of_date)"
        f" and as_of_date <= {_date(as_of_date)} - {horizon}"
        f" and as_of_date > {_date(as_of_date)} - interval {settings.training_months} month"
    )
    columns = ", ".join(("as_of_date", "document_id", "customer_id")
                        + NUMERIC_FEATURES + CATEGORICAL_FEATURES)
    sampled = (
        features.filter(snapshot_filter)
        .project(f"{columns}, {derived_feature_sql(horizon)}, "
                 "md5(document_id || '|' || cast(as_of_date as varchar)) as sample_key")
        .order("sample_key")
        .limit(settings.max_training_rows)
    )
    settled = outcomes.project("document_id as settled_document_id, settlement_date")
    labelled = sampled.join(settled, "document_id = settled_document_id", how="left")
    part_paid = (
        labelled.project("as_of_date as paid_as_of_date, document_id as paid_document_id, "
                         "settlement_date as paid_settlement_date")
        .join(payments.project("document_id as payment_document_id, payment_date, amount"),
              f"""payment_document_id = paid_document_id
                  and payment_date > paid_as_of_date
                  and payment_date <= paid_as_of_date + {WEEKS * DAYS_PER_WEEK}
                  and (paid_settlement_date is null or payment_date < paid_settlement_date)""")
        .aggregate("paid_as_of_date, paid_document_id, sum(amount) as part_paid_13w",
                   "paid_as_of_date, paid_document_id")
    )
    return (
        labelled.join(part_paid, "as_of_date = paid_as_of_date and document_id = paid_document_id",
                      how="left")
        .project(
            "* exclude (sample_key, settled_document_id, settlement_date, paid_as_of_date, "
            "paid_document_id), "
            f"greatest(case when settlement_date <= as_of_date + {horizon}"
            f" then settlement_date - as_of_date else {horizon} end, 1) as days_to_settlement, "
            f"case when settlement_date <= as_of_date + {horizon}"
            f" then isodow(settlement_date) end as settlement_weekday, "
            f"coalesce(settlement_date <= as_of_date + {WEEKS * DAYS_PER_WEEK}, false)"
            " as settled_13w")
        .order("as_of_date, document_id")
        .df()
    )


# Fewer invoices settled after their 211 by D: too few to read the lag from.
MIN_TRANSMITTED_SETTLED = 20


def payment_transmitted(frame: pd.DataFrame, settings: ForecastSettings) -> np.ndarray:
    """The invoices whose buyer sent the payment (e-invoicing status 211 dated <= D), when the
    book tells how long such payments take to arrive (enough invoices settled after their
    211 by D), unless in litigation. Off with var forecast_use_lifecycle_statuses false."""
    if not settings.use_lifecycle_statuses:
        return np.zeros(len(frame), dtype=bool)
    settled = pd.to_numeric(frame["transmitted_settled_invoices"], errors="coerce").fillna(0)
    litigation = frame["is_litigation"].fillna(False).astype(bool)
    return ((settled >= MIN_TRANSMITTED_SETTLED) & ~litigation).to_numpy()


def transmitted_distribution(frame: pd.DataFrame, horizon_days: int) -> DailyDistribution:
    """The settlement of an invoice whose payment was sent `payment_transmitted_days_ago`:
    spread evenly over the 211-to-settlement days of the invoices settled by D (P10 to P90),
    less the days already gone (at least the next day)."""
    ago = pd.to_numeric(frame["payment_transmitted_days_ago"], errors="coerce").fillna(0)
    low = pd.to_numeric(frame["transmitted_to_cash_days_p10"], errors="coerce").fillna(1) - ago
    high = pd.to_numeric(frame["transmitted_to_cash_days_p90"], errors="coerce").fillna(1) - ago
    return DailyDistribution.uniform(np.maximum(low.to_numpy(), 1),
                                     np.maximum(high.to_numpy(), 1), horizon_days)


def forecast_basis(frame: pd.DataFrame, has_model: bool,
                   transmitted: np.ndarray | None = None) -> np.ndarray:
    """What drives the forecast: litigation, then a payment the buyer said it sent (211),
    then a dispute, then a promise covering the invoice, else the model (or no_history
    without one)."""
    def flag(name):
        return frame[name].fillna(False).astype(bool).to_numpy()

    if transmitted is None:
        transmitted = np.zeros(len(frame), dtype=bool)
    return np.select(
        [flag("is_litigation"), transmitted, flag("is_disputed"), flag("is_promised")],
        ["litigation", "payment_transmitted", "dispute", "promise"],
        "model" if has_model else "no_history",
    ).astype(object)


def expected_cash_amount(frame: pd.DataFrame) -> np.ndarray:
    """The cash an invoice should bring: its open amount, less the share of the disputed
    amount that disputes of that reason ended in a credit note or write-off."""
    open_amount = frame["open_amount"].to_numpy(dtype=float)
    disputed = np.minimum(frame["disputed_amount"].astype(float).fillna(0).to_numpy(), open_amount)
    credit_share = frame["reason_credit_share"].astype(float).fillna(0).to_numpy()
    is_disputed = frame["is_disputed"].fillna(False).astype(bool).to_numpy()
    return np.where(is_disputed, open_amount - disputed * credit_share, open_amount).round(2)


def fit_date(as_of_date: dt.date, refit_months: int) -> dt.date:
    """The month end whose model set serves D: the latest month end <= D whose month is a
    multiple of `refit_months` (1: every month end; 3: the quarter ends). D's forecast
    reads the model fitted at that date, so it still reads nothing dated after D."""
    month_index = as_of_date.year * 12 + as_of_date.month - 1  # months since year 0
    if as_of_date != _month_end(as_of_date):
        month_index -= 1  # D is not a month end: the previous month end is <= D
    month_index -= (month_index + 1) % refit_months
    year, month = divmod(month_index, 12)
    return _month_end(dt.date(year, month + 1, 1))


def _month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


@dataclass
class ModelSet:
    """What is learnt at a fit date: the payment-date model and the cash calendar (None
    with too little history), and the weekly part-payment rates (part_payments.py)."""

    model: PaymentDateModel | None
    calendar: PaymentCalendar | None
    part_payment_rates: dict[int, float]

    @property
    def tail_level(self) -> float:
        return self.calendar.tail_level if self.calendar else DEFAULT_TAIL_LEVEL


def fit_model_set(training: pd.DataFrame, settings: ForecastSettings) -> ModelSet:
    """The model set learnt from the training rows of a fit date (read_training_rows)."""
    # cross-fitting needs a customer per fold at least
    if (len(training) < settings.min_training_rows
            or training["customer_id"].nunique() < settings.folds):
        return ModelSet(None, None, {})
    model = PaymentDateModel(settings).fit(training, category_lists(training))
    calendar = PaymentCalendar(settings.horizon_days).fit(model.out_of_fold, training)
    rates = fit_weekly_rates(training.assign(expected_cash_amount=expected_cash_amount(training)))
    return ModelSet(model, calendar, rates)


def forecast_as_of(frame: pd.DataFrame, as_of_date: dt.date, model_set: ModelSet,
                   settings: ForecastSettings,
                   reason_labels: dict[str, tuple[str, str]] | None = None) -> pd.DataFrame:
    """The forecast rows of the invoices open at D (`frame`: read_open_invoices), pandas,
    dates as days after D in *_days."""
    if frame.empty:
        return frame
    model, calendar = model_set.model, model_set.calendar
    has_model = model is not None

    transmitted = payment_transmitted(frame, settings)

    def daily(chunk: pd.DataFrame, transmitted: np.ndarray) -> DailyDistribution:
        if has_model:
            distribution = calendar.daily(model.distribution(chunk), chunk, as_of_date)
        else:
            distribution = DailyDistribution.point(chunk["rules_method_days"].to_numpy(),
                                                   settings.horizon_days)
        if transmitted.any():
            distribution = distribution.replaced(
                transmitted, transmitted_distribution(chunk, settings.horizon_days))
        return distribution

    basis = forecast_basis(frame, has_model, transmitted)
    chunks = []
    for start in range(0, len(frame), CHUNK_ROWS):
        chunk = frame.iloc[start:start + CHUNK_ROWS]
        in_chunk = transmitted[start:start + CHUNK_ROWS]
        rows = assemble_rows(chunk, daily(chunk, in_chunk), basis[start:start + CHUNK_ROWS],
                             model_set.tail_level, reason_labels)
        rows["part_payment_weekly_rate"] = weekly_rates(chunk, model_set.part_payment_rates)
        chunks.append(rows)
    return pd.concat(chunks, ignore_index=True)


def assemble_rows(frame: pd.DataFrame, distribution: DailyDistribution, basis: np.ndarray,
                  tail_level: float, reason_labels) -> pd.DataFrame:
    """The mart's columns for the invoices of `frame` (dates as days after D)."""
    p_week, p_later = distribution.weekly()
    paid_within = distribution.paid_within([7, 30, 90])
    reasons_en, reasons_fr = forecast_reasons(frame, reason_labels)
    rows = frame[[name for name in OUTPUT_COLUMNS if name in frame.columns]].copy()
    rows["expected_days"] = distribution.quantile_days(0.5)
    rows["p10_days"] = distribution.quantile_days(tail_level, mid=True)
    rows["p90_days"] = distribution.quantile_days(1.0 - tail_level, mid=True)
    rows["p_paid_7d"], rows["p_paid_30d"], rows["p_paid_90d"] = paid_within.T
    rows["forecast_basis"] = basis
    rows["forecast_reasons"] = reasons_en
    rows["forecast_reasons_fr"] = reasons_fr
    rows["expected_cash_amount"] = expected_cash_amount(frame)
    for index, name in enumerate(WEEK_COLUMNS):
        rows[name] = p_week[:, index]
    rows["p_later"] = p_later
    return rows


def output_projection() -> str:
    """The SQL select list giving the mart its columns and types."""
    expressions = []
    for name, sql_type in OUTPUT_COLUMNS.items():
        if name in _DAY_COLUMNS:
            expressions.append(
                f"cast(as_of_date as date) + cast({_DAY_COLUMNS[name]} as integer) as {name}")
        else:
            expressions.append(f"cast({name} as {sql_type}) as {name}")
    return ", ".join(expressions)


def forecast_invoices(session, features, outcomes, payments, as_of_dates: list[dt.date],
                      settings: ForecastSettings, reason_labels=None):
    """Every as-of date's rows, as a DuckDB relation with the mart's columns and types.
    One model set per fit date, fitted once for the as-of dates it serves. (LightGBM
    crashes when two threads fit at once: the dates run one after the other.)"""
    frames: list[pd.DataFrame] = []
    model_sets: dict[dt.date, ModelSet] = {}
    for as_of_date in sorted(as_of_dates):
        fit_at = fit_date(as_of_date, settings.refit_months)
        if fit_at not in model_sets:
            model_sets = {fit_at: fit_model_set(
                read_training_rows(features, outcomes, payments, fit_at, settings), settings)}
        frame = read_open_invoices(features, as_of_date, settings)
        frames.append(forecast_as_of(frame, as_of_date, model_sets[fit_at], settings,
                                     reason_labels))
    frames = [frame for frame in frames if not frame.empty]
    if frames:
        rows = pd.concat(frames, ignore_index=True)
    else:
        rows = pd.DataFrame({name: pd.Series(dtype="object") for name in OUTPUT_COLUMNS}
                            | {name: pd.Series(dtype="float64") for name in _DAY_COLUMNS.values()})
    return session.from_df(rows).project(output_projection())

"""The payment-date model (credit_scoreboard.forecast), small: on a synthetic training set of
60 customers, each invoice's distribution is monotone, P10 <= median <= P90, the chances of
payment within 7/30/90 days increase, two fits give the same forecast; and the training set
of D reads only what was known at D."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pytest

from credit_scoreboard.forecast.distribution import (
    DailyDistribution,
    business_days,
    nearest_run_days,
)
from credit_scoreboard.forecast.invoice_forecast import (
    fit_date,
    forecast_basis,
    payment_transmitted,
    read_training_rows,
    transmitted_distribution,
)
from credit_scoreboard.forecast.model import (
    CATEGORICAL_FEATURES,
    DERIVED_FEATURES,
    NUMERIC_FEATURES,
    ForecastSettings,
    PaymentDateModel,
    category_lists,
)
from credit_scoreboard.forecast.payment_calendar import PaymentCalendar

SETTINGS = ForecastSettings(horizon_days=120, trees=30, scale_trees=15, min_rows_per_leaf=20)
SNAPSHOTS = [dt.date(2024, 1, 31), dt.date(2024, 2, 29), dt.date(2024, 3, 31)]


def synthetic_invoices(rows: int, seed: int, snapshots=SNAPSHOTS) -> pd.DataFrame:
    """Open invoices of 60 customers, each paying some days after the due date."""
    rng = np.random.default_rng(seed)
    customer = rng.integers(0, 60, rows)
    lateness = np.random.default_rng(0).gamma(2.0, 5.0, 60)[customer]
    days_to_due = rng.integers(-20, 60, rows)
    frame = pd.DataFrame({name: np.nan for name in NUMERIC_FEATURES + DERIVED_FEATURES},
                         index=range(rows))
    frame["as_of_date"] = pd.to_datetime([snapshots[i % len(snapshots)] for i in range(rows)])
    frame["document_id"] = [f"INV-{seed}-{i:05d}" for i in range(rows)]
    frame["customer_id"] = [f"CUS-{c:03d}" for c in customer]
    frame["days_past_due"] = -days_to_due
    frame["cust_avg_days_beyond_terms_12m"] = lateness.round()
    frame["cust_payment_run_share_12m"] = rng.random(rows)
    frame["invoice_amount"] = frame["open_amount"] = rng.gamma(2.0, 1000.0, rows).round(2)
    frame["due_date_method_days"] = np.maximum(days_to_due, 1)
    frame["customer_delay_method_days"] = np.maximum(days_to_due + lateness.round(), 1)
    frame["rules_method_days"] = frame["customer_delay_method_days"]
    for name in CATEGORICAL_FEATURES:
        frame[name] = None
    frame["segment"] = np.where(customer % 2 == 0, "SME", "Retail")
    settlement = np.clip(days_to_due + lateness + rng.normal(0, 4, rows), 1, None).round()
    frame["days_to_settlement"] = np.minimum(settlement, SETTINGS.horizon_days).astype(int)
    settled_on = frame["as_of_date"] + pd.to_timedelta(frame["days_to_settlement"], unit="D")
    frame["settlement_weekday"] = np.where(
        frame["days_to_settlement"] < SETTINGS.horizon_days, settled_on.dt.day_of_week + 1, np.nan)
    return frame.sort_values(["as_of_date", "document_id"], ignore_index=True)


def fitted(training: pd.DataFrame, open_invoices: pd.DataFrame):
    model = PaymentDateModel(SETTINGS).fit(training, category_lists(training, open_invoices))
    calendar = PaymentCalendar(SETTINGS.horizon_days).fit(model.out_of_fold, training)
    return model, calendar


@pytest.fixture(scope="module")
def forecast():
    training = synthetic_invoices(900, seed=1)
    open_invoices = synthetic_invoices(200, seed=2, snapshots=[dt.date(2024, 8, 31)])
    model, calendar = fitted(training, open_invoices)
    daily = calendar.daily(model.distribution(open_invoices), open_invoices, dt.date(2024, 8, 31))
    return model, calendar, daily, training, open_invoices


def test_distribution_is_monotone(forecast):
    _, _, daily, _, _ = forecast
    assert np.all(daily.probabilities >= 0)
    cumulated = np.cumsum(daily.probabilities, axis=1)
    assert np.all(np.diff(cumulated, axis=1) >= -1e-12)
    assert np.all(cumulated[:, -1] <= 1 + 1e-9)


def test_p10_before_median_before_p90(forecast):
    _, calendar, daily, _, _ = forecast
    p10 = daily.quantile_days(calendar.tail_level, mid=True)
    median = daily.quantile_days(0.5)
    p90 = daily.quantile_days(1 - calendar.tail_level, mid=True)
    assert np.all((1 <= p10) & (p10 <= median) & (median <= p90) & (p90 <= SETTINGS.horizon_days))
    assert np.any(p10 < p90)


def test_chances_of_payment_increase(forecast):
    _, _, daily, _, _ = forecast
    within = daily.paid_within([7, 30, 90])
    assert np.all(within[:, 0] <= within[:, 1] + 1e-12)
    assert np.all(within[:, 1] <= within[:, 2] + 1e-12)
    p_week, p_later = daily.weekly()
    assert np.allclose(p_week.sum(axis=1) + p_later, 1.0)
    # week 1 to 13 add up to the chance of payment within 91 days
    assert np.allclose(p_week.sum(axis=1), daily.paid_within([91])[:, 0])


def test_the_model_follows_the_customers_lateness(forecast):
    _, _, daily, _, open_invoices = forecast
    median = daily.quantile_days(0.5)
    actual = open_invoices["days_to_settlement"].to_numpy()
    rules = open_invoices["rules_method_days"].to_numpy()
    assert np.mean(np.abs(median - actual)) <= np.mean(np.abs(rules - actual)) + 0.5


def test_two_fits_give_the_same_forecast(forecast):
    model, calendar, daily, training, open_invoices = forecast
    again_model, again_calendar = fitted(training.copy(), open_invoices.copy())
    again = again_calendar.daily(again_model.distribution(open_invoices), open_invoices,
                                 dt.date(2024, 8, 31))
    assert np.array_equal(again.probabilities, daily.probabilities)
    assert again_calendar == calendar


def test_moved_probability_is_kept():
    # days 1..6 after a Friday D: Sat, Sun cannot be paid (the Friday before is D) and their
    # probability is shared over the other days; Mon 3 .. Thu 6 stay
    daily = DailyDistribution(np.array([[0.1, 0.1, 0.2, 0.2, 0.1, 0.1]]))
    moved = daily.moved(business_days(dt.date(2025, 10, 31), 6, to_friday=True))
    # 0.8 of probability in the first 6 days: 0.6 left on days 3-6, scaled by 0.8 / 0.6
    assert moved.probabilities[0] == pytest.approx([0, 0, 0.2 * 4 / 3, 0.2 * 4 / 3,
                                                    0.1 * 4 / 3, 0.1 * 4 / 3])


def test_payment_run_days():
    # D = 2026-03-31: days 1-4 (1-4 April) are nearest to D's month end: gone (0); days 5-19
    # nearest to 10 April (day 10); days 20-34 to 30 April (day 30); 35+ to 10 May (day 40)
    runs = nearest_run_days(dt.date(2026, 3, 31), 40)
    assert list(runs[:5]) == [0, 0, 0, 0, 10]
    assert runs[18] == 10 and runs[19] == 30 and runs[33] == 30 and runs[34] == 40


def test_training_set_reads_only_what_was_known_at_d():
    d = dt.date(2025, 6, 30)
    con = duckdb.connect()
    features = synthetic_invoices(40, seed=3, snapshots=[
        dt.date(2023, 6, 30),  # 24 months before D: outside the window
        dt.date(2024, 7, 31), dt.date(2025, 2, 28),  # within D - 24 months .. D - 120 days
        dt.date(2025, 3, 15),  # not a month end
        dt.date(2025, 3, 31),  # D - 91 days: outcome not known at D
    ]).drop(columns=["days_to_settlement", "settlement_weekday"])
    for name in ("due_date_method", "customer_delay_method", "rules_method"):
        features[f"{name}_date"] = features["as_of_date"] + pd.to_timedelta(
            features[f"{name}_days"], unit="D")
    features = features.drop(columns=list(DERIVED_FEATURES))
    features["settled"] = features["as_of_date"] + pd.to_timedelta(
        np.arange(len(features)) * 7 % 200 + 1, unit="D")
    outcomes = features[["document_id", "settled"]].rename(columns={"settled": "settlement_date"})
    con.register("features_frame", features.drop(columns=["settled"]))
    con.register("outcomes_frame", outcomes)
    con.execute("create table features as select * exclude (as_of_date, due_date_method_date,"
                " customer_delay_method_date, rules_method_date), cast(as_of_date as date)"
                " as as_of_date, cast(due_date_method_date as date) as due_date_method_date,"
                " cast(customer_delay_method_date as date) as customer_delay_method_date,"
                " cast(rules_method_date as date) as rules_method_date from features_frame")
    con.execute("create table outcomes as select document_id,"
                " cast(settlement_date as date) as settlement_date from outcomes_frame")
    # each invoice: 10 paid 5 days after its snapshot, 99 paid 100 days after (past 13 weeks)
    con.execute("""create table payments as
        select document_id, cast(as_of_date as date) + 5 as payment_date, 10.0 as amount
        from features_frame
        union all
        select document_id, cast(as_of_date as date) + 100, 99.0 from features_frame""")

    training = read_training_rows(con.table("features"), con.table("outcomes"),
                                  con.table("payments"), d, SETTINGS)
    snapshots = set(pd.to_datetime(training["as_of_date"]).dt.date)
    assert snapshots == {dt.date(2024, 7, 31), dt.date(2025, 2, 28)}
    labelled = training.merge(outcomes, on="document_id")
    settled_days = (labelled["settlement_date"] - pd.to_datetime(labelled["as_of_date"])).dt.days
    # the settlement is used when it came within the horizon, else the label is the horizon
    expected = np.where(settled_days <= SETTINGS.horizon_days, settled_days, SETTINGS.horizon_days)
    assert list(labelled["days_to_settlement"]) == list(expected)
    assert (pd.to_datetime(labelled["as_of_date"]) + pd.to_timedelta(
        labelled["days_to_settlement"], unit="D")).max() <= pd.Timestamp(d)
    assert training.equals(training.sort_values(["as_of_date", "document_id"], ignore_index=True))
    # part payments: the 10 paid on day 5 counts when the invoice was settled after day 5;
    # the 99 of day 100 is past the 13 weeks (91 days) and never counts
    part_paid = labelled["part_paid_13w"].fillna(0).to_numpy()
    assert list(part_paid) == list(np.where(settled_days > 5, 10.0, 0.0))
    assert list(labelled["settled_13w"]) == list(settled_days <= 91)


@pytest.mark.parametrize("as_of, refit_months, expected", [
    # a quarter end fits its own model set
    (dt.date(2026, 3, 31), 3, dt.date(2026, 3, 31)),
    # the next two month ends read the quarter end's set
    (dt.date(2026, 4, 30), 3, dt.date(2026, 3, 31)),
    (dt.date(2026, 5, 31), 3, dt.date(2026, 3, 31)),
    # a run date inside December: the last quarter end before it is 30 September
    (dt.date(2026, 12, 2), 3, dt.date(2026, 9, 30)),
    # across a year: January 2027 reads 31 December 2026
    (dt.date(2027, 1, 31), 3, dt.date(2026, 12, 31)),
    # monthly refits: every month end is its own fit date; a run date reads the last one
    (dt.date(2026, 2, 28), 1, dt.date(2026, 2, 28)),
    (dt.date(2026, 12, 2), 1, dt.date(2026, 11, 30)),
])
def test_fit_date_is_the_latest_refit_month_end_not_after_d(as_of, refit_months, expected):
    assert fit_date(as_of, refit_months) == expected


def test_weekly_part_payment_rates_worked_by_hand():
    from credit_scoreboard.forecast.part_payments import fit_weekly_rates, weekly_rates

    training = pd.DataFrame({
        # A: settled on day 20 (week 3): weeks 1-2 open; B: not settled within 13 weeks
        # C: settled on day 7 (week 1): no week open; D: settled on day 30 (week 5): 4 weeks
        "is_disputed": [False, False, True, True],
        "expected_cash_amount": [1000.0, 500.0, 900.0, 400.0],
        "days_to_settlement": [20, 120, 7, 30],
        "settled_13w": [True, False, True, True],
        "part_paid_13w": [40.0, 65.0, None, 32.0],
    })
    rates = fit_weekly_rates(training)
    # not disputed: (40 + 65) / (1000 x 2 + 500 x 13) = 105 / 8500
    assert rates[0] == pytest.approx(105 / 8500)
    # disputed: (0 + 32) / (900 x 0 + 400 x 4) = 0.02
    assert rates[1] == pytest.approx(0.02)
    assert list(weekly_rates(training, rates)) == [rates[0], rates[0], 0.02, 0.02]
    # a rate is capped at 1/13: 13 weeks of part payments never pay more than the invoice
    capped = fit_weekly_rates(training.assign(part_paid_13w=[5000.0, 0.0, 0.0, 0.0]))
    assert capped[0] == pytest.approx(1 / 13)


def test_a_payment_sent_by_the_buyer_is_forecast_from_the_books_lags():
    # At D the book's invoices settled after their 211 took 1 (P10) to 4 days (P90), from 30
    # of them. T1's payment was sent 1 day ago: days 1-3 after D, a third each (4 - 1 = 3);
    # T2's 6 days ago: past every lag, the next day. T3 is in litigation: not this rule.
    # T4 has no 211. T5's book had only 12 such invoices: too few, the model.
    frame = pd.DataFrame({
        "payment_transmitted_days_ago": [1, 6, 2, None, 1],
        "transmitted_settled_invoices": [30, 30, 30, None, 12],
        "transmitted_to_cash_days_p10": [1, 1, 1, None, 1],
        "transmitted_to_cash_days_p90": [4, 4, 4, None, 4],
        "is_litigation": [False, False, True, False, False],
        "is_disputed": [True, False, False, False, False],
        "is_promised": [False, False, False, False, True],
    })
    transmitted = payment_transmitted(frame, SETTINGS)
    assert list(transmitted) == [True, True, False, False, False]
    assert list(forecast_basis(frame, True, transmitted)) == [
        "payment_transmitted", "payment_transmitted", "litigation", "model", "promise"]
    daily = transmitted_distribution(frame.iloc[:2], 120).probabilities
    assert np.allclose(daily[0, :3], 1 / 3) and daily[0, 3:].sum() == 0
    assert daily[1, 0] == 1.0
    # the ablation (var forecast_use_lifecycle_statuses false) turns the rule off
    blind = ForecastSettings(use_lifecycle_statuses=False)
    assert not payment_transmitted(frame, blind).any()


def test_reasons_in_words():
    from credit_scoreboard.forecast.reasons import forecast_reasons

    frame = pd.DataFrame({
        "is_litigation": [False, False], "is_promised": [True, False],
        "has_pending_promise": [True, False],
        "promised_date": pd.to_datetime(["2026-12-10", None]),
        "cust_promises_matured": [5, 0], "cust_promises_kept": [4, 0],
        "is_disputed": [False, True], "dispute_reason": [None, "wrong_price"],
        "dispute_age_days": [None, 12], "reason_avg_resolution_days": [None, 35.2],
        "days_past_due": [-3, 1], "cust_avg_days_beyond_terms_12m": [9.4, None],
        "cust_avg_days_beyond_terms_3m": [9.0, None], "cust_direct_debit_share_12m": [0.9, 0.0],
        "cust_payment_run_share_12m": [0.1, 0.95], "post_due_calls_30d": [0, 2],
    })
    english, french = forecast_reasons(frame, {"wrong_price": ("Wrong price", "Prix erroné")})
    assert list(english) == [
        "promised for 2026-12-10, kept 4 of 5; pays 9 days late on average (12 months); "
        "pays by direct debit",
        "in dispute (Wrong price) for 12 days, such disputes take 35 days; 1 day overdue; "
        "no invoice settled in the last 12 months; pays in runs (10th, month end); "
        "reminded 2 times in 30 days",
    ]
    assert french[1].startswith("en litige (Prix erroné) depuis 12 jours, ces litiges durent "
                                "35 jours en moyenne; échue depuis 1 jour;")

"""The backtest metrics of a payment forecast (CONTRACT.md section 3): pure functions of
the forecasts made at D and of what happened after D.

Day arguments are dates (datetime.date, numpy datetime64) or day numbers; a metric over
an empty set, or whose denominator is zero, is None (never 0, never an error).

- mae_days: mean |expected - actual settlement date|, and within_7d_share: share within
  7 days, and c_index: Harrell's concordance of expected with actual dates, all over the
  invoices open at D settled within 90 days after D;
- brier_30d: mean (P(paid within 30 days) - paid within 30 days)^2 over every invoice open
  at D (its outcome at D + 30 is known at the backtest);
- interval_coverage_80: share of the settled invoices (same set as mae_days) with
  P10 <= actual <= P90; interval_width_days: their mean P90 - P10;
- wape_13w / wape_4w: sum over weeks 1-13 (1-4) of |expected - actual cash| / sum of the
  actual cash; bias_week_1: (expected - actual) / actual cash in week 1.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

SETTLED_WITHIN_DAYS = 90
WITHIN_DAYS = 7
PAID_WITHIN_DAYS = 30
METRICS = (
    "mae_days",
    "within_7d_share",
    "c_index",
    "brier_30d",
    "interval_coverage_80",
    "interval_width_days",
    "wape_13w",
    "wape_4w",
    "bias_week_1",
)


def _days(values) -> np.ndarray:
    """Day numbers (days since 1970-01-01) of dates, or the numbers themselves."""
    array = np.asarray(values)
    if array.dtype == object and array.size and isinstance(array.flat[0], dt.date):
        array = array.astype("datetime64[D]")
    if np.issubdtype(array.dtype, np.datetime64):
        return array.astype("datetime64[D]").astype(np.int64)
    return array.astype(float)


def _mean(values: np.ndarray) -> float | None:
    return float(np.mean(values)) if len(values) else None


def mae_days(expected, actual) -> float | None:
    """Mean absolute error in days."""
    return _mean(np.abs(_days(expected) - _days(actual)))


def within_7d_share(expected, actual) -> float | None:
    """Share of forecasts within 7 days (either side) of the actual date."""
    return _mean(np.abs(_days(expected) - _days(actual)) <= WITHIN_DAYS)


def c_index(expected, actual) -> float | None:
    """Harrell's C: over the pairs of invoices settled on different days, the share whose
    expected dates are in the same order (ties in the expected dates count one half).

    Equal to (1 + Somers' D of expected given actual) / 2, scipy.stats.somersd; None when
    every invoice settled on the same day."""
    from scipy.stats import somersd

    expected, actual = _days(expected), _days(actual)
    if len(actual) < 2 or np.all(actual == actual[0]):
        return None
    if np.all(expected == expected[0]):
        return 0.5
    return float((1.0 + somersd(actual, expected).statistic) / 2.0)


def brier_30d(p_paid_30d, paid_within_30d) -> float | None:
    """Mean squared gap between P(paid within 30 days) and what happened (1 or 0)."""
    probability = np.asarray(p_paid_30d, dtype=float)
    outcome = np.asarray(paid_within_30d, dtype=float)
    return _mean((probability - outcome) ** 2)


def interval_coverage_80(p10, p90, actual) -> float | None:
    """Share of invoices settled between their P10 and P90 dates (both included)."""
    actual = _days(actual)
    return _mean((_days(p10) <= actual) & (actual <= _days(p90)))


def interval_width_days(p10, p90) -> float | None:
    """Mean days from P10 to P90."""
    return _mean(_days(p90) - _days(p10))


def wape(expected_cash, actual_cash) -> float | None:
    """Weighted absolute percentage error: sum |expected - actual| / sum actual."""
    expected = np.asarray(expected_cash, dtype=float)
    actual = np.asarray(actual_cash, dtype=float)
    total = actual.sum()
    return float(np.abs(expected - actual).sum() / total) if total > 0 else None


def wape_13w(expected_weekly, actual_weekly) -> float | None:
    """WAPE over the 13 weeks after D (week 1 first)."""
    return wape(expected_weekly[:13], actual_weekly[:13])


def wape_4w(expected_weekly, actual_weekly) -> float | None:
    """WAPE over weeks 1-4."""
    return wape(expected_weekly[:4], actual_weekly[:4])


def bias_week_1(expected_weekly, actual_weekly) -> float | None:
    """(expected - actual) / actual cash of week 1: positive when the forecast is too high."""
    actual = float(actual_weekly[0])
    return (float(expected_weekly[0]) - actual) / actual if actual > 0 else None


def invoice_metrics(as_of_date, expected, settlement, p_paid_30d=None, p10=None, p90=None
                    ) -> dict[str, tuple[float | None, int]]:
    """The invoice-level metrics of one method at D: metric -> (value, invoices counted).

    `settlement`: each invoice's settlement date (None/NaT when still open). The interval
    metrics need p10/p90 (None for the baselines: no interval), brier_30d p_paid_30d."""
    settlement_date = np.asarray(settlement, dtype="datetime64[D]")
    is_settled = ~np.isnat(settlement_date)
    days_after = np.where(
        is_settled, _days(settlement_date) - _days(np.datetime64(as_of_date, "D")), np.inf)
    settled = is_settled & (days_after <= SETTLED_WITHIN_DAYS)
    expected_days = _days(expected)
    actual_days = _days(settlement_date)
    count = int(settled.sum())
    result = {
        "mae_days": (mae_days(expected_days[settled], actual_days[settled]), count),
        "within_7d_share": (within_7d_share(expected_days[settled], actual_days[settled]), count),
        "c_index": (c_index(expected_days[settled], actual_days[settled]), count),
    }
    paid_30 = is_settled & (days_after <= PAID_WITHIN_DAYS)
    result["brier_30d"] = (
        brier_30d(p_paid_30d, paid_30) if p_paid_30d is not None else None, len(paid_30))
    if p10 is not None and p90 is not None:
        p10_days, p90_days = _days(p10), _days(p90)
        result["interval_coverage_80"] = (
            interval_coverage_80(p10_days[settled], p90_days[settled], actual_days[settled]),
            count)
        result["interval_width_days"] = (
            interval_width_days(p10_days[settled], p90_days[settled]), count)
    else:
        result["interval_coverage_80"] = (None, count)
        result["interval_width_days"] = (None, count)
    return result


def weekly_metrics(expected_weekly, actual_weekly) -> dict[str, float | None]:
    """The cash metrics of one method at D from its 13 weekly amounts (week 1 first)."""
    return {
        "wape_13w": wape_13w(expected_weekly, actual_weekly),
        "wape_4w": wape_4w(expected_weekly, actual_weekly),
        "bias_week_1": bias_week_1(expected_weekly, actual_weekly),
    }

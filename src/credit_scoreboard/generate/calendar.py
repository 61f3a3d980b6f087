"""Vectorised day arithmetic on day numbers (int64 days since 1970-01-01).

Day numbers are what Arrow's date32 stores, so they go to the writers unchanged.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

EPOCH = dt.date(1970, 1, 1)
# A payment that never happens within the book (a failed customer, a dispute still open).
NEVER = np.int64(10_000_000)


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


def to_date(number: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(number))


def month_number(days: np.ndarray) -> np.ndarray:
    """Months since January 1970 of each day."""
    return np.asarray(days).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def first_day_of_month(months: np.ndarray) -> np.ndarray:
    return np.asarray(months).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def month_end(days: np.ndarray) -> np.ndarray:
    return first_day_of_month(month_number(days) + 1) - 1


def calendar_month(months: np.ndarray) -> np.ndarray:
    """1..12 for a month number."""
    return np.asarray(months) % 12 + 1


def weekday(days: np.ndarray) -> np.ndarray:
    """0 = Monday .. 6 = Sunday (1970-01-01 was a Thursday)."""
    return (np.asarray(days) + 3) % 7


def next_business_day(days: np.ndarray) -> np.ndarray:
    """Saturday and Sunday move to Monday (banks credit cash on working days)."""
    days = np.asarray(days)
    shift = np.select([weekday(days) == 5, weekday(days) == 6], [2, 1], 0)
    return np.where(days >= NEVER, days, days + shift)


def business_day_within(days: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Move a weekend day to the Friday before, or to the Monday after when the Friday
    falls before `low`; the result stays within [low, high] when that range has a weekday."""
    days = np.asarray(days)
    day_of_week = weekday(days)
    friday = days - np.select([day_of_week == 5, day_of_week == 6], [1, 2], 0)
    monday = days + np.select([day_of_week == 5, day_of_week == 6], [2, 1], 0)
    moved = np.where(friday >= low, friday, monday)
    return np.clip(moved, low, high)

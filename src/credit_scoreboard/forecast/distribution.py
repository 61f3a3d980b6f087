"""The settlement-date distribution of each open invoice (CONTRACT.md section 3, "Payment
forecast at D").

Two steps:
1. `ResidualDistribution`: a location-scale family around the model's median, shaped by
   the normalised out-of-fold residuals of the training invoices ("normalised
   conformal"): the days from D to settlement are T = location + scale x Z, Z following
   the empirical distribution of the normalised residuals. The invoice is open at D, so T
   is truncated below day 1; T is rounded to whole days.
2. `DailyDistribution`: the probability of settlement on each day 1..H after D (H the
   horizon; what is left is "later"), moved to the days cash really arrives: customers who
   pay in runs pay on the run day nearest to when they would have paid (the 10th or the
   month end), and cash reaches the bank on business days.

Everything an invoice row shows (the median date, P10 and P90, the chances of being paid
within 7/30/90 days, the weekly probabilities) is read from the daily probabilities, so it
is monotone by construction: P10 <= median <= P90 and P(7 days) <= P(30) <= P(90).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

WEEKS = 13
DAYS_PER_WEEK = 7
FIRST_DAY = 1  # an invoice open at D is settled on D + 1 at the earliest
RUN_DAY_OF_MONTH = 10  # payment runs: the 10th and the last day of the month


@dataclass(frozen=True)
class ResidualDistribution:
    """Days from D to settlement, per invoice: T_i = location_i + scale_i x Z, Z following
    the sorted sample of normalised residuals of the invoice's group."""

    location: np.ndarray
    scale: np.ndarray
    group: np.ndarray
    residuals_by_group: dict[int, np.ndarray]

    def __post_init__(self) -> None:
        if np.any(self.scale <= 0):
            raise ValueError("scales must be positive")
        for residuals in self.residuals_by_group.values():
            if len(residuals) == 0 or np.any(np.diff(residuals) < 0):
                raise ValueError("normalised residuals must be sorted and not empty")

    def cumulative(self, days: np.ndarray) -> np.ndarray:
        """P(T <= d), invoices x day counts d (untruncated)."""
        days = np.asarray(days, dtype=float)
        thresholds = (days[None, :] - self.location[:, None]) / self.scale[:, None]
        probability = np.empty_like(thresholds)
        for group, residuals in self.residuals_by_group.items():
            rows = self.group == group
            if rows.any():
                counts = np.searchsorted(residuals, thresholds[rows], side="right")
                probability[rows] = counts / len(residuals)
        return probability

    def daily(self, horizon_days: int) -> DailyDistribution:
        """P(settled on day t | open at D), t = 1..horizon: T rounded to the nearest day,
        the mass below day 1 removed (the invoice is open at D) and the rest rescaled."""
        edges = self.cumulative(np.arange(FIRST_DAY, horizon_days + 2) - 0.5)
        remaining = np.maximum(1.0 - edges[:, :1], 1e-12)
        return DailyDistribution(np.diff(edges, axis=1) / remaining)

    def before_first_day(self) -> np.ndarray:
        """P(T < 1 day), T rounded: the probability the model puts on D or before."""
        return self.cumulative(np.array([FIRST_DAY - 0.5]))[:, 0]


@dataclass(frozen=True)
class DailyDistribution:
    """`probabilities[i, t - 1]` = P(invoice i is settled on D + t), t = 1..H; each row sums
    to at most 1, the rest being settlement after D + H."""

    probabilities: np.ndarray

    @classmethod
    def point(cls, days: np.ndarray, horizon_days: int) -> DailyDistribution:
        """All the probability on one day per invoice (the forecast without a model)."""
        days = np.clip(np.asarray(days, dtype=np.int64), FIRST_DAY, horizon_days)
        probabilities = np.zeros((len(days), horizon_days))
        probabilities[np.arange(len(days)), days - FIRST_DAY] = 1.0
        return cls(probabilities)

    @classmethod
    def uniform(cls, first_days: np.ndarray, last_days: np.ndarray,
                horizon_days: int) -> DailyDistribution:
        """The probability spread evenly over days first..last after D, per invoice."""
        first = np.clip(np.asarray(first_days, dtype=np.int64), FIRST_DAY, horizon_days)
        last = np.clip(np.asarray(last_days, dtype=np.int64), first, horizon_days)
        days = np.arange(FIRST_DAY, horizon_days + 1)[None, :]
        inside = (days >= first[:, None]) & (days <= last[:, None])
        return cls(inside / inside.sum(axis=1, keepdims=True))

    def replaced(self, rows: np.ndarray, other: DailyDistribution) -> DailyDistribution:
        """This distribution with the invoices of `rows` (a mask) taken from `other`."""
        probabilities = self.probabilities.copy()
        probabilities[rows] = other.probabilities[rows]
        return DailyDistribution(probabilities)

    @property
    def horizon_days(self) -> int:
        return self.probabilities.shape[1]

    def __len__(self) -> int:
        return self.probabilities.shape[0]

    def moved(self, target_day: np.ndarray, share: np.ndarray | float = 1.0) -> DailyDistribution:
        """Each invoice's probability of day t moved to day target_day[t - 1] (days after D,
        within 1..H; 0: the invoice would have been settled by D, so that probability goes
        and the rest is rescaled), for the `share` of it (per invoice) that moves."""
        target = np.asarray(target_day, dtype=np.int64)
        if np.any(np.diff(target) < 0):
            raise ValueError("target days must not decrease")
        # days moving to the same target are consecutive: add them up in one pass
        starts = np.flatnonzero(np.diff(target, prepend=-1) != 0)
        kept_starts = starts[target[starts] >= FIRST_DAY]
        moved = np.zeros_like(self.probabilities)
        if len(kept_starts):
            first_kept = kept_starts[0]
            sums = np.add.reduceat(self.probabilities[:, first_kept:], kept_starts - first_kept,
                                   axis=1)
            moved[:, target[kept_starts] - FIRST_DAY] = sums
        total = self.probabilities.sum(axis=1, keepdims=True)
        kept = moved.sum(axis=1, keepdims=True)
        later = 1.0 - total
        # the probability left once the days before D are gone, shared as before
        moved *= np.where(kept > 0, (1.0 - later) / np.maximum(kept, 1e-12), 0.0)
        moved = np.where(kept > 0, moved, self.probabilities)
        share = np.broadcast_to(np.asarray(share, dtype=float), (len(self),))[:, None]
        return DailyDistribution(share * moved + (1.0 - share) * self.probabilities)

    def paid_within(self, days: list[int]) -> np.ndarray:
        """P(settled within d days after D), invoices x day counts d (d <= H)."""
        cumulated = np.cumsum(self.probabilities, axis=1)
        return np.clip(cumulated[:, np.asarray(days) - FIRST_DAY], 0.0, 1.0)

    def weekly(self) -> tuple[np.ndarray, np.ndarray]:
        """(p_week: invoices x 13, p_later): week k holds days 7k-6 .. 7k after D."""
        weeks = self.probabilities[:, : WEEKS * DAYS_PER_WEEK].reshape(
            len(self), WEEKS, DAYS_PER_WEEK).sum(axis=2)
        weeks = np.clip(weeks, 0.0, 1.0)
        return weeks, np.clip(1.0 - weeks.sum(axis=1), 0.0, 1.0)

    def quantile_days(self, probability: float, mid: bool = False) -> np.ndarray:
        """The first day after D by which the invoice is settled with this probability (H
        when it is not, by the horizon). `mid`: count half of each day's probability (the
        mid-cumulative), so that a day holding much probability (a payment run) does not
        widen both ends of an interval: on average P10-P90 then holds 80 %, not more."""
        cumulated = np.cumsum(self.probabilities, axis=1)
        if mid:
            cumulated -= self.probabilities / 2.0
        reached = cumulated >= probability - 1e-9
        return np.where(reached.any(axis=1), reached.argmax(axis=1) + FIRST_DAY,
                        self.horizon_days).astype(np.int64)


def nearest_run_days(as_of_date: dt.date, horizon_days: int) -> np.ndarray:
    """For each day t = 1..H after D, the day after D of the payment run nearest to it:
    the 10th or the last day of a month (ties to the later run); 0 when the nearest run is
    D or before: the invoice would have been paid in that run, and it was not."""
    days = _dates(as_of_date, horizon_days)
    runs = []
    month = days[0].astype("datetime64[M]") - 1
    while not runs or runs[-1] <= days[-1]:
        month_start = month.astype("datetime64[D]")
        runs += [month_start + RUN_DAY_OF_MONTH - 1, (month + 1).astype("datetime64[D]") - 1]
        month += 1
    runs = np.array(runs, dtype="datetime64[D]")
    distance = np.abs(days[:, None] - runs[None, :]).astype(np.int64)
    nearest = runs[distance.shape[1] - 1 - np.argmin(distance[:, ::-1], axis=1)]
    offsets = (nearest - np.datetime64(as_of_date, "D")).astype(np.int64)
    return np.where(offsets < FIRST_DAY, 0, np.minimum(offsets, horizon_days))


def business_days(as_of_date: dt.date, horizon_days: int, to_friday: bool) -> np.ndarray:
    """For each day t = 1..H after D, the business day cash of that day reaches the bank:
    the day itself on weekdays, the Friday before (or the Monday after) on a weekend. 0 when
    that Friday is D or before: the invoice would have been paid by D, and it was not. A
    Monday after the horizon becomes the Friday before it."""
    days = _dates(as_of_date, horizon_days)
    weekday = (days.astype(np.int64) - 4) % 7  # 0 = Monday (1970-01-01 was a Thursday)
    weekend = weekday >= 5
    shift = np.where(weekend, np.where(to_friday, 4 - weekday, 7 - weekday), 0)
    offsets = np.arange(FIRST_DAY, horizon_days + 1) + shift
    offsets = np.where(offsets > horizon_days, offsets - 3, offsets)
    return np.where(offsets < FIRST_DAY, 0, offsets)


def _dates(as_of_date: dt.date, horizon_days: int) -> np.ndarray:
    return np.datetime64(as_of_date, "D") + np.arange(FIRST_DAY, horizon_days + 1)

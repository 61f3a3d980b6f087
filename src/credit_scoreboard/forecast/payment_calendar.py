"""When cash really arrives: soon after D, on payment runs, on bank days; and the 80 %
range. Learnt at D from the training invoices.

The model's distribution is smooth in days; cash is not. Four numbers are learnt from the
training invoices' out-of-fold distributions (each at its own month end D', with that
month's calendar); the first two by maximum likelihood of the days the training invoices
were settled on, over a grid:
- the first-week share: the model puts some probability on D or before, which an invoice
  open at D cannot have; that share of it goes to the first week after D (shaped as the
  model's first week: the invoice is paid right away), the rest to every later day in
  proportion;
- per band of the customer's run share (its share of payment days on the 9th-11th or the
  month's last 3 days), the share of its probability that moves to the nearest payment run
  (the 10th or the month end);
- whether weekend cash lands on the Friday before or the Monday after (the weekday with
  more settlements);
- the tail level of the P10-P90 range: the one whose range holds 80 % of the training
  invoices settled within 90 days (the contract's coverage set), as split conformal
  prediction calibrates an interval.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from credit_scoreboard.forecast.distribution import (
    DailyDistribution,
    ResidualDistribution,
    business_days,
    nearest_run_days,
)

RUN_SHARE_BANDS = (0.2, 0.4, 0.6, 0.8)  # band 0: below 0.2 or unknown ... band 4: 0.8 and more
SHARE_GRID = np.linspace(0.0, 1.0, 21)
COVERAGE = 0.8
COVERAGE_SET_DAYS = 90
TAIL_LEVELS = np.arange(0.02, 0.2001, 0.0025)
DEFAULT_TAIL_LEVEL = 0.1
# A few numbers to learn: every n-th training invoice is enough.
CALENDAR_ROWS = 8000
FIRST_WEEK_DAYS = 7


def run_share_band(frame: pd.DataFrame) -> np.ndarray:
    share = pd.to_numeric(frame["cust_payment_run_share_12m"], errors="coerce").fillna(0.0)
    return np.digitize(share.to_numpy(), RUN_SHARE_BANDS)


@dataclass
class _Parts:
    """The pieces of the daily distributions of some invoices at one as-of date, on bank
    days: the model's (truncated at day 1) as it is (`smooth`) and moved to the runs
    (`snapped`); its first week alone, rescaled to 1 (`first_week`); and the probability
    the model put on D or before."""

    smooth: np.ndarray
    snapped: np.ndarray
    first_week: np.ndarray
    before_first_day: np.ndarray

    def combined(self, first_week_share: float, run_share: np.ndarray) -> np.ndarray:
        run_share = run_share[:, None]
        weight = (first_week_share * self.before_first_day)[:, None]
        probabilities = (1 - weight) * (
            (1 - run_share) * self.smooth + run_share * self.snapped)
        probabilities += weight * self.first_week
        return probabilities


def _parts(distribution: ResidualDistribution, as_of_date: dt.date, horizon_days: int,
           to_friday: bool) -> _Parts:
    daily = distribution.daily(horizon_days)
    runs = nearest_run_days(as_of_date, horizon_days)
    bank_days = business_days(as_of_date, horizon_days, to_friday)
    smooth = daily.moved(bank_days).probabilities
    week = smooth[:, :FIRST_WEEK_DAYS]
    total = week.sum(axis=1, keepdims=True)
    first_week = np.zeros_like(smooth)
    first_week[:, :FIRST_WEEK_DAYS] = np.where(total > 1e-12, week / np.maximum(total, 1e-12), 0.0)
    first_week[:, int(bank_days[bank_days >= 1][0]) - 1] += (total[:, 0] <= 1e-12)
    return _Parts(
        smooth=smooth,
        snapped=daily.moved(runs).moved(bank_days).probabilities,
        first_week=first_week,
        before_first_day=distribution.before_first_day(),
    )


@dataclass
class PaymentCalendar:
    """The learnt calendar of one as-of date's model."""

    horizon_days: int
    first_week_share: float = 0.0
    run_share_by_band: dict[int, float] = field(default_factory=dict)
    to_friday: bool = True
    tail_level: float = DEFAULT_TAIL_LEVEL

    def daily(self, distribution: ResidualDistribution, frame: pd.DataFrame,
              as_of_date: dt.date) -> DailyDistribution:
        """The daily distribution after D of the invoices of `frame`."""
        parts = _parts(distribution, as_of_date, self.horizon_days, self.to_friday)
        return DailyDistribution(parts.combined(self.first_week_share, self._run_share(frame)))

    def _run_share(self, frame: pd.DataFrame) -> np.ndarray:
        return np.array([self.run_share_by_band.get(band, 0.0) for band in run_share_band(frame)])

    def fit(self, out_of_fold: ResidualDistribution, training: pd.DataFrame) -> PaymentCalendar:
        """Learn the numbers from the training rows (`as_of_date`, `days_to_settlement`,
        `settlement_weekday`, run share) and their out-of-fold distributions."""
        weekday = training["settlement_weekday"]
        self.to_friday = bool((weekday == 5).sum() >= (weekday == 1).sum())
        kept = np.arange(0, len(training), max(len(training) // CALENDAR_ROWS, 1))
        out_of_fold, training = _rows(out_of_fold, kept), training.iloc[kept]
        days = training["days_to_settlement"].to_numpy(dtype=np.int64)
        settled = days < self.horizon_days
        column = np.minimum(days, self.horizon_days) - 1
        smooth, snapped, first_week, before = (np.empty(len(days)) for _ in range(4))
        weekly = {name: np.empty(len(days)) for name in ("smooth", "snapped", "first_week")}
        snapshots = pd.to_datetime(training["as_of_date"]).dt.date.to_numpy()
        parts_by_snapshot = []
        for snapshot in np.unique(snapshots):
            index = np.flatnonzero(snapshots == snapshot)
            parts = _parts(_rows(out_of_fold, index), snapshot, self.horizon_days, self.to_friday)
            parts_by_snapshot.append((index, parts))
            for values, name in ((smooth, "smooth"), (snapped, "snapped"),
                                 (first_week, "first_week")):
                probabilities = getattr(parts, name)
                values[index] = _likelihood(probabilities, column[index], settled[index])
                weekly[name][index] = _likelihood(_by_week(probabilities), column[index],
                                                  settled[index])
            before[index] = parts.before_first_day

        band = run_share_band(training)
        best = (-np.inf, 0.0, {})
        for first_week_share in SHARE_GRID:
            weight = first_week_share * before
            # the likelihood is linear in the run share: as it is + share x (runs - as it is)
            as_it_is = (1 - weight) * smooth + weight * first_week
            runs = (1 - weight) * snapped + weight * first_week
            log_likelihood = np.log(as_it_is[:, None] + SHARE_GRID[None, :]
                                    * (runs - as_it_is)[:, None] + 1e-9)
            total, shares = 0.0, {}
            for value in np.unique(band):
                scores = log_likelihood[band == value].sum(axis=0)
                shares[int(value)] = float(SHARE_GRID[int(np.argmax(scores))])
                total += scores.max()
            if total > best[0]:
                best = (total, float(first_week_share), shares)
        _, self.first_week_share, self.run_share_by_band = best
        run_share = self._run_share(training)
        # the first-week share again, by the weeks (not the days) of the settlements: what
        # matters is how much is paid in the first week, not on which of its days
        as_it_is = (1 - run_share) * weekly["smooth"] + run_share * weekly["snapped"]
        log_likelihood = np.log(
            (1 - SHARE_GRID[None, :] * before[:, None]) * as_it_is[:, None]
            + SHARE_GRID[None, :] * before[:, None] * weekly["first_week"][:, None] + 1e-9
        ).sum(axis=0)
        self.first_week_share = float(SHARE_GRID[int(np.argmax(log_likelihood))])

        probabilities = np.empty((len(days), self.horizon_days))
        for index, parts in parts_by_snapshot:
            probabilities[index] = parts.combined(self.first_week_share, run_share[index])
        self.tail_level = calibrated_tail_level(probabilities, days)
        return self


def _by_week(probabilities: np.ndarray) -> np.ndarray:
    """Each day's probability replaced by its week's (week k: days 7k-6 .. 7k after D)."""
    week = np.arange(probabilities.shape[1]) // FIRST_WEEK_DAYS
    totals = np.add.reduceat(probabilities, np.flatnonzero(np.diff(week, prepend=-1)), axis=1)
    return totals[:, week]


def _likelihood(probabilities: np.ndarray, column: np.ndarray, settled: np.ndarray) -> np.ndarray:
    """The probability of what happened: settled on that day, or not within the horizon."""
    on_day = probabilities[np.arange(len(column)), column]
    return np.where(settled, on_day, np.clip(1.0 - probabilities.sum(axis=1), 0.0, 1.0))


def _rows(distribution: ResidualDistribution, index: np.ndarray) -> ResidualDistribution:
    return ResidualDistribution(distribution.location[index], distribution.scale[index],
                                distribution.group[index], distribution.residuals_by_group)


def calibrated_tail_level(probabilities: np.ndarray, days: np.ndarray) -> float:
    """The tail level a whose mid-quantile range [q(a), q(1 - a)] holds 80 % of the rows
    settled within 90 days (`days`: days to settlement, 1-based).

    With G(t) the mid-cumulative probability at day t (before t plus half of t), q(a) <= y
    exactly when G(y) >= a, and q(1 - a) >= y exactly when G(y - 1) < 1 - a."""
    in_set = days <= COVERAGE_SET_DAYS
    if not in_set.any():
        return DEFAULT_TAIL_LEVEL
    probabilities, days = probabilities[in_set], days[in_set]
    cumulated = np.cumsum(probabilities, axis=1)
    rows = np.arange(len(days))
    at_day = cumulated[rows, days - 1] - probabilities[rows, days - 1] / 2
    previous = np.maximum(days - 2, 0)
    before = np.where(days >= 2, cumulated[rows, previous] - probabilities[rows, previous] / 2,
                      -1.0)
    coverage = np.array([np.mean((at_day >= level - 1e-9) & (before < 1 - level - 1e-9))
                         for level in TAIL_LEVELS])
    return float(TAIL_LEVELS[int(np.argmin(np.abs(coverage - COVERAGE)))])

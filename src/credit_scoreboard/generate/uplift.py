"""Ground truth of the call effect, with the product's uplift definition.

Unit: customer x month end D with an overdue amount at D > 0 (open amount of invoices
due before D). Treated: at least one post-due call (stage != pre_due) dated in
(D, D + 15 days]. Outcome: min(1, the customer's payments dated in (D, D + 30 days] /
overdue amount at D). Truth: the mean over treated units of the outcome minus the
outcome the same unit would have had without that month's calls (the payments the
calls brought into the window taken back out): the effect of treatment on the treated.
Only month ends with D + 30 days <= end_date are units, so every outcome window is
inside the book. The naive difference (treated mean - untreated mean) is reported for
information: it mixes the effect with the selection of who gets called.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from credit_scoreboard.generate.calendar import to_date
from credit_scoreboard.generate.collection import (
    EFFECT_WINDOW_DAYS,
    FIRST_CALL_WINDOW_DAYS,
    CustomerCash,
    UpliftUnits,
)


@dataclass
class UpliftTally:
    units: int = 0
    treated: int = 0
    treated_outcome: float = 0.0
    treated_outcome_without_calls: float = 0.0
    untreated_outcome: float = 0.0

    def add(self, units: UpliftUnits, cash: CustomerCash, month_ends: np.ndarray,
            end_day: int) -> None:
        customers = np.arange(units.overdue_cents.shape[0])
        for month in np.flatnonzero(month_ends + EFFECT_WINDOW_DAYS <= end_day):
            month_end_day = int(month_ends[month])
            overdue = units.overdue_cents[:, month]
            unit = overdue > 0
            paid = cash.between(customers[unit], month_end_day + 1,
                                month_end_day + EFFECT_WINDOW_DAYS)
            moved = units.moved_into_window_cents[unit, month]
            outcome = np.minimum(1.0, paid / overdue[unit])
            outcome_without_calls = np.minimum(1.0, (paid - moved) / overdue[unit])
            treated = units.treated[unit, month]
            self.units += int(unit.sum())
            self.treated += int(treated.sum())
            self.treated_outcome += float(outcome[treated].sum())
            self.treated_outcome_without_calls += float(outcome_without_calls[treated].sum())
            self.untreated_outcome += float(outcome[~treated].sum())

    def as_manifest(self, month_ends: np.ndarray, end_day: int) -> dict:
        usable = month_ends[month_ends + EFFECT_WINDOW_DAYS <= end_day]
        untreated = self.units - self.treated
        treated_mean = _ratio(self.treated_outcome, self.treated)
        without_calls_mean = _ratio(self.treated_outcome_without_calls, self.treated)
        untreated_mean = _ratio(self.untreated_outcome, untreated)
        return {
            "value": _round(_difference(treated_mean, without_calls_mean)),
            "definition": " ".join(__doc__.split()),
            "first_month_end": to_date(usable[0]).isoformat() if len(usable) else None,
            "last_month_end": to_date(usable[-1]).isoformat() if len(usable) else None,
            "treatment_window_days": FIRST_CALL_WINDOW_DAYS,
            "outcome_window_days": EFFECT_WINDOW_DAYS,
            "units": self.units,
            "treated_units": self.treated,
            "treated_mean_outcome": _round(treated_mean),
            "treated_mean_outcome_without_calls": _round(without_calls_mean),
            "untreated_mean_outcome": _round(untreated_mean),
            "naive_difference": _round(_difference(treated_mean, untreated_mean)),
        }


def _ratio(total: float, count: int) -> float | None:
    return total / count if count else None


def _difference(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)

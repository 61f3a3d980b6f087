"""Cash that comes before the settlement: instalments, and the undisputed part of a disputed
invoice paid while its dispute runs. Learnt at the fit date from the training invoices.

The settlement distribution (p_week_k: the chance the invoice is settled in week k) says
when the open amount reaches 0, not when its cash arrives: measured on the generated book,
about 4 % of an as-of date's week-1 cash came from invoices that were only partly paid that
week, so putting the whole amount on the settlement week under-forecast week 1.

Model: while an invoice is open it brings a share r of its expected cash each week, and the
rest on its settlement week. With S the settlement week (P(S = k) = p_k) the cash of week k
is, in shares of the expected cash (computed by the mart cash_forecast_by_dimension, which
owns the weekly cash):

    cash_share_k = p_k * max(0, 1 - r * (k - 1)) + r * P(S > k)

(week k < S brings r; week S brings what is left, 1 - r (S - 1)). Summed over the weeks
and "later" it is 1 whenever r * 13 <= 1. This module learns r per group (disputed at D or
not) as the training invoices' part cash over their open weeks:

    r = sum(cash paid before settlement, within 13 weeks after D')
        / sum(expected cash at D' x weeks fully open within the 13 weeks)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

WEEKS = 13
# A rate above 1/13 would pay more than the invoice within 13 weeks.
MAX_WEEKLY_RATE = 1.0 / WEEKS


def part_payment_group(frame: pd.DataFrame) -> np.ndarray:
    """0: not disputed at D, 1: disputed (its undisputed part is often paid meanwhile)."""
    return frame["is_disputed"].fillna(False).astype(bool).to_numpy().astype(np.int64)


def weeks_open(days_to_settlement: np.ndarray, settled: np.ndarray) -> np.ndarray:
    """Weeks 1..13 after D' that end before the settlement week (13 when not settled within
    them): the weeks in which a part payment can come."""
    settlement_week = np.where(settled, np.ceil(days_to_settlement / 7.0), WEEKS + 1)
    return np.clip(settlement_week - 1, 0, WEEKS)


def fit_weekly_rates(training: pd.DataFrame) -> dict[int, float]:
    """r per group from the training rows: `expected_cash_amount`, `part_paid_13w` (cash
    received in the 13 weeks after D' before the settlement day), `days_to_settlement`,
    `settled_13w` and `is_disputed`."""
    exposure = training["expected_cash_amount"].to_numpy(dtype=float) * weeks_open(
        training["days_to_settlement"].to_numpy(dtype=float),
        training["settled_13w"].to_numpy(dtype=bool))
    part_paid = training["part_paid_13w"].fillna(0).to_numpy(dtype=float)
    group = part_payment_group(training)
    rates: dict[int, float] = {}
    for value in (0, 1):
        rows = group == value
        total = exposure[rows].sum()
        rate = part_paid[rows].sum() / total if total > 0 else 0.0
        rates[value] = float(min(rate, MAX_WEEKLY_RATE))
    return rates


def weekly_rates(frame: pd.DataFrame, rates: dict[int, float]) -> np.ndarray:
    """Each invoice's weekly part-payment rate (0 without a learnt rate)."""
    return np.array([rates.get(group, 0.0) for group in part_payment_group(frame)])

"""Collection activity: which overdue customers are worked each month, what a
right-party contact does to their payments, and the call log with its outcomes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from credit_scoreboard.contract import CALL_CHANNELS, CALL_OUTCOMES, CALL_STAGES
from credit_scoreboard.generate.calendar import NEVER, business_day_within
from credit_scoreboard.generate.customers import (
    CHRONIC_LATE,
    DETERIORATING,
    Collectors,
    Customers,
    pick,
)
from credit_scoreboard.generate.ledger import Ledger

# The planted causal effect of calls: a post-due right-party contact raises by this many
# points the probability that each overdue invoice of the customer is paid within 30
# days of the call (calibrated each month on the invoices concerned: if a share p of
# them would be paid in time anyway, a share 0.25 / (1 - p) of the others is brought
# forward into those 30 days). Invoices in open dispute, and failed customers, are not
# affected. The ground truth it produces is measured, not assumed:
# see uplift.py and manifest.json `call_uplift_truth`.
CALL_EFFECT_PAYMENT_WITHIN_30D = 0.25
EFFECT_WINDOW_DAYS = 30
# Collectors work the aged balance in the fortnight after each month end, and call back
# the customers they did not reach in the second half of the month.
FIRST_CALL_WINDOW_DAYS = 15
FOLLOW_UP_SHARE = 0.5
PROMISE_GRACE_DAYS = 3
# Share of promises the customer does not intend to keep as made.
INSINCERE_PROMISE_SHARE = 0.55

PRE_DUE, LEVEL_1, LEVEL_2, LEVEL_3, FORMAL_NOTICE, LITIGATION = range(len(CALL_STAGES))
# Oldest days past due up to which each dunning stage applies (then litigation).
STAGE_MAX_DAYS_PAST_DUE = np.array([30, 60, 90, 150])
# Chance that an overdue customer is worked in a month, by stage (before the collector's
# capacity and the size of the debt): collectors cannot call everybody.
CALL_CHANCE_BY_STAGE = np.array([0.35, 0.55, 0.65, 0.7, 0.2])
PHONE, EMAIL, LETTER, VISIT, FORMAL_NOTICE_CHANNEL = range(len(CALL_CHANNELS))
CHANNEL_PROBABILITIES_BY_STAGE = np.array(
    [
        [0.70, 0.30, 0.0, 0.00, 0.0],  # pre_due
        [0.60, 0.35, 0.0, 0.05, 0.0],  # level_1
        [0.75, 0.20, 0.0, 0.05, 0.0],  # level_2
        [0.85, 0.10, 0.0, 0.05, 0.0],  # level_3
        [0.00, 0.00, 0.3, 0.00, 0.7],  # formal_notice: registered letter "mise en demeure"
        [0.00, 0.00, 1.0, 0.00, 0.0],  # litigation
    ]
)
(PROMISE_TO_PAY, PAYMENT_PLAN, ALREADY_PAID, DISPUTE_RAISED, CALLBACK_REQUESTED, REFUSED,
 NO_ANSWER, VOICEMAIL, WRONG_CONTACT) = range(len(CALL_OUTCOMES))
# Outcomes of a right-party contact: promise, already_paid, dispute_raised,
# callback_requested, refused.
REACHED_OUTCOMES = np.array([PROMISE_TO_PAY, ALREADY_PAID, DISPUTE_RAISED, CALLBACK_REQUESTED,
                             REFUSED])
REACHED_OUTCOME_PROBABILITIES_POST_DUE = np.array([0.50, 0.08, 0.05, 0.20, 0.17])
REACHED_OUTCOME_PROBABILITIES_PRE_DUE = np.array([0.55, 0.12, 0.05, 0.20, 0.08])
UNREACHED_OUTCOMES = np.array([NO_ANSWER, VOICEMAIL, WRONG_CONTACT])
UNREACHED_OUTCOME_PROBABILITIES = np.array([0.45, 0.45, 0.10])


@dataclass
class CallLog:
    customer: np.ndarray
    day: np.ndarray
    channel: np.ndarray
    stage: np.ndarray
    right_party_contact: np.ndarray
    invoice: np.ndarray  # invoice discussed (index in the ledger), -1 for none
    promise_base_cents: np.ndarray  # what a promise would cover: overdue or invoice amount


@dataclass
class UpliftUnits:
    """Customer x month-end units of the uplift definition (see uplift.py)."""

    overdue_cents: np.ndarray  # (customers, month ends) overdue amount at D
    treated: np.ndarray  # a post-due call in (D, D + 15 days]
    moved_into_window_cents: np.ndarray  # cash the month's calls moved into (D, D + 30]


def simulate_collection(
    rng: np.random.Generator, customers: Customers, collectors: Collectors, ledger: Ledger,
    month_ends: np.ndarray, end_day: int,
) -> tuple[CallLog, UpliftUnits]:
    """Month by month: select the overdue customers to work (from their aging at the month
    end), log the calls, and let right-party contacts bring payments forward. Calls only
    move cash after the month end, so earlier month ends are never changed."""
    n_customers, n_months = len(customers), len(month_ends)
    units = UpliftUnits(
        overdue_cents=np.zeros((n_customers, n_months)),
        treated=np.zeros((n_customers, n_months), bool),
        moved_into_window_cents=np.zeros((n_customers, n_months)),
    )
    logs: list[CallLog] = []
    for month, month_end_day in enumerate(month_ends.tolist()):
        open_cents = ledger.open_cents_at(month_end_day)
        overdue = np.flatnonzero((ledger.due_day < month_end_day) & (open_cents > 0))
        overdue_customer = ledger.customer[overdue]
        units.overdue_cents[:, month] = np.bincount(
            overdue_customer, weights=open_cents[overdue], minlength=n_customers)
        if month_end_day >= end_day or len(overdue) == 0:
            continue
        # The oldest overdue invoice drives the dunning stage.
        by_age = overdue[np.lexsort((ledger.due_day[overdue], overdue_customer))]
        candidate, first = np.unique(ledger.customer[by_age], return_index=True)
        oldest_invoice = by_age[first]
        days_past_due = month_end_day - ledger.due_day[oldest_invoice]
        stage = 1 + np.searchsorted(STAGE_MAX_DAYS_PAST_DUE, days_past_due, side="left")
        stage = np.where(customers.failure_day[candidate] < month_end_day, LITIGATION, stage)
        overdue_eur = units.overdue_cents[candidate, month] / 100
        size_factor = np.clip(0.75 + 0.15 * np.log10(np.maximum(overdue_eur, 1) / 1000), 0.3, 1.3)
        chance = (collectors.capacity[customers.collector[candidate]]
                  * CALL_CHANCE_BY_STAGE[stage - 1] * size_factor)
        called = rng.random(len(candidate)) < chance
        customer, invoice, stage = candidate[called], oldest_invoice[called], stage[called]
        k = len(customer)
        # Some calls are about the account as a whole, not one invoice.
        invoice = np.where(rng.random(k) < 0.2, -1, invoice)
        first_day = business_day_within(
            month_end_day + 1 + rng.integers(0, FIRST_CALL_WINDOW_DAYS, k),
            month_end_day + 1, month_end_day + FIRST_CALL_WINDOW_DAYS)
        channel = pick(rng, CHANNEL_PROBABILITIES_BY_STAGE[stage])
        reached = _right_party_contact(rng, customers, customer, channel)
        follow_up = (stage <= LEVEL_3) & ~reached & (rng.random(k) < FOLLOW_UP_SHARE)
        follow_up_day = business_day_within(
            month_end_day + FIRST_CALL_WINDOW_DAYS + 1 + rng.integers(0, 13, k),
            month_end_day + FIRST_CALL_WINDOW_DAYS + 1, month_end_day + 28)
        follow_up &= follow_up_day <= end_day
        follow_up_reached = follow_up & _right_party_contact(
            rng, customers, customer, np.full(k, PHONE))
        in_book = first_day <= end_day
        units.treated[customer[in_book], month] = True
        logs.append(_calls(customer, first_day, channel, stage, reached, invoice,
                           units.overdue_cents[customer, month], in_book))
        logs.append(_calls(customer, follow_up_day, np.full(k, PHONE), stage, follow_up_reached,
                           invoice, units.overdue_cents[customer, month], follow_up))

        effect_day = np.full(n_customers, NEVER)
        effect_day[customer] = np.select(
            [reached & in_book, follow_up_reached], [first_day, follow_up_day], NEVER)
        effect_day = np.where(effect_day < customers.failure_day, effect_day, NEVER)
        _bring_payments_forward(rng, ledger, overdue, effect_day, month_end_day, end_day,
                                units.moved_into_window_cents[:, month])
    return concatenate_calls(logs), units


def _right_party_contact(rng, customers: Customers, customer, channel):
    rate = customers.right_party_rate[customer]
    rate = np.select([channel == VISIT, channel == EMAIL, (channel == PHONE)],
                     [0.9, 0.6 * rate, rate], 0.0)
    return rng.random(len(customer)) < rate


def _calls(customer, day, channel, stage, reached, invoice, base_cents, keep) -> CallLog:
    return CallLog(customer[keep], day[keep], channel[keep], stage[keep], reached[keep],
                   invoice[keep], base_cents[keep].astype(np.int64))


def concatenate_calls(logs: list[CallLog]) -> CallLog:
    fields = CallLog.__dataclass_fields__
    if not logs:
        return CallLog(*(np.zeros(0, np.int64) for _ in fields))
    return CallLog(*(np.concatenate([getattr(log, name) for log in logs]) for name in fields))


def _bring_payments_forward(rng, ledger: Ledger, overdue, effect_day, month_end_day, end_day,
                            moved_into_window_cents):
    """Apply CALL_EFFECT_PAYMENT_WITHIN_30D to the overdue invoices of reached customers
    and record how much cash it moved into the unit's outcome window (D, D + 30]."""
    call_day = effect_day[ledger.customer[overdue]]
    final_day = ledger.final_pay_day()[overdue]
    in_dispute = (ledger.dispute_opened[overdue] <= call_day) & (
        ledger.dispute_closed[overdue] > call_day)
    affected = (call_day < NEVER) & (final_day < NEVER) & ~in_dispute
    late_anyway = affected & (final_day > call_day + EFFECT_WINDOW_DAYS)
    # +25 points on the chance of payment within 30 days: among the affected invoices a
    # share p would be paid in time anyway, so convert 0.25 / (1 - p) of the others.
    paid_in_time_anyway = 1 - late_anyway.sum() / max(affected.sum(), 1)
    conversion = min(1.0, CALL_EFFECT_PAYMENT_WITHIN_30D / max(1 - paid_in_time_anyway, 1e-9))
    converted = late_anyway & (rng.random(len(overdue)) < conversion)
    invoice, call_day = overdue[converted], call_day[converted]
    new_day = business_day_within(call_day + rng.integers(2, EFFECT_WINDOW_DAYS + 1, len(invoice)),
                                  call_day + 1, call_day + EFFECT_WINDOW_DAYS)
    old = ledger.pay_day[invoice]
    moved = (old > call_day[:, None]) & (ledger.pay_cents[invoice] > 0)
    new = np.where(moved, np.minimum(old, new_day[:, None]), old)
    window_end = min(month_end_day + EFFECT_WINDOW_DAYS, end_day)

    def in_window(day):
        return (day > month_end_day) & (day <= window_end)

    moved_cents = ((in_window(new).astype(np.int64) - in_window(old)) * ledger.pay_cents[invoice])
    moved_into_window_cents += np.bincount(
        ledger.customer[invoice], weights=moved_cents.sum(axis=1),
        minlength=len(moved_into_window_cents))
    ledger.move_payments(invoice, new)


def draw_pre_due_calls(rng, customers: Customers, ledger: Ledger, end_day: int) -> CallLog:
    """Preventive calls a few days before the due date, on large invoices and on
    customers known to pay late; no effect on payment is planted for them."""
    n = len(ledger)
    profile = customers.profile[ledger.customer]
    chance = (0.01 + 0.08 * (ledger.amount_cents >= 500_000)
              + 0.04 * np.isin(profile, (CHRONIC_LATE, DETERIORATING)))
    day = business_day_within(ledger.due_day - rng.integers(2, 11, n), ledger.document_day + 1,
                              ledger.due_day - 1)
    first_cash = np.where(ledger.pay_cents > 0, ledger.pay_day, NEVER).min(axis=1)
    keep = ((rng.random(n) < chance) & (ledger.due_day - ledger.document_day >= 5)
            & (day <= end_day) & (day < first_cash) & (day < ledger.credit_day))
    channel = pick(rng, np.tile(CHANNEL_PROBABILITIES_BY_STAGE[PRE_DUE], (n, 1)))
    reached = _right_party_contact(rng, customers, ledger.customer, channel)
    return _calls(ledger.customer, day, channel, np.full(n, PRE_DUE), reached,
                  np.arange(n), ledger.amount_cents, keep)


class CustomerCash:
    """All cash received from each customer, for sums over date ranges."""

    def __init__(self, customer: np.ndarray, day: np.ndarray, cents: np.ndarray):
        order = np.lexsort((day, customer))
        self.key = customer[order] * NEVER + day[order]
        self.cumulative = np.concatenate([[0], np.cumsum(cents[order])])

    def between(self, customer, first_day, last_day):
        """Cash received on days first_day..last_day inclusive."""
        high = np.searchsorted(self.key, customer * NEVER + last_day, side="right")
        low = np.searchsorted(self.key, customer * NEVER + first_day, side="left")
        return self.cumulative[high] - self.cumulative[low]

    def next_day(self, customer, from_day):
        """First day on or after from_day with cash from the customer (NEVER if none)."""
        position = np.searchsorted(self.key, customer * NEVER + from_day, side="left")
        found = self.key[np.minimum(position, len(self.key) - 1)] if len(self.key) else \
            np.full(len(customer), -1)
        same_customer = (position < len(self.key)) & (found // NEVER == customer)
        return np.where(same_customer, found % NEVER, NEVER)


@dataclass
class CallOutcomes:
    outcome: np.ndarray  # index into CALL_OUTCOMES, -1 = none (letters)
    promised_cents: np.ndarray  # 0 without a promise
    promised_day: np.ndarray  # NEVER without a promise
    duration_seconds: np.ndarray
    seconds_of_day: np.ndarray


def decide_outcomes(rng, calls: CallLog, cash: CustomerCash) -> CallOutcomes:
    """Outcomes follow the contact; a sincere promise names the cash that really comes
    next, an insincere one the whole overdue amount on a date picked at random, so the
    kept rate emerges from the payments (contract definition, 3 days of grace)."""
    k = len(calls.customer)
    pre_due = calls.stage == PRE_DUE
    reached_outcome = np.where(
        pre_due,
        REACHED_OUTCOMES[pick(rng, np.tile(REACHED_OUTCOME_PROBABILITIES_PRE_DUE, (k, 1)))],
        REACHED_OUTCOMES[pick(rng, np.tile(REACHED_OUTCOME_PROBABILITIES_POST_DUE, (k, 1)))],
    )
    plan_chance = np.select([calls.stage >= LEVEL_3, calls.stage > PRE_DUE], [0.35, 0.1], 0.0)
    reached_outcome = np.where((reached_outcome == PROMISE_TO_PAY) & (rng.random(k) < plan_chance),
                               PAYMENT_PLAN, reached_outcome)
    unreached_outcome = UNREACHED_OUTCOMES[pick(rng, np.tile(UNREACHED_OUTCOME_PROBABILITIES,
                                                             (k, 1)))]
    unreached_outcome = np.where(calls.channel == EMAIL, NO_ANSWER, unreached_outcome)
    written = np.isin(calls.channel, (LETTER, FORMAL_NOTICE_CHANNEL))
    outcome = np.where(calls.right_party_contact, reached_outcome,
                       np.where(written, -1, unreached_outcome))

    promise = np.isin(outcome, (PROMISE_TO_PAY, PAYMENT_PLAN))
    next_cash_day = cash.next_day(calls.customer, calls.day)
    sincere = (next_cash_day <= calls.day + 45) & (rng.random(k) >= INSINCERE_PROMISE_SHARE)
    sincere_day = np.maximum(calls.day, next_cash_day - rng.integers(0, PROMISE_GRACE_DAYS + 1, k))
    sincere_cents = cash.between(calls.customer, calls.day, np.minimum(next_cash_day, NEVER - 1))
    # People promise round amounts: down to the ten euros when that stays above zero.
    rounded = (sincere_cents // 1000) * 1000
    sincere_cents = np.where(rounded > 0, rounded, sincere_cents)
    insincere_day = business_day_within(calls.day + rng.integers(5, 21, k), calls.day,
                                        calls.day + 25)
    plan_share = np.where(outcome == PAYMENT_PLAN, rng.uniform(0.25, 0.5, k), 1.0)
    insincere_cents = np.maximum(np.round(calls.promise_base_cents * plan_share), 1)
    promised_day = np.where(promise, np.where(sincere, sincere_day, insincere_day), NEVER)
    promised_cents = np.where(promise, np.where(sincere, sincere_cents, insincere_cents), 0)

    talk = np.round(rng.lognormal(np.log(200), 0.5, k))
    duration = np.select(
        [written | (calls.channel == EMAIL), calls.channel == VISIT, calls.right_party_contact,
         outcome == NO_ANSWER, outcome == VOICEMAIL],
        [0, rng.integers(1800, 5400, k), talk, rng.integers(15, 40, k), rng.integers(30, 90, k)],
        rng.integers(20, 120, k),
    )
    # Office hours 08:30-18:00.
    seconds_of_day = rng.integers(8 * 3600 + 1800, 18 * 3600, k)
    return CallOutcomes(outcome, promised_cents.astype(np.int64), promised_day,
                        duration.astype(np.int64), seconds_of_day)

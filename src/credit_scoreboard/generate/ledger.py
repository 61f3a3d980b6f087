"""Invoices and how each would be settled without any collection call.

Each invoice carries up to two cash movements (an instalment and the balance, or the
undisputed and the disputed part), at most one credit note (a dispute settlement or a
commercial credit) and, for failed customers, a write-off credit note. The collection
step then moves some payment dates earlier (the call effect), keeping the natural ones.

Cash is allocated as in real books: most receipts are matched to their invoices on the
day they reach the bank statement; the others sit on account until the credit team
allocates them to the invoice they were meant for, days to weeks later; a very few are
never identified. The extracts are the ERP's state at the end date: a receipt allocated
by then carries its invoice, one still on account has no document_id.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from credit_scoreboard.contract import DISPUTE_REASONS, PAYMENT_METHODS, SEGMENTS
from credit_scoreboard.generate.calendar import (
    NEVER,
    business_day_within,
    calendar_month,
    first_day_of_month,
    month_end,
    month_number,
    next_business_day,
)
from credit_scoreboard.generate.customers import (
    CHRONIC_LATE,
    DIRECT_DEBIT,
    FAILING,
    PROMPT,
    SEGMENT_EXTRA_DAYS_LATE,
    SLOW,
    TERMS_BASIS,
    TERMS_DAYS,
    Customers,
    pick,
)

# Invoicing seasonality by calendar month (August holidays, June and December peaks)
# and year-on-year growth of each customer's invoicing.
SEASONALITY = np.array([0.95, 0.95, 1.05, 1.0, 0.95, 1.15, 0.95, 0.55, 1.05, 1.05, 1.05, 1.2])
GROWTH_PER_YEAR = 0.06
MINIMUM_INVOICE_CENTS = 1500

DISPUTE_RATE = 0.035  # share of invoices disputed, before the customer's propensity
# Per reason (contract order): department that must act, mean days to close, chance the
# whole invoice is disputed, and for resolved disputes the chances of each resolution
# (credit_note, customer_paid, written_off).
DISPUTE_OWNERS = np.array(["logistics", "sales", "sales", "billing", "quality", "credit"])
DISPUTE_MEAN_DAYS = np.array([21.0, 28.0, 35.0, 12.0, 45.0, 30.0])
DISPUTE_FULL_AMOUNT_SHARE = np.array([0.7, 0.2, 0.8, 0.3, 0.3, 0.2])
DISPUTE_REASON_SHARES = np.array([0.15, 0.25, 0.10, 0.20, 0.15, 0.15])
RESOLVED_RESOLUTION_PROBABILITIES = np.array(
    [
        [0.6, 0.4, 0.0],
        [0.85, 0.15, 0.0],
        [0.7, 0.25, 0.05],
        [0.9, 0.1, 0.0],
        [0.7, 0.25, 0.05],
        [0.3, 0.4, 0.3],
    ]
)
DISPUTE_REJECTED_SHARE = 0.2
# While a dispute is open, most customers hold the whole invoice, not just the disputed
# part: disputed invoices are paid later (a planted, visible effect).
DISPUTE_WITHHOLD_SHARE = 0.6
OPEN, RESOLVED, REJECTED = 0, 1, 2
CREDIT_NOTE, CUSTOMER_PAID, WRITTEN_OFF = 0, 1, 2

COMMERCIAL_CREDIT_SHARE = 0.015
INSTALMENT_SHARE = 0.06
OVERPAYMENT_SHARE = 0.006
# Cash received on account: share of receipts the bank statement matching cannot
# allocate on the day (no remittance advice, a round sum, a cheque or a bill of exchange
# without reference), by the customer's usual method (PAYMENT_METHODS order: transfer,
# direct_debit, check, card, bill_of_exchange, other), times a propensity of the customer
# (mean 1: some customers never send a remittance advice). Direct debits and failed
# customers' receipts are always allocated on the day.
ON_ACCOUNT_SHARE_BY_METHOD = np.array([0.06, 0.0, 0.15, 0.02, 0.10, 0.20])
MAX_ON_ACCOUNT_SHARE = 0.6
# Days from receipt to allocation of cash on account: Weibull, rounded up (median 3 days,
# 90 % within 12 days, 99 % within 4 weeks).
ALLOCATION_DELAY_SCALE_DAYS = 4.0
ALLOCATION_DELAY_SHAPE = 0.8
# Share of invoices whose cash is never identified: it stays on account and the invoice
# stays open (the accounts the credit team has to reconcile).
NEVER_ALLOCATED_SHARE = 0.00005


@dataclass
class CashAllocation:
    """When the credit team allocates each receipt (a customer's cash of one bank day):
    the delay in days from the receipt to its allocation, 0 for most receipts."""

    first_day: int
    delay_days: np.ndarray  # (customers, days from first_day), int32

    def delay(self, customer: np.ndarray, day: np.ndarray) -> np.ndarray:
        column = np.clip(day - self.first_day, 0, self.delay_days.shape[1] - 1)
        return self.delay_days[customer, column]


def draw_cash_allocation(rng, customers: Customers, first_day: int,
                         end_day: int) -> CashAllocation:
    """Delays of every (customer, day): a share of receipts goes on account and waits a
    Weibull delay; only those cells are computed (the others are 0)."""
    propensity = rng.gamma(2.0, 0.5, len(customers))
    share = np.minimum(ON_ACCOUNT_SHARE_BY_METHOD[customers.method] * propensity,
                       MAX_ON_ACCOUNT_SHARE)
    share = np.where((customers.method == DIRECT_DEBIT) | (customers.profile == FAILING), 0,
                     share)
    draw = rng.random((len(customers), max(end_day - first_day + 1, 1)), dtype=np.float32)
    customer, column = np.nonzero(draw < share[:, None].astype(np.float32))
    # The draw below the share, rescaled, is a uniform for the delay.
    uniform = np.minimum(draw[customer, column] / share[customer], 1 - 1e-7)
    delay = np.ceil(ALLOCATION_DELAY_SCALE_DAYS
                    * (-np.log1p(-uniform)) ** (1 / ALLOCATION_DELAY_SHAPE))
    delay_days = np.zeros(draw.shape, np.int32)
    delay_days[customer, column] = np.maximum(delay, 1).astype(np.int32)
    return CashAllocation(first_day, delay_days)


@dataclass
class Ledger:
    customer: np.ndarray  # index of the customer within the chunk
    document_day: np.ndarray
    due_day: np.ndarray
    amount_cents: np.ndarray
    pay_day: np.ndarray  # (invoices, 2): cash movements, NEVER when none
    pay_cents: np.ndarray  # (invoices, 2)
    natural_pay_day: np.ndarray  # pay_day before any call effect
    overpaid_cents: np.ndarray  # part of the first movement beyond the invoice, 0 when none
    allocation: CashAllocation
    never_allocated: np.ndarray  # the invoice's cash is never identified
    extract_day: int  # the day of the extracts (the book's end)
    # (invoices, 2): the cash movement carries its invoice in the extracts (the credit
    # team allocated it by the extract day); False: it is cash on account. Follows
    # pay_day: set by refresh_allocation(), kept by move_payments().
    allocated: np.ndarray
    credit_day: np.ndarray
    credit_cents: np.ndarray  # magnitude of the credit note, 0 when none
    write_off_day: np.ndarray
    write_off_cents: np.ndarray
    disputed: np.ndarray
    dispute_opened: np.ndarray
    dispute_closed: np.ndarray  # NEVER while open
    dispute_reason: np.ndarray
    disputed_cents: np.ndarray
    dispute_status: np.ndarray
    dispute_resolution: np.ndarray  # -1 when open

    def __len__(self) -> int:
        return len(self.customer)

    def _allocated_by_extract(self, invoice: np.ndarray) -> np.ndarray:
        pay_day = self.pay_day[invoice]
        delay = self.allocation.delay(self.customer[invoice, None], pay_day)
        return (pay_day + delay <= self.extract_day) & ~self.never_allocated[invoice, None]

    def refresh_allocation(self) -> None:
        self.allocated = self._allocated_by_extract(np.arange(len(self)))

    def move_payments(self, invoice: np.ndarray, pay_day: np.ndarray) -> None:
        """New cash days for these invoices (distinct indices), allocation following."""
        self.pay_day[invoice] = pay_day
        self.allocated[invoice] = self._allocated_by_extract(invoice)

    def open_cents_at(self, day: int) -> np.ndarray:
        """Open amount of each invoice at the end of `day` as the contract defines it
        (from the extracts: only allocated cash settles an invoice)."""
        paid = (self.pay_cents * ((self.pay_day <= day) & self.allocated)).sum(axis=1)
        credited = self.credit_cents * (self.credit_day <= day)
        written_off = self.write_off_cents * (self.write_off_day <= day)
        return np.maximum(self.amount_cents - paid - credited - written_off, 0)

    def final_pay_day(self) -> np.ndarray:
        """Day the last cash movement of each invoice arrives (NEVER if it never does)."""
        return np.where(self.pay_cents > 0, self.pay_day, -1).max(axis=1)


def expected_invoices(customers: Customers, months: np.ndarray, start_day: int,
                      end_day: int) -> np.ndarray:
    """(customers x months) expected invoice counts: rate x seasonality x growth x the
    share of the month the customer was active."""
    month_start = first_day_of_month(months)
    month_stop = np.minimum(first_day_of_month(months + 1) - 1, end_day)
    low = np.maximum(month_start[None, :], customers.active_from[:, None])
    high = np.minimum(month_stop[None, :], customers.active_to[:, None])
    active_share = np.clip(high - low + 1, 0, None) / (month_stop - month_start + 1)[None, :]
    years_in = (month_start - start_day) / 365.25
    factor = SEASONALITY[calendar_month(months) - 1] * (1 + GROWTH_PER_YEAR) ** years_in
    return customers.invoices_per_month[:, None] * factor[None, :] * active_share


def draw_ledger(rng: np.random.Generator, customers: Customers, months: np.ndarray,
                start_day: int, end_day: int, allocation: CashAllocation) -> Ledger:
    counts = rng.poisson(expected_invoices(customers, months, start_day, end_day))
    customer = np.repeat(np.arange(len(customers)), counts.sum(axis=1))
    month = np.repeat(np.tile(months, len(customers)), counts.ravel())
    month_start = first_day_of_month(month)
    low = np.maximum(month_start, customers.active_from[customer])
    high = np.minimum(np.minimum(first_day_of_month(month + 1) - 1, end_day),
                      customers.active_to[customer])
    document_day = low + (rng.random(len(customer)) * (high - low + 1)).astype(np.int64)
    document_day = business_day_within(document_day, low, high)
    order = np.lexsort((customer, document_day))
    customer, document_day = customer[order], document_day[order]
    n = len(customer)

    amount_eur = rng.lognormal(np.log(customers.median_invoice_eur[customer]), 0.9)
    amount_cents = np.maximum(np.round(amount_eur * 100), MINIMUM_INVOICE_CENTS).astype(np.int64)
    terms = customers.terms[customer]
    # "45 jours fin de mois" is read as: add the days, then go to the end of that month
    # (the other legal reading, end of month first then + 45 days, is not used).
    due_day = np.where(
        TERMS_BASIS[terms] == "end_of_month",
        month_end(document_day + TERMS_DAYS[terms]),
        document_day + TERMS_DAYS[terms],
    )
    natural_day = _natural_pay_day(rng, customers, customer, document_day, due_day, end_day)

    ledger = Ledger(
        customer=customer, document_day=document_day, due_day=due_day,
        amount_cents=amount_cents,
        pay_day=np.stack([natural_day, np.full(n, NEVER)], axis=1),
        pay_cents=np.stack([amount_cents, np.zeros(n, np.int64)], axis=1),
        natural_pay_day=np.empty((n, 2), np.int64),
        overpaid_cents=np.zeros(n, np.int64),
        allocation=allocation, never_allocated=np.zeros(n, bool), extract_day=end_day,
        allocated=np.ones((n, 2), bool),
        credit_day=np.full(n, NEVER), credit_cents=np.zeros(n, np.int64),
        write_off_day=np.full(n, NEVER), write_off_cents=np.zeros(n, np.int64),
        disputed=np.zeros(n, bool), dispute_opened=np.full(n, NEVER),
        dispute_closed=np.full(n, NEVER), dispute_reason=np.zeros(n, np.int64),
        disputed_cents=np.zeros(n, np.int64), dispute_status=np.zeros(n, np.int64),
        dispute_resolution=np.full(n, -1),
    )
    _add_disputes(rng, customers, ledger, natural_day, end_day)
    _add_commercial_credits_instalments_overpayments(rng, customers, ledger, natural_day)
    _apply_failures(customers, ledger, end_day)
    ledger.never_allocated = (rng.random(n) < NEVER_ALLOCATED_SHARE) & (
        customers.profile[customer] != FAILING) & (customers.method[customer] != DIRECT_DEBIT)
    ledger.refresh_allocation()
    ledger.natural_pay_day = ledger.pay_day.copy()
    return ledger


def _natural_pay_day(rng, customers: Customers, customer, document_day, due_day, end_day):
    """Payment day from the payer profile: days beyond terms, then payment runs and
    bank days."""
    n = len(customer)
    profile = customers.profile[customer]
    # Deteriorating and failing payers get later and later after their turning point.
    start = customers.deterioration_start[customer]
    progress = np.clip((due_day - start) / np.maximum(end_day - start, 1), 0, 1)
    drifting_mean = np.where(profile == FAILING, 6 + 70 * progress, 4 + 50 * progress)
    prompt = np.where(rng.random(n) < 0.12, -rng.uniform(5, 15, n), rng.normal(-2, 2, n))
    days_late = np.select(
        [profile == PROMPT, profile == SLOW, profile == CHRONIC_LATE],
        [prompt, np.where(rng.random(n) < 0.4, rng.normal(-1, 2, n), rng.gamma(2.0, 7.0, n)),
         rng.gamma(3.0, 13.0, n)],
        rng.gamma(2.0, drifting_mean / 2),
    )
    segment_delay = SEGMENT_EXTRA_DAYS_LATE[customers.segment[customer]] * rng.gamma(2.0, 0.5, n)
    days_late = days_late + segment_delay + customers.late_offset_days[customer]
    # Direct debits are collected on the due date unless the debit bounces.
    by_debit = customers.method[customer] == DIRECT_DEBIT
    days_late = np.where(by_debit, np.where(rng.random(n) < 0.97, 0, 12), days_late)
    pay_day = np.maximum(due_day + np.round(days_late).astype(np.int64), document_day)
    # Payment runs: customers that pay on the 10th and at month end, in the run nearest
    # to the day they would have paid (never before the invoice).
    month_start = first_day_of_month(month_number(pay_day))
    runs = np.stack([month_start - 1, month_start + 9, month_end(pay_day)], axis=1)
    nearest = np.abs(runs - pay_day[:, None]).argmin(axis=1)
    run_day = np.maximum(runs[np.arange(n), nearest], document_day)
    pay_day = np.where(customers.payment_run[customer] & ~by_debit, run_day, pay_day)
    # Cash arrives on bank days: a weekend payment is made on the Friday before.
    return business_day_within(pay_day, document_day, NEVER)


def _add_disputes(rng, customers: Customers, ledger: Ledger, natural_day, end_day):
    n = len(ledger)
    customer = ledger.customer
    chance = np.clip(DISPUTE_RATE * customers.dispute_propensity[customer], 0, 0.5)
    # Disputes are raised while the invoice is unpaid: between receipt and payment.
    window = np.maximum(natural_day - ledger.document_day - 1, 1)
    opened = next_business_day(
        ledger.document_day + 1 + (rng.random(n) * window).astype(np.int64))
    disputed = (rng.random(n) < chance) & (opened <= end_day)
    index = np.flatnonzero(disputed)
    k = len(index)
    reason = rng.choice(len(DISPUTE_REASONS), k, p=DISPUTE_REASON_SHARES)
    sigma = 0.7
    days = rng.lognormal(np.log(DISPUTE_MEAN_DAYS[reason]) - sigma**2 / 2, sigma)
    closed = next_business_day(opened[index] + np.maximum(np.round(days), 1).astype(np.int64))
    still_open = closed > end_day
    status = np.where(still_open, OPEN,
                      np.where(rng.random(k) < DISPUTE_REJECTED_SHARE, REJECTED, RESOLVED))
    resolution = np.where(
        status == RESOLVED,
        pick(rng, RESOLVED_RESOLUTION_PROBABILITIES[reason]),
        np.where(status == REJECTED, CUSTOMER_PAID, -1),
    )
    closed = np.where(still_open, NEVER, closed)
    amount = ledger.amount_cents[index]
    partial = np.maximum(np.round(amount * rng.uniform(0.05, 0.5, k)), 1).astype(np.int64)
    full = rng.random(k) < DISPUTE_FULL_AMOUNT_SHARE[reason]
    disputed_cents = np.where(full, amount, np.minimum(partial, amount))

    resume_day = np.where(still_open, NEVER, next_business_day(closed + rng.integers(3, 20, k)))
    natural = natural_day[index]
    withhold = rng.random(k) < DISPUTE_WITHHOLD_SHARE
    undisputed_day = np.where(withhold, np.maximum(natural, resume_day), natural)
    by_credit = (resolution == CREDIT_NOTE) | (resolution == WRITTEN_OFF)
    ledger.pay_day[index, 0] = undisputed_day
    ledger.pay_cents[index, 0] = amount - disputed_cents
    ledger.pay_day[index, 1] = np.where(by_credit, NEVER, np.maximum(natural, resume_day))
    ledger.pay_cents[index, 1] = np.where(by_credit, 0, disputed_cents)
    ledger.credit_day[index] = np.where(by_credit, closed, NEVER)
    ledger.credit_cents[index] = np.where(by_credit, disputed_cents, 0)

    ledger.disputed[index] = True
    ledger.dispute_opened[index] = opened[index]
    ledger.dispute_closed[index] = closed
    ledger.dispute_reason[index] = reason
    ledger.disputed_cents[index] = disputed_cents
    ledger.dispute_status[index] = status
    ledger.dispute_resolution[index] = resolution


def _add_commercial_credits_instalments_overpayments(rng, customers: Customers, ledger: Ledger,
                                                     natural_day):
    n = len(ledger)
    amount = ledger.amount_cents
    free = ~ledger.disputed
    draw = rng.random(n)
    days_to_pay = natural_day - ledger.document_day
    # A commercial credit (return, rebate) issued before the customer pays the net amount.
    credit = free & (draw < COMMERCIAL_CREDIT_SHARE)
    credit_cents = np.round(amount * rng.uniform(0.05, 0.3, n)).astype(np.int64)
    credit_day = ledger.document_day + (rng.random(n) * days_to_pay).astype(np.int64)
    ledger.credit_day = np.where(credit, credit_day, ledger.credit_day)
    ledger.credit_cents = np.where(credit, credit_cents, ledger.credit_cents)
    ledger.pay_cents[:, 0] = np.where(credit, amount - credit_cents, ledger.pay_cents[:, 0])
    # Instalments: part of the invoice first, the balance on the natural payment day.
    instalment = free & (draw >= COMMERCIAL_CREDIT_SHARE) & (
        draw < COMMERCIAL_CREDIT_SHARE + INSTALMENT_SHARE) & (days_to_pay >= 5)
    first_cents = np.round(amount * rng.uniform(0.3, 0.7, n)).astype(np.int64)
    first_day = business_day_within(
        ledger.document_day + 1 + (rng.random(n) * (days_to_pay - 2)).astype(np.int64),
        ledger.document_day + 1, natural_day - 1)
    ledger.pay_day[:, 1] = np.where(instalment, natural_day, ledger.pay_day[:, 1])
    ledger.pay_cents[:, 1] = np.where(instalment, amount - first_cents, ledger.pay_cents[:, 1])
    ledger.pay_day[:, 0] = np.where(instalment, first_day, ledger.pay_day[:, 0])
    ledger.pay_cents[:, 0] = np.where(instalment, first_cents, ledger.pay_cents[:, 0])
    # Overpayment: the customer pays more than the invoice (fees, a duplicate remittance);
    # never on a direct debit, which collects the invoice amount.
    over = free & ~credit & ~instalment & (rng.random(n) < OVERPAYMENT_SHARE) & (
        customers.method[ledger.customer] != DIRECT_DEBIT)
    extra = np.maximum(np.round(amount * rng.uniform(0.01, 0.1, n)), 1).astype(np.int64)
    ledger.overpaid_cents = np.where(over, extra, 0)
    ledger.pay_cents[:, 0] += ledger.overpaid_cents


def _apply_failures(customers: Customers, ledger: Ledger, end_day: int):
    """A failed customer pays nothing after its failure; what is still open at its
    write-off day is cancelled by a write-off credit note."""
    failure_day = customers.failure_day[ledger.customer]
    unpaid = ledger.pay_day > failure_day[:, None]
    ledger.pay_day = np.where(unpaid, NEVER, ledger.pay_day)
    write_off_day = customers.write_off_day[ledger.customer]
    open_cents = np.maximum(
        ledger.amount_cents - (ledger.pay_cents * (ledger.pay_day <= write_off_day[:, None])).sum(1)
        - ledger.credit_cents * (ledger.credit_day <= write_off_day), 0)
    written_off = (write_off_day <= end_day) & (open_cents > 0)
    ledger.write_off_day = np.where(written_off, write_off_day, NEVER)
    ledger.write_off_cents = np.where(written_off, open_cents, 0)



@dataclass
class Receipts:
    """The cash received, one row per invoice it was meant for (an overpayment adds a row
    for the part beyond the invoice); `allocated` False: on account at the extract day."""

    invoice: np.ndarray
    customer: np.ndarray
    day: np.ndarray
    cents: np.ndarray
    method: np.ndarray  # index into PAYMENT_METHODS
    allocated: np.ndarray


def receipts(rng, customers: Customers, ledger: Ledger, end_day: int) -> Receipts:
    invoice, movement = np.nonzero((ledger.pay_cents > 0) & (ledger.pay_day <= end_day))
    customer = ledger.customer[invoice]
    # Mostly the customer's usual method, sometimes a plain transfer.
    method = np.where(rng.random(len(invoice)) < 0.9, customers.method[customer],
                      PAYMENT_METHODS.index("transfer"))
    day, cents = ledger.pay_day[invoice, movement], ledger.pay_cents[invoice, movement]
    allocated = ledger.allocated[invoice, movement]
    # The ERP allocates an overpayment up to the invoice amount and leaves the rest of
    # the receipt on account.
    excess = np.where((movement == 0) & allocated, ledger.overpaid_cents[invoice], 0)
    over = np.flatnonzero(excess > 0)
    return Receipts(
        np.concatenate([invoice, invoice[over]]), np.concatenate([customer, customer[over]]),
        np.concatenate([day, day[over]]), np.concatenate([cents - excess, excess[over]]),
        np.concatenate([method, method[over]]),
        np.concatenate([allocated, np.zeros(len(over), bool)]))


@dataclass
class YearEndRebates:
    """Unapplied credit notes: key accounts' yearly volume rebate ("remise de fin
    d'année"), issued in January on the previous calendar year's invoicing."""

    customer: np.ndarray
    day: np.ndarray
    cents: np.ndarray


YEAR_END_REBATE_RATE = 0.01
YEAR_END_REBATE_SHARE = 0.5  # of key accounts


def year_end_rebates(rng, customers: Customers, ledger: Ledger, end_day: int) -> YearEndRebates:
    year = month_number(ledger.document_day) // 12
    first_year = int(year.min()) if len(year) else 0
    years = int(year.max()) - first_year + 1 if len(year) else 0
    sales = np.bincount(ledger.customer * years + (year - first_year),
                        weights=ledger.amount_cents, minlength=len(customers) * years)
    customer, year_index = np.divmod(np.arange(len(customers) * years), max(years, 1))
    cents = np.round(sales * YEAR_END_REBATE_RATE).astype(np.int64)
    january = first_day_of_month((first_year + year_index + 1) * 12)
    day = next_business_day(january + rng.integers(14, 28, len(cents)))
    entitled = (customers.segment[customer] == SEGMENTS.index("Key accounts")) & (
        rng.random(len(cents)) < YEAR_END_REBATE_SHARE)
    keep = entitled & (cents >= 100) & (day <= end_day)
    return YearEndRebates(customer[keep], day[keep], cents[keep])

"""generate_landing: a realistic synthetic landing folder (CONTRACT.md section 1).

Customers are simulated in fixed-size chunks, each with its own random stream derived
from the seed and the chunk number, so the files are byte-identical for the same
arguments and memory stays flat however large the book.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
from tqdm import tqdm

from credit_scoreboard import contract
from credit_scoreboard.generate import collection, ledger, statuses
from credit_scoreboard.generate import customers as customer_module
from credit_scoreboard.generate.calendar import (
    day_number,
    first_day_of_month,
    month_number,
    to_date,
)
from credit_scoreboard.generate.tables import (
    Numbering,
    calls_table,
    customers_table,
    disputes_table,
    invoices_table,
    payments_table,
)
from credit_scoreboard.generate.uplift import UpliftTally
from credit_scoreboard.generate.writers import FORMATS, ExtractWriter

DEFAULT_END_DATE = dt.date(2026, 10, 31)
CUSTOMERS_PER_CHUNK = 1000
PILOT_CUSTOMERS = 50_000
MANIFEST_NAME = "manifest.json"


@dataclass
class GenerationSummary:
    out_dir: Path
    fmt: str
    start_date: dt.date
    end_date: dt.date
    customers: int
    row_counts: dict[str, int] = field(default_factory=dict)
    invoice_documents: int = 0  # rows of document_type 'invoice'
    call_uplift_truth: float | None = None

    def render(self) -> str:
        counts = ", ".join(f"{entity} {count:,}" for entity, count in self.row_counts.items())
        return (f"landing folder {self.out_dir} ({self.fmt}, {self.start_date} to "
                f"{self.end_date}): {counts}; call uplift truth {self.call_uplift_truth}")


def book_months(end_date: dt.date, years: float) -> np.ndarray:
    """Whole calendar months ending with the month of end_date."""
    last = int(month_number(np.array([day_number(end_date)]))[0])
    count = max(1, round(years * 12))
    return np.arange(last - count + 1, last + 1)


def customers_for_invoices(target_invoices: int, seed: int, months: np.ndarray,
                           end_day: int) -> int:
    """Customer count whose expected invoice count is the target, from a pilot draw
    (large, because invoicing rates are heavy-tailed)."""
    start_day = int(first_day_of_month(months[:1])[0])
    pilot = customer_module.draw_customers(
        np.random.default_rng([seed, 2]), 0, PILOT_CUSTOMERS, start_day, end_day,
        customer_module.draw_collectors(np.random.default_rng([seed, 0])))
    per_customer = ledger.expected_invoices(pilot, months, start_day, end_day).sum() / len(pilot)
    return max(1, round(target_invoices / per_customer))


def generate_landing(out_dir: Path, customers: int = 2000, years: float = 3.0, seed: int = 7,
                     fmt: str = "csv", end_date: dt.date | None = None,
                     target_invoices: int | None = None,
                     progress: bool = True) -> GenerationSummary:
    """Write customers, invoices, payments, disputes, calls and invoice_statuses extracts,
    the last days' statuses as CDAR XML files, and manifest.json to out_dir (created if
    needed; earlier generated extracts there are replaced)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")
    end_date = end_date or DEFAULT_END_DATE
    end_day = day_number(end_date)
    months = book_months(end_date, years)
    start_day = int(first_day_of_month(months[:1])[0])
    month_ends = first_day_of_month(months + 1) - 1
    month_ends = month_ends[month_ends <= end_day]
    customer_count = (customers_for_invoices(target_invoices, seed, months, end_day)
                      if target_invoices else customers)
    if customer_count < 1 or years <= 0:
        raise ValueError("a book needs at least one customer and a positive number of years")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for entity in contract.ENTITIES:  # never leave a stale extract of the other format
        for ext in ("csv", "parquet"):
            (out_dir / f"{entity}.{ext}").unlink(missing_ok=True)
    for stale in out_dir.glob("flux6_cdar_*.xml"):
        stale.unlink()

    collectors = customer_module.draw_collectors(np.random.default_rng([seed, 0]))
    numbering = Numbering()
    tally = UpliftTally()
    row_counts = dict.fromkeys(contract.ENTITIES, 0)
    invoice_documents = 0
    brought_forward = 0  # invoices whose payment a call moved earlier
    profiles = np.zeros(len(customer_module.PROFILES), np.int64)
    recent_statuses = []  # the last days' statuses, written as CDAR XML at the end
    writer = ExtractWriter(out_dir, fmt)
    chunks = range(0, customer_count, CUSTOMERS_PER_CHUNK)
    try:
        for chunk, first in enumerate(tqdm(chunks, desc="generating", unit="chunk",
                                           disable=not progress)):
            book, invoices, tables = _simulate_chunk(
                np.random.default_rng([seed, 1, chunk]), np.random.default_rng([seed, 3, chunk]),
                first + 1,
                min(CUSTOMERS_PER_CHUNK, customer_count - first), collectors, months,
                month_ends, start_day, end_day, numbering, tally)
            # The statuses' own stream: the other extracts do not depend on them.
            tables["invoice_statuses"], recent = statuses.split_recent(statuses.draw_statuses(
                np.random.default_rng([seed, 4, chunk]), book, invoices,
                tables.pop("invoice_ids"), end_day), end_day)
            recent_statuses.append(recent)
            for entity, table in tables.items():
                writer.write(entity, table)
                row_counts[entity] += table.num_rows
            invoice_documents += len(invoices)
            brought_forward += int((invoices.pay_day != invoices.natural_pay_day).any(axis=1).sum())
            profiles += np.bincount(book.profile, minlength=len(profiles))
    finally:
        writer.close()
    cdar_files = statuses.write_cdar_files(out_dir, pa.concat_tables(recent_statuses)) if (
        recent_statuses) else []

    truth = tally.as_manifest(month_ends, end_day)
    manifest = {
        "generator": "credit_scoreboard.generate",
        "params": {
            "customers": customer_count,
            "years": years,
            "seed": seed,
            "format": fmt,
            "start_date": to_date(start_day).isoformat(),
            "end_date": end_date.isoformat(),
            "target_invoices": target_invoices,
            "customers_per_chunk": CUSTOMERS_PER_CHUNK,
        },
        "files": {entity: writer.path(entity).name for entity in contract.ENTITIES},
        "row_counts": row_counts,
        # invoice_statuses of the last days, as the platforms' CDAR messages (not in the table)
        "cdar_files": cdar_files,
        "cdar_statuses": sum(table.num_rows for table in recent_statuses),
        "invoice_documents": invoice_documents,
        "amounts": "EUR, two decimals" + (
            "; parquet DECIMAL(18, 2)" if fmt == "parquet" else ""),
        "customers_by_payer_profile": dict(
            zip(customer_module.PROFILES, profiles.tolist(), strict=True)),
        "planted_effects": planted_effects(),
        "invoices_paid_earlier_because_of_calls": brought_forward,
        "call_uplift_truth": truth,
    }
    (out_dir / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, ensure_ascii=False)
                                         + "\n", encoding="utf-8")
    summary = GenerationSummary(
        out_dir=out_dir, fmt=fmt, start_date=to_date(start_day), end_date=end_date,
        customers=customer_count, row_counts=row_counts, invoice_documents=invoice_documents,
        call_uplift_truth=truth["value"])
    if progress:
        print(summary.render())
    return summary


def _simulate_chunk(rng, allocation_rng, first_number, count, collectors, months, month_ends,
                    start_day, end_day, numbering: Numbering, tally: UpliftTally):
    """One chunk of customers from start to end: their invoices, the month-by-month
    collection work, the cash and when it is allocated, the calls' outcomes; then the five
    tables. The allocation delays have their own random stream (allocation_rng)."""
    book = customer_module.draw_customers(rng, first_number, count, start_day, end_day,
                                          collectors)
    allocation = ledger.draw_cash_allocation(allocation_rng, book, start_day, end_day)
    invoices = ledger.draw_ledger(rng, book, months, start_day, end_day, allocation)
    post_due_calls, units = collection.simulate_collection(
        rng, book, collectors, invoices, month_ends, end_day)
    cash = ledger.receipts(rng, book, invoices, end_day)
    customer_cash = collection.CustomerCash(cash.customer, cash.day, cash.cents)
    tally.add(units, customer_cash, month_ends, end_day)
    calls = collection.concatenate_calls(
        [post_due_calls, collection.draw_pre_due_calls(rng, book, invoices, end_day)])
    outcomes = collection.decide_outcomes(rng, calls, customer_cash)
    rebates = ledger.year_end_rebates(rng, book, invoices, end_day)

    invoice_table, invoice_ids = invoices_table(book, invoices, rebates, numbering, end_day)
    tables = {
        "customers": customers_table(book),
        "invoices": invoice_table,
        "payments": payments_table(book, cash, invoice_ids, numbering),
        "disputes": disputes_table(book, invoices, invoice_ids, numbering),
        "calls": calls_table(book, calls, outcomes, invoice_ids, numbering),
        "invoice_ids": invoice_ids,
    }
    return book, invoices, tables


def planted_effects() -> dict:
    """The known mechanisms of the simulation, for tests and for checking estimators."""
    return {
        "CALL_EFFECT_PAYMENT_WITHIN_30D": collection.CALL_EFFECT_PAYMENT_WITHIN_30D,
        "call_effect": ("a post-due right-party contact raises by this many points the "
                        "probability that each overdue invoice of the customer is paid "
                        "within 30 days of the call (not for invoices in open dispute nor "
                        "for failed customers)"),
        "promise_grace_days": collection.PROMISE_GRACE_DAYS,
        "insincere_promise_share": collection.INSINCERE_PROMISE_SHARE,
        "dispute_rate": ledger.DISPUTE_RATE,
        "dispute_withhold_share": ledger.DISPUTE_WITHHOLD_SHARE,
        "dispute_mean_days_by_reason": dict(
            zip(contract.DISPUTE_REASONS, ledger.DISPUTE_MEAN_DAYS.tolist(), strict=True)),
        "seasonality_by_month": ledger.SEASONALITY.tolist(),
        "invoicing_growth_per_year": ledger.GROWTH_PER_YEAR,
        "payer_profile_shares": dict(
            zip(customer_module.PROFILES, customer_module.PROFILE_SHARES.tolist(), strict=True)),
        "end_of_month_terms": "due = last day of the month of (document_date + N days)",
        "cash_on_account": (
            "a share of receipts (by the customer's usual method, times a customer "
            "propensity of mean 1; never direct debits nor failed customers) is not "
            "allocated on the day: it waits a Weibull delay (scale "
            f"{ledger.ALLOCATION_DELAY_SCALE_DAYS} days, shape {ledger.ALLOCATION_DELAY_SHAPE}) "
            "and is then allocated to the invoice it was meant for; the extracts show it "
            "without document_id when the delay runs past the end date; the cash of a "
            f"share {ledger.NEVER_ALLOCATED_SHARE} of invoices is never identified; "
            "overpayments leave the part beyond the invoice on account"),
        "on_account_share_by_method": dict(
            zip(contract.PAYMENT_METHODS, ledger.ON_ACCOUNT_SHARE_BY_METHOD.tolist(),
                strict=True)),
        "invoice_statuses": statuses.planted_effects(),
    }


"""Turn one chunk of simulated arrays into Arrow tables with the contract's columns,
in contract order, numbering keys after the previous chunks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from credit_scoreboard import contract
from credit_scoreboard.generate.calendar import NEVER
from credit_scoreboard.generate.collection import CallLog, CallOutcomes
from credit_scoreboard.generate.customers import (
    COLLECTORS,
    TERMS_BASIS,
    TERMS_DAYS,
    Customers,
)
from credit_scoreboard.generate.ledger import DISPUTE_OWNERS, Ledger, Receipts, YearEndRebates

ARROW_TYPES = {
    "text": pa.string(),
    "decimal": pa.decimal128(18, 2),  # exact cents, as the raw tables store them
    "int": pa.int32(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("s"),
    "bool": pa.bool_(),
}
# Original currency of export customers (amounts are always in EUR).
COUNTRY_CURRENCY = {"CH": "CHF", "GB": "GBP"}


def arrow_schema(entity: contract.Entity) -> pa.Schema:
    return pa.schema([(column.name, ARROW_TYPES[column.type]) for column in entity.columns])


@dataclass
class Numbering:
    """Next free number of each key; chunks are numbered one after the other."""

    invoice: int = 1
    credit_note: int = 1
    payment: int = 1
    dispute: int = 1
    call: int = 1


def identifiers(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """prefix + zero-padded number, built as a byte matrix (no per-row Python)."""
    numbers = np.asarray(numbers, dtype=np.int64)
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    digits = ((numbers[:, None] // powers) % 10 + ord("0")).astype(np.uint8)
    head = np.frombuffer(prefix.encode("ascii"), np.uint8)
    matrix = np.concatenate([np.broadcast_to(head, (len(numbers), len(head))), digits], axis=1)
    text = np.ascontiguousarray(matrix).view(f"S{matrix.shape[1]}").ravel()
    return pa.array(text, pa.binary()).cast(pa.string())


def nullable(values: pa.Array, present: np.ndarray) -> pa.Array:
    return pc.if_else(pa.array(present), values, pa.scalar(None, values.type))


def decimals(cents: np.ndarray, present: np.ndarray | None = None) -> pa.Array:
    """DECIMAL(18, 2) from integer cents, exactly (the 128-bit value is the cents)."""
    cents = np.asarray(cents, dtype=np.int64)
    words = np.stack([cents, np.where(cents < 0, -1, 0)], axis=1).astype(np.int64)
    values = pa.Array.from_buffers(pa.decimal128(18, 2), len(cents),
                                   [None, pa.py_buffer(np.ascontiguousarray(words))])
    return values if present is None else nullable(values, present)


def dates(days: np.ndarray, present: np.ndarray | None = None) -> pa.Array:
    values = pa.array(np.where(days >= NEVER, 0, days).astype(np.int32), pa.date32())
    return values if present is None else nullable(values, present)


def strings(values: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(values).astype(str), pa.string())


def customer_ids(numbers: np.ndarray) -> pa.Array:
    return identifiers("CUS-", numbers, 7)


def customers_table(customers: Customers) -> pa.Table:
    limited = customers.credit_limit_cents >= 0
    columns = {
        "customer_id": customer_ids(customers.number),
        "customer_name": strings(customers.name),
        "segment": strings(np.array(contract.SEGMENTS)[customers.segment]),
        "region": strings(customers.region),
        "country": strings(customers.country),
        "business_unit": strings(customers.business_unit),
        "collector_id": strings(np.array(COLLECTORS)[customers.collector]),
        "credit_limit": decimals(customers.credit_limit_cents, limited),
        "payment_terms_days": pa.array(TERMS_DAYS[customers.terms].astype(np.int32)),
        "payment_terms_basis": strings(TERMS_BASIS[customers.terms]),
    }
    return pa.table(columns, schema=arrow_schema(contract.CUSTOMERS))


def _currency(customers: Customers, customer: np.ndarray) -> pa.Array:
    country = customers.country[customer]
    currency = np.full(len(customer), "EUR", dtype=object)
    for code, name in COUNTRY_CURRENCY.items():
        currency[country == code] = name
    return strings(currency)


def invoices_table(customers: Customers, ledger: Ledger, rebates: YearEndRebates,
                   numbering: Numbering, end_day: int) -> tuple[pa.Table, pa.Array]:
    """The invoices and credit notes, and the document_id of each invoice of the ledger."""
    n = len(ledger)
    invoice_ids = identifiers("INV-", numbering.invoice + np.arange(n), 9)
    # Credit notes: dispute settlements and commercial credits, write-offs, rebates.
    credit = np.flatnonzero((ledger.credit_cents > 0) & (ledger.credit_day <= end_day))
    write_off = np.flatnonzero((ledger.write_off_cents > 0) & (ledger.write_off_day <= end_day))
    corrected = np.concatenate([credit, write_off, np.full(len(rebates.customer), -1)])
    credit_customer = np.concatenate(
        [ledger.customer[credit], ledger.customer[write_off], rebates.customer])
    credit_day = np.concatenate(
        [ledger.credit_day[credit], ledger.write_off_day[write_off], rebates.day])
    credit_cents = np.concatenate(
        [ledger.credit_cents[credit], ledger.write_off_cents[write_off], rebates.cents])
    order = np.lexsort((corrected, credit_customer, credit_day))
    corrected, credit_customer = corrected[order], credit_customer[order]
    credit_day, credit_cents = credit_day[order], credit_cents[order]
    m = len(order)
    credit_ids = identifiers("CN-", numbering.credit_note + np.arange(m), 9)
    numbering.invoice += n
    numbering.credit_note += m

    applies_to = invoice_ids.take(pa.array(np.maximum(corrected, 0))) if n else \
        pa.nulls(m, pa.string())
    customer = np.concatenate([ledger.customer, credit_customer])
    columns = {
        "document_id": pa.concat_arrays([invoice_ids, credit_ids]),
        "customer_id": customer_ids(customers.number[customer]),
        "document_type": strings(np.repeat(["invoice", "credit_note"], [n, m])),
        "document_date": dates(np.concatenate([ledger.document_day, credit_day])),
        "due_date": dates(np.concatenate([ledger.due_day, credit_day])),
        "amount": decimals(np.concatenate([ledger.amount_cents, -credit_cents])),
        "applies_to_document_id": pa.concat_arrays(
            [pa.nulls(n, pa.string()), nullable(applies_to, corrected >= 0)]),
        "currency": _currency(customers, customer),
    }
    return pa.table(columns, schema=arrow_schema(contract.INVOICES)), invoice_ids


def payments_table(customers: Customers, receipts: Receipts, invoice_ids: pa.Array,
                   numbering: Numbering) -> pa.Table:
    """One row per allocation of cash (CONTRACT.md section 1). Cash received together
    (same customer, day and method) is one receipt with one reference: its allocations
    are the lines PAY-<reference>-1, -2, ... (one per invoice, by invoice), and what the
    receipt still has on account at the extract day is one more, last line without
    document_id (the sum of the allocations still to come and of any overpayment). A
    later extract would replace that line with the first allocation made from it, under
    the same key, and add the others as new lines, as the contract's "a later extract of
    the same key replaces the earlier one" expects."""
    order = np.lexsort((receipts.invoice, ~receipts.allocated, receipts.method,
                        receipts.customer, receipts.day))
    customer, day = receipts.customer[order], receipts.day[order]
    method, invoice = receipts.method[order], receipts.invoice[order]
    allocated, cents = receipts.allocated[order], receipts.cents[order]
    n = len(order)
    starts = np.ones(n, bool)
    starts[1:] = ((customer[1:] != customer[:-1]) | (day[1:] != day[:-1])
                  | (method[1:] != method[:-1]))
    # A line per invoice the receipt settles (its two movements of the same day make one
    # allocation); the receipt's rows on account (sorted last) make one line.
    line_starts = starts.copy()
    line_starts[1:] |= (allocated[1:] != allocated[:-1]) | (
        allocated[1:] & (invoice[1:] != invoice[:-1]))
    first = np.flatnonzero(line_starts)
    reference = np.cumsum(starts)[first] - 1
    first_line = np.flatnonzero(starts[first])
    line = np.arange(len(first)) - first_line[reference] + 1
    payment_ids = pc.binary_join_element_wise(
        identifiers("PAY-", numbering.payment + reference, 9),
        pc.cast(pa.array(line), pa.string()), "-")
    numbering.payment += len(first_line)
    document = invoice_ids.take(pa.array(invoice[first])) if n else pa.nulls(0, pa.string())
    columns = {
        "payment_id": payment_ids,
        "customer_id": customer_ids(customers.number[customer[first]]),
        "document_id": nullable(document, allocated[first]),
        "payment_date": dates(day[first]),
        "amount": decimals(np.add.reduceat(cents, first) if n else cents),
        "method": strings(np.array(contract.PAYMENT_METHODS)[method[first]]),
    }
    return pa.table(columns, schema=arrow_schema(contract.PAYMENTS))


def disputes_table(customers: Customers, ledger: Ledger, invoice_ids: pa.Array,
                   numbering: Numbering) -> pa.Table:
    invoice = np.flatnonzero(ledger.disputed)
    invoice = invoice[np.lexsort((invoice, ledger.dispute_opened[invoice]))]
    k = len(invoice)
    closed = ledger.dispute_closed[invoice]
    resolution = ledger.dispute_resolution[invoice]
    reason = ledger.dispute_reason[invoice]
    columns = {
        "dispute_id": identifiers("DSP-", numbering.dispute + np.arange(k), 8),
        "document_id": invoice_ids.take(pa.array(invoice, pa.int64())),
        "customer_id": customer_ids(customers.number[ledger.customer[invoice]]),
        "opened_date": dates(ledger.dispute_opened[invoice]),
        "reason": strings(np.array(contract.DISPUTE_REASONS)[reason]),
        "disputed_amount": decimals(ledger.disputed_cents[invoice]),
        "status": strings(np.array(contract.DISPUTE_STATUSES)[ledger.dispute_status[invoice]]),
        "closed_date": dates(closed, closed < NEVER),
        "owner": strings(DISPUTE_OWNERS[reason]),
        "resolution": nullable(
            strings(np.array(contract.DISPUTE_RESOLUTIONS)[np.maximum(resolution, 0)]),
            resolution >= 0),
    }
    numbering.dispute += k
    return pa.table(columns, schema=arrow_schema(contract.DISPUTES))


def calls_table(customers: Customers, calls: CallLog, outcomes: CallOutcomes,
                invoice_ids: pa.Array, numbering: Numbering) -> pa.Table:
    seconds = calls.day * 86_400 + outcomes.seconds_of_day
    order = np.lexsort((calls.customer, seconds))
    k = len(order)
    outcome = outcomes.outcome[order]
    promised = outcomes.promised_cents[order] > 0
    invoice = calls.invoice[order]
    document = invoice_ids.take(pa.array(np.maximum(invoice, 0))) if len(invoice_ids) else \
        pa.nulls(k, pa.string())
    columns = {
        "call_id": identifiers("CALL-", numbering.call + np.arange(k), 9),
        "customer_id": customer_ids(customers.number[calls.customer[order]]),
        "collector_id": strings(np.array(COLLECTORS)[customers.collector[calls.customer[order]]]),
        "call_time": pa.array(seconds[order], pa.timestamp("s")),
        "channel": strings(np.array(contract.CALL_CHANNELS)[calls.channel[order]]),
        "stage": strings(np.array(contract.CALL_STAGES)[calls.stage[order]]),
        "right_party_contact": pa.array(calls.right_party_contact[order]),
        "outcome": nullable(strings(np.array(contract.CALL_OUTCOMES)[np.maximum(outcome, 0)]),
                            outcome >= 0),
        "promised_amount": decimals(outcomes.promised_cents[order], promised),
        "promised_date": dates(outcomes.promised_day[order], promised),
        "document_id": nullable(document, invoice >= 0),
        "duration_seconds": pa.array(outcomes.duration_seconds[order].astype(np.int32)),
    }
    numbering.call += k
    return pa.table(columns, schema=arrow_schema(contract.CALLS))

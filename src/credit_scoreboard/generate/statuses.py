"""E-invoicing lifecycle statuses (CONTRACT.md section 1, invoice_statuses) for the book.

Drawn from the ledger after everything else, with their own random stream: the other
extracts are the same with or without them. What is planted (see planted_effects):
- statuses start at the e-invoicing go-live (1 Sep 2026): invoices dated from then on;
  public-sector buyers have received e-invoices through Chorus Pro since 2020, so their
  invoices carry statuses from the book's start (the forecast can learn from them);
- every invoice is deposited (200); the mandatory statuses come for every customer:
  refused (210), cashed (212, on the day the last cash arrives), rejected (213, hours after
  the deposit, on a few invoices still open at the end: the invoice must be reissued);
- customers on platforms sending the optional statuses (a share by segment) also get made
  available (203, missing on a few invoices: never made available), taken in charge (204),
  approved (205, after a delay by segment), disputes as 207 a few days before the dispute-log
  row (or without one, then approved later), suspended (208) then completed (209), partly
  approved (206) when a dispute ends with a partial credit note, and payment transmitted
  (211) a few days before the cash (also when that cash comes after the end date);
- a refusal (210) is a dispute of the whole invoice that the book settles by a full credit
  note (requested action: reissue for price and billing errors, full credit note otherwise);
- no status is dated after the end date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from credit_scoreboard import contract
from credit_scoreboard.generate.calendar import NEVER, day_number, to_date
from credit_scoreboard.generate.customers import Customers
from credit_scoreboard.generate.ledger import CREDIT_NOTE, RESOLVED, Ledger

GO_LIVE = day_number(dt.date(2026, 9, 1))
PUBLIC_SECTOR = contract.SEGMENTS.index("Public sector")  # on Chorus Pro before the go-live
# Per segment (contract.SEGMENTS: Key accounts, SME, Public sector, Retail).
OPTIONAL_STATUS_SHARE = np.array([0.7, 0.35, 0.85, 0.45])
APPROVAL_MEAN_DAYS = np.array([9.0, 5.0, 18.0, 4.0])
NEVER_MADE_AVAILABLE_SHARE = 0.04
TAKEN_IN_CHARGE_SHARE = 0.6
LOG_DISPUTE_ON_PLATFORM_SHARE = 0.7  # log disputes the buyer's tool also sends as 207
PLATFORM_ONLY_DISPUTE_SHARE = 0.012  # 207 the dispute log never records
SUSPENDED_SHARE = 0.01
PAYMENT_TRANSMITTED_SHARE = 0.7
REJECTED_SHARE_OF_OPEN = 0.005  # of the invoices still unpaid at the end date
XML_DAYS = 7  # the statuses of the book's last week come as CDAR XML files
# Lifecycle reason of each dispute-log reason (contract.DISPUTE_REASONS order).
REASON_OF_DISPUTE = np.array(
    ["LIVR_INCOMP", "PU_ERR", "CMD_ERR", "CALCUL_ERR", "QUALITE_ERR", "AUTRE"])
REISSUE_REASONS = np.array([False, True, False, True, False, False])  # price, billing
PLATFORM_DISPUTE_REASONS = np.array(["PU_ERR", "QTE_ERR", "LIVR_INCOMP", "CMD_ERR",
                                     "JUSTIF_ABS", "AUTRE"])
REJECTION_REASONS = np.array(["REJ_SEMAN", "REJ_UNI", "REJ_COH"])
ISSUER = {200: "platform", 203: "platform", 204: "buyer", 205: "buyer", 206: "buyer",
          207: "buyer", 208: "buyer", 209: "supplier", 210: "buyer", 211: "buyer",
          212: "supplier", 213: "platform"}
HOUR = 3600
DAY = 86_400


@dataclass
class _Statuses:
    """Status rows being drawn: invoice index, code, time (seconds), reason, action, cents
    (-1: no amount)."""

    parts: list

    def add(self, invoice, code, seconds, reason=None, action=None, cents=None):
        n = len(invoice)

        def texts(value):  # one text for all rows, or one per row
            return np.asarray(value, object) if isinstance(value, np.ndarray) else np.full(
                n, value or "", object)

        self.parts.append((
            np.asarray(invoice, np.int64), np.full(n, code, np.int32),
            np.asarray(seconds, np.int64), texts(reason), texts(action),
            np.asarray(cents if cents is not None else np.full(n, -1), np.int64)))


def draw_statuses(rng, customers: Customers, ledger: Ledger, invoice_ids: pa.Array,
                  end_day: int) -> pa.Table:
    """The statuses of one chunk's invoices, in the contract's columns, by time."""
    n = len(ledger)
    statuses = _Statuses([])
    optional = (rng.random(len(customers)) < OPTIONAL_STATUS_SHARE[customers.segment])[
        ledger.customer]
    day = ledger.document_day
    segment = customers.segment[ledger.customer]
    in_scope = (day >= GO_LIVE) | (segment == PUBLIC_SECTOR)
    paid_cents = np.where(ledger.pay_day <= end_day, ledger.pay_cents, 0).sum(axis=1) - (
        ledger.overpaid_cents)
    last_cash = np.where(ledger.pay_cents > 0, ledger.pay_day, -1).max(axis=1)
    fully_paid = (last_cash >= 0) & (last_cash <= end_day)  # every movement by the end
    refused = in_scope & ledger.disputed & (ledger.disputed_cents == ledger.amount_cents) & (
        ledger.dispute_resolution == CREDIT_NOTE)
    open_at_end = ~fully_paid & ~ledger.disputed & (ledger.credit_cents == 0) & (
        ledger.write_off_cents == 0)
    rejected = in_scope & open_at_end & (rng.random(n) < REJECTED_SHARE_OF_OPEN)

    # Deposit: office hours, or late evening for some rejected ones (rejected overnight).
    deposit = day * DAY + rng.integers(8 * HOUR, 19 * HOUR, n)
    deposit = np.where(rejected & (rng.random(n) < 0.5), day * DAY + rng.integers(
        22 * HOUR, 24 * HOUR, n), deposit)
    scope = np.flatnonzero(in_scope)
    statuses.add(scope, 200, deposit[scope])
    index = np.flatnonzero(rejected)
    statuses.add(index, 213, deposit[index] + rng.integers(HOUR, 6 * HOUR, len(index)),
                 REJECTION_REASONS[rng.integers(0, 3, len(index))], "NIN")

    index = np.flatnonzero(refused)
    reason = ledger.dispute_reason[index]
    statuses.add(index, 210, _office_time(rng, ledger.dispute_opened[index]),
                 REASON_OF_DISPUTE[reason], np.where(REISSUE_REASONS[reason], "NIN", "CNF"))
    index = np.flatnonzero(in_scope & fully_paid & ~rejected)
    statuses.add(index, 212, _office_time(rng, last_cash[index]), cents=paid_cents[index])

    # The optional statuses, from the buyer's platform and tools.
    lifecycle = in_scope & optional & ~rejected
    available = lifecycle & (rng.random(n) >= NEVER_MADE_AVAILABLE_SHARE)
    made_available = deposit + rng.integers(120, 3 * HOUR, n)
    index = np.flatnonzero(available)
    statuses.add(index, 203, made_available[index])
    index = np.flatnonzero(available & (rng.random(n) < TAKEN_IN_CHARGE_SHARE))
    statuses.add(index, 204, made_available[index] + rng.integers(HOUR, 2 * DAY, len(index)))

    log_dispute = available & ledger.disputed & ~refused & (
        rng.random(n) < LOG_DISPUTE_ON_PLATFORM_SHARE)
    index = np.flatnonzero(log_dispute)
    opened = np.maximum(ledger.dispute_opened[index] - rng.integers(0, 6, len(index)),
                        day[index] + 1)
    partial = ledger.disputed_cents[index] < ledger.amount_cents[index]
    statuses.add(index, 207, _office_time(rng, opened), REASON_OF_DISPUTE[
        ledger.dispute_reason[index]], np.where(partial, "CNP", "PIN"))
    ended = ledger.dispute_closed[index] <= end_day
    by_credit = ended & (ledger.dispute_resolution[index] == CREDIT_NOTE) & (
        ledger.dispute_status[index] == RESOLVED)
    statuses.add(index[by_credit], 206, _office_time(rng, ledger.dispute_closed[index][
        by_credit]), cents=(ledger.amount_cents - ledger.disputed_cents)[index][by_credit])
    settled = ended & ~by_credit
    statuses.add(index[settled], 205, _office_time(rng, ledger.dispute_closed[index][settled]))

    undisputed = available & ~ledger.disputed
    platform_only = undisputed & (rng.random(n) < PLATFORM_ONLY_DISPUTE_SHARE)
    index = np.flatnonzero(platform_only)
    raised = day[index] + rng.integers(3, 16, len(index))
    statuses.add(index, 207, _office_time(rng, raised),
                 PLATFORM_DISPUTE_REASONS[rng.integers(0, 6, len(index))], "PIN")
    approved = raised + rng.integers(5, 21, len(index))
    statuses.add(index, 205, _office_time(rng, approved))

    suspended = undisputed & ~platform_only & (rng.random(n) < SUSPENDED_SHARE)
    index = np.flatnonzero(suspended)
    held = day[index] + rng.integers(2, 9, len(index))
    statuses.add(index, 208, _office_time(rng, held), "JUSTIF_ABS", "PIN")
    statuses.add(index, 209, _office_time(rng, held + rng.integers(1, 6, len(index))))

    approval = day + np.ceil(rng.gamma(2.0, APPROVAL_MEAN_DAYS[segment] / 2)).astype(np.int64)
    approves = undisputed & ~platform_only & ~suspended & (approval < np.where(
        last_cash >= 0, last_cash, NEVER))
    index = np.flatnonzero(approves)
    statuses.add(index, 205, _office_time(rng, approval[index]))

    # Payment transmitted 1 to 5 days before the cash, never before the invoice; the cash
    # may come after the end date (the status alone is in the extract then).
    cash_planned = (last_cash >= 0) & (last_cash < NEVER)
    sent = last_cash - rng.integers(1, 6, n)
    transmitted = available & cash_planned & ~refused & (sent >= day) & (
        rng.random(n) < PAYMENT_TRANSMITTED_SHARE)
    index = np.flatnonzero(transmitted)
    planned_cents = ledger.pay_cents.sum(axis=1) - ledger.overpaid_cents
    statuses.add(index, 211, _office_time(rng, sent[index]), cents=planned_cents[index])
    return _table(statuses, invoice_ids, end_day)


def _office_time(rng, days: np.ndarray) -> np.ndarray:
    days = np.asarray(days, np.int64)
    return days * DAY + rng.integers(8 * HOUR, 19 * HOUR, len(days))


def _table(statuses: _Statuses, invoice_ids: pa.Array, end_day: int) -> pa.Table:
    from credit_scoreboard.generate.tables import arrow_schema, decimals

    invoice, code, seconds, reason, action, cents = (
        np.concatenate(column) for column in zip(*statuses.parts, strict=True))
    keep = seconds < (end_day + 1) * DAY  # never after the end date
    invoice, code, seconds = invoice[keep], code[keep], seconds[keep]
    reason, action, cents = reason[keep], action[keep], cents[keep]
    order = np.lexsort((code, invoice, seconds))
    invoice, code, seconds = invoice[order], code[order], seconds[order]
    reason, action, cents = reason[order], action[order], cents[order]
    document = invoice_ids.take(pa.array(invoice, pa.int64()))
    issuer_of_code = np.array([ISSUER.get(value, "platform") for value in range(200, 214)])
    columns = {
        "status_id": pc.binary_join_element_wise(
            document, pc.cast(pa.array(code), pa.string()), "-"),
        "document_id": document,
        "status_code": pa.array(code, pa.int32()),
        "status_time": pa.array(seconds, pa.timestamp("s")),
        "issuer": pa.array(issuer_of_code[code - 200].astype(str), pa.string()),
        "reason_code": pa.array([value or None for value in reason], pa.string()),
        "requested_action": pa.array([value or None for value in action], pa.string()),
        "amount": decimals(cents, cents >= 0),
    }
    return pa.table(columns, schema=arrow_schema(contract.INVOICE_STATUSES))


def split_recent(table: pa.Table, end_day: int) -> tuple[pa.Table, pa.Table]:
    """(statuses for the table extract, statuses of the last XML_DAYS days for CDAR XML)."""
    first_xml_second = (end_day - XML_DAYS + 1) * DAY
    recent = pc.greater_equal(pc.cast(table.column("status_time"), pa.int64()),
                              first_xml_second)
    return table.filter(pc.invert(recent)), table.filter(recent)


CDAR_NAMESPACES = (
    'xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100" '
    'xmlns:ram="urn:un:unece:uncefact:data:standard:'
    'ReusableAggregateBusinessInformationEntity:100" '
    'xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"'
)
ROLE_CODE = {"buyer": "BY", "supplier": "SE", "platform": "WK"}
AMOUNT_TYPE = {206: "MAP", 211: "MPA", 212: "MEN"}


def write_cdar_files(out_dir: Path, table: pa.Table) -> list[str]:
    """One CDAR XML file per day (`flux6_cdar_<YYYYMMDD>.xml`), one message per status,
    the messages wrapped in a `StatusBatch` element; returns the file names."""
    rows = table.sort_by([("status_time", "ascending"), ("status_id", "ascending")]).to_pylist()
    by_day: dict = {}
    for row in rows:
        by_day.setdefault(row["status_time"].date(), []).append(row)
    names = []
    for status_day, day_rows in sorted(by_day.items()):
        name = f"flux6_cdar_{status_day:%Y%m%d}.xml"
        body = "".join(_cdar_message(row) for row in day_rows)
        (out_dir / name).write_text(
            '<?xml version="1.0" encoding="UTF-8"?>\n<StatusBatch>\n' + body
            + "</StatusBatch>\n", encoding="utf-8")
        names.append(name)
    return names


def _cdar_message(row: dict) -> str:
    stamp = f"{row['status_time']:%Y%m%d%H%M%S}"
    status = ""
    if row["reason_code"]:
        status += f"<ram:ReasonCode>{escape(row['reason_code'])}</ram:ReasonCode>"
    if row["requested_action"]:
        status += (f"<ram:RequestedActionCode>{escape(row['requested_action'])}"
                   "</ram:RequestedActionCode>")
    if row["amount"] is not None:
        status += (f"<ram:SpecifiedDocumentCharacteristic><ram:TypeCode>"
                   f"{AMOUNT_TYPE.get(row['status_code'], 'MEN')}</ram:TypeCode>"
                   f'<ram:ValueAmount currencyID="EUR">{row["amount"]}</ram:ValueAmount>'
                   "</ram:SpecifiedDocumentCharacteristic>")
    return (
        f"<rsm:CrossDomainAcknowledgementAndResponse {CDAR_NAMESPACES}>\n"
        "  <rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter>"
        "<ram:ID>urn.cpro.gouv.fr:1p0:CDV:invoice</ram:ID>"
        "</ram:GuidelineSpecifiedDocumentContextParameter></rsm:ExchangedDocumentContext>\n"
        f"  <rsm:ExchangedDocument><ram:ID>{escape(row['status_id'])}</ram:ID>"
        f'<ram:IssueDateTime><udt:DateTimeString format="204">{stamp}</udt:DateTimeString>'
        "</ram:IssueDateTime><ram:IssuerTradeParty><ram:RoleCode>"
        f"{ROLE_CODE[row['issuer']]}</ram:RoleCode></ram:IssuerTradeParty>"
        "</rsm:ExchangedDocument>\n"
        "  <rsm:AcknowledgementDocument><ram:TypeCode>23</ram:TypeCode>"
        f'<ram:IssueDateTime><udt:DateTimeString format="204">{stamp}</udt:DateTimeString>'
        "</ram:IssueDateTime><ram:ReferenceReferencedDocument>"
        f"<ram:IssuerAssignedID>{escape(row['document_id'])}</ram:IssuerAssignedID>"
        "<ram:TypeCode>380</ram:TypeCode>"
        f"<ram:ProcessConditionCode>{row['status_code']}</ram:ProcessConditionCode>"
        + (f"<ram:SpecifiedDocumentStatus>{status}</ram:SpecifiedDocumentStatus>"
           if status else "")
        + "</ram:ReferenceReferencedDocument></rsm:AcknowledgementDocument>\n"
        "</rsm:CrossDomainAcknowledgementAndResponse>\n"
    )


def planted_effects() -> dict:
    return {
        "go_live": to_date(GO_LIVE).isoformat(),
        "statuses_from_the_start_for": contract.SEGMENTS[PUBLIC_SECTOR],
        "optional_status_share_by_segment": dict(
            zip(contract.SEGMENTS, OPTIONAL_STATUS_SHARE.tolist(), strict=True)),
        "approval_mean_days_by_segment": dict(
            zip(contract.SEGMENTS, APPROVAL_MEAN_DAYS.tolist(), strict=True)),
        "never_made_available_share": NEVER_MADE_AVAILABLE_SHARE,
        "log_dispute_on_platform_share": LOG_DISPUTE_ON_PLATFORM_SHARE,
        "platform_only_dispute_share": PLATFORM_ONLY_DISPUTE_SHARE,
        "rejected_share_of_open_invoices": REJECTED_SHARE_OF_OPEN,
        "cdar_xml_days": XML_DAYS,
    }

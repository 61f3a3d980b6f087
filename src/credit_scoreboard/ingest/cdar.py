"""The e-invoicing platforms' status messages: CDAR (UN/CEFACT
CrossDomainAcknowledgementAndResponse D22B, French flow 6), read safely into the
invoice_statuses columns.

One file holds one message (the root element) or several (any wrapper element around
them). Per referenced invoice of a message, one status row:
- status_id: ExchangedDocument/ID, the message id (suffixed `-1`, `-2`... when one
  message acknowledges several invoices);
- document_id: AcknowledgementDocument/ReferenceReferencedDocument/IssuerAssignedID;
- status_code: its ProcessConditionCode;
- status_time: AcknowledgementDocument/IssueDateTime (the status deposit time), else the
  message's ExchangedDocument/IssueDateTime;
- issuer: ExchangedDocument/IssuerTradeParty/RoleCode (BY buyer, SE supplier, any other
  role a platform);
- reason_code, requested_action: SpecifiedDocumentStatus/ReasonCode, RequestedActionCode;
- amount: the sum of SpecifiedDocumentStatus/SpecifiedDocumentCharacteristic/ValueAmount
  whose TypeCode is an amount approved, paid or cashed (AMOUNT_TYPE_CODES).
Values stay text: the ingest rules (rules.py) type and check them as for any extract.

Parsing refuses any DTD (defusedxml, forbid_dtd): no entity expansion (billion laughs), no
external entity or reference (XXE) is ever resolved.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import defusedxml
import defusedxml.ElementTree as SafeElementTree

MESSAGE = "CrossDomainAcknowledgementAndResponse"
NAMESPACES = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}
ROLE_ISSUERS = {"BY": "buyer", "SE": "supplier"}
# MEN: amount cashed (212, in the published test data); MPA / MAP: amount paid (211) and
# approved (206). Amounts not approved and VAT bases are not the status's amount.
AMOUNT_TYPE_CODES = ("MEN", "MPA", "MAP")


class CdarError(ValueError):
    """The file is not a readable, safe CDAR file; `str()` is one line."""


@dataclass
class StatusRow:
    fields: dict[str, str | None]  # contract column -> text as read
    message: ElementTree.Element
    acknowledgement: ElementTree.Element


def parse_file(path: Path) -> ElementTree.ElementTree:
    """The XML tree, refusing DTDs, entities and external references."""
    try:
        return SafeElementTree.parse(path, forbid_dtd=True)
    except defusedxml.DefusedXmlException as error:
        raise CdarError(f"refused: unsafe XML ({type(error).__name__}: a DTD, entity or "
                        "external reference; none are accepted)") from None
    except ElementTree.ParseError as error:
        raise CdarError(f"not well-formed XML ({error})") from None


def messages(tree: ElementTree.ElementTree) -> list[ElementTree.Element]:
    root = tree.getroot()
    found = [root] if _local(root) == MESSAGE else [
        element for element in root.iter() if _local(element) == MESSAGE]
    if not found:
        raise CdarError(f"no CDAR message ({MESSAGE}) in the file")
    return found


def status_rows(tree: ElementTree.ElementTree) -> list[StatusRow]:
    rows = []
    for message in messages(tree):
        header = _child(message, "ExchangedDocument")
        message_id = _text(header, "ID")
        issuer_role = _text(header, "IssuerTradeParty", "RoleCode")
        issuer = None if issuer_role is None else ROLE_ISSUERS.get(issuer_role.upper(),
                                                                  "platform")
        message_time = _text(header, "IssueDateTime", "DateTimeString")
        pairs = [(acknowledgement, reference)
                 for acknowledgement in _children(message, "AcknowledgementDocument")
                 for reference in _children(acknowledgement, "ReferenceReferencedDocument")
                 or [None]]
        for position, (acknowledgement, reference) in enumerate(pairs, start=1):
            status = _child(reference, "SpecifiedDocumentStatus")
            status_id = message_id if len(pairs) == 1 or message_id is None else (
                f"{message_id}-{position}")
            rows.append(StatusRow({
                "status_id": status_id,
                "document_id": _text(reference, "IssuerAssignedID"),
                "status_code": _text(reference, "ProcessConditionCode"),
                "status_time": _date_time(
                    _text(acknowledgement, "IssueDateTime", "DateTimeString") or message_time),
                "issuer": issuer,
                "reason_code": _text(status, "ReasonCode"),
                "requested_action": _text(status, "RequestedActionCode"),
                "amount": _amount(status),
            }, message, acknowledgement))
        if not pairs:  # a message acknowledging nothing: a row, quarantined as incomplete
            rows.append(StatusRow({"status_id": message_id, "status_time": _date_time(
                message_time), "issuer": issuer}, message, message))
    return rows


def _local(element: ElementTree.Element) -> str:
    return element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""


def _children(element: ElementTree.Element | None, name: str) -> list[ElementTree.Element]:
    return [] if element is None else [child for child in element if _local(child) == name]


def _child(element: ElementTree.Element | None, name: str) -> ElementTree.Element | None:
    return next(iter(_children(element, name)), None)


def _text(element: ElementTree.Element | None, *path: str) -> str | None:
    for name in path:
        element = _child(element, name)
    text = None if element is None or element.text is None else element.text.strip()
    return text or None


def _date_time(text: str | None) -> str | None:
    """UN/CEFACT format 204 (CCYYMMDDHHMMSS) and 102 (CCYYMMDD) as ISO text; anything
    else as it is (the rules quarantine what is not a date and time)."""
    if text and re.fullmatch(r"\d{14}", text):
        return f"{text[:4]}-{text[4:6]}-{text[6:8]} {text[8:10]}:{text[10:12]}:{text[12:]}"
    if text and re.fullmatch(r"\d{8}", text):
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return text


def _amount(status: ElementTree.Element | None) -> str | None:
    texts = [_text(characteristic, "ValueAmount")
             for characteristic in _children(status, "SpecifiedDocumentCharacteristic")
             if (_text(characteristic, "TypeCode") or "").upper() in AMOUNT_TYPE_CODES]
    texts = [text for text in texts if text is not None]
    if len(texts) <= 1:
        return next(iter(texts), None)
    try:
        return str(sum(Decimal(text) for text in texts))
    except InvalidOperation:
        return ";".join(texts)  # not an amount: quarantined with the rule

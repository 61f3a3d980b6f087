"""Worklist: today's customers to call, ranked, with the reason in words and the way to
their call sheet; for one collector (the filter, or a collector's own login) their own
queue ranked from 1. Promises falling due."""

from __future__ import annotations

import dash
from dash import html

from dashboards import components, data, formatting
from dashboards.components import Page

dash.register_page(__name__, path="/worklist", name="Worklist", title="Worklist", order=6)
PAGE = "worklist"
COLUMNS = ("customer_name", "collector_id", "overdue_amount", "oldest_days_past_due",
           "risk_grade", "reason")
PROMISE_COLUMNS = ("promised_date", "customer_name", "promised_amount", "paid_amount",
                   "promise_status", "collector_id", "promise_made_on")


def layout(**query):
    return components.render(PAGE, "/worklist", query, _body)


def _body(page: Page) -> list:
    worklist = data.worklist(page.warehouse, page.filters, page.scope)
    customers = worklist_rows(page, worklist)
    promises = worklist.promises_due
    promises["customer_href"] = [page.customer_href(c) for c in promises["customer_id"]]
    rank = "collector_rank" if worklist.by_collector else "priority_rank"
    run_date = formatting.date(worklist.as_of, page.locale)
    note = page.t("Drawn up at the run date, {date}: the as-of filter does not change it; "
                  "the segment, region, business unit and collector filters do.", date=run_date)
    if worklist.by_collector:
        note += " " + page.t("Ranked within each collector's own queue, from 1.")
    note += " " + page.t("A reason opens the customer's call sheet.")
    found = data.rows_in_selection(customers)
    return [
        html.H3(page.t("Worklist for {date}", date=run_date)),
        html.P(note, className="text-muted"),
        html.Div(page.t("The first {shown} of {found} customers by priority; the exports "
                        "hold them all.", shown=formatting.number(len(customers), 0,
                                                                   page.locale),
                        found=formatting.number(found, 0, page.locale)),
                 className="text-muted small mb-1", id="worklist-list-note")
        if found > len(customers) else None,
        components.table("worklist", customers, page,
                         links={"customer_name": "customer_href", "reason": "call_sheet_href"},
                         # one collector's queue: no collector column
                         columns=(rank, *[column for column in COLUMNS if not (
                             worklist.by_collector and column == "collector_id")]),
                         pinned=(rank, "customer_name"), export="worklist",
                         export_query={"locale": page.locale},
                         descriptions="collection_worklist"),
        html.H5(page.t("Promises falling due (3 days back to 7 days ahead)"), className="mt-3"),
        components.table("promises-due", promises, page,
                         links={"customer_name": "customer_href"}, columns=PROMISE_COLUMNS,
                         pinned=("promised_date", "customer_name")),
    ]


def worklist_rows(page: Page, worklist: data.Worklist):
    """The worklist with the reason in the user's language and the rows' links (the
    reason opens the call sheet)."""
    customers = worklist.customers
    reason = "reason_fr" if page.locale == "fr" else "reason"
    customers["reason"] = customers[reason]
    customers = customers.drop(columns=["reason_fr"])
    customers["customer_href"] = [page.customer_href(c) for c in customers["customer_id"]]
    customers["call_sheet_href"] = [page.call_sheet_href(c) for c in customers["customer_id"]]
    customers.attrs = worklist.customers.attrs
    return customers


def _worklist_export(warehouse, filters, scope, query):
    frame = data.worklist(warehouse, filters, scope, limit=None).customers
    if query.get("locale") == "fr":
        frame["reason"] = frame["reason_fr"]
    return frame.drop(columns=["reason_fr"])


components.register_export("worklist", _worklist_export)

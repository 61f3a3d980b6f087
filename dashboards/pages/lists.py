"""The credit manager's lists (`/lists?list=...`): customers with overdue items, over
their credit limit, worsening over 3 months, broken promises, accounts to reconcile
before chasing, open disputes. Each at the as-of date, within the global filters and the
user's scope, and exported whole."""

from __future__ import annotations

from typing import NamedTuple

import dash
from dash import dcc, html

from dashboards import components, data, formatting
from dashboards.components import Page
from dashboards.pages._widgets import dispute_totals

dash.register_page(__name__, path="/lists", name="Lists", title="Lists", order=7)
PAGE = "lists"


class ListSpec(NamedTuple):
    name: str  # the key of data.LISTS, and `?list=` in the address
    title: str
    description: str
    columns: tuple[str, ...]  # shown first (the others behind the column chooser)


LISTS = (
    ListSpec("overdue", "Overdue customers",
             "Customers with items past their due date, the largest overdue amount first. "
             "Those flagged to reconcile have their overdue covered by their own unapplied "
             "cash and credit notes.",
             ("customer_id", "customer_name", "collector_id", "overdue_ar", "total_ar",
              "oldest_days_past_due", "disputed_ar", "is_to_reconcile", "risk_grade")),
    ListSpec("over_limit", "Over credit limit",
             "Customers whose balance exceeds their credit limit, the largest excess first.",
             ("customer_id", "customer_name", "collector_id", "credit_limit", "total_ar",
              "over_limit_amount", "credit_limit_use", "overdue_ar", "risk_grade")),
    ListSpec("worsening", "Worsening",
             "Customers whose risk grade, or 12-month days beyond terms, worsened over the "
             "last 3 months.",
             ("customer_id", "customer_name", "risk_grade_3_months_before", "risk_grade",
              "avg_days_beyond_terms_12m_3_months_before", "avg_days_beyond_terms_12m",
              "overdue_ar", "risk_reasons")),
    ListSpec("broken_promises", "Broken promises",
             "Promises that matured (promised date + grace) in the last 3 months without "
             "the promised amount coming in; a partial payment is still a broken promise.",
             ("customer_id", "customer_name", "collector_id", "call_date", "promised_date",
              "promised_amount", "paid_amount")),
    ListSpec("to_reconcile", "To reconcile",
             "Customers whose overdue amount is covered by their own unapplied cash and "
             "credit notes: allocate them before any reminder (they are not on the "
             "worklist).",
             ("customer_id", "customer_name", "collector_id", "overdue_ar",
              "unapplied_cash_amount", "unapplied_credit_notes_amount",
              "amount_to_reconcile", "oldest_unapplied_cash_days")),
    ListSpec("open_disputes", "Open disputes",
             "Disputes open at the as-of date, the oldest first.",
             ("customer_id", "customer_name", "dispute_id", "document_id", "opened_date",
              "age_days", "reason", "owner", "disputed_amount", "invoice_open_amount")),
)
BY_NAME = {spec.name: spec for spec in LISTS}


def layout(**query):
    return components.render(PAGE, "/lists", query, _body)


def _body(page: Page) -> list:
    spec = BY_NAME.get(page.query.get("list") or "", LISTS[0])
    rows = data.LISTS[spec.name](page.warehouse, page.filters, page.scope)
    if "risk_reasons_fr" in rows:  # the reasons in the user's language
        if page.locale == "fr":
            rows["risk_reasons"] = rows["risk_reasons_fr"]
        rows = rows.drop(columns="risk_reasons_fr")
    rows["customer_href"] = [page.customer_href(c) for c in rows["customer_id"]]
    rows["call_sheet_href"] = [page.call_sheet_href(c) for c in rows["customer_id"]]
    found = data.rows_in_selection(rows)
    as_of = formatting.date(page.filters.as_of, page.locale)
    children = [
        html.H3(page.t("Lists")),
        html.Div([dcc.Link(page.t(other.title), href=page.href(list=other.name),
                           className="btn btn-sm me-1 mb-1 " + (
                               "btn-dark" if other is spec else "btn-outline-dark"),
                           id=f"{PAGE}-{other.name}") for other in LISTS], className="mb-2"),
        html.H5(page.t("{title} at {date}: {count}", title=page.t(spec.title), date=as_of,
                       count=formatting.number(found, 0, page.locale)), id=f"{PAGE}-title"),
        html.P([page.t(spec.description), " ", page.t(
            "A customer's number opens the call sheet, the name the customer's page at "
            "{date}.", date=as_of)], className="text-muted"),
    ]
    if spec.name == "open_disputes":
        children += dispute_totals(page, data.dispute_totals(page.warehouse, page.filters,
                                                         page.scope), PAGE)
    if found > len(rows):
        children.append(html.Div(page.t(
            "The first {shown} rows are shown; the exports hold all {found}.",
            shown=formatting.number(len(rows), 0, page.locale),
            found=formatting.number(found, 0, page.locale)),
            className="text-muted small mb-1", id=f"{PAGE}-list-note"))
    children.append(components.table(
        f"list-{spec.name}", rows, page,
        links={"customer_id": "call_sheet_href", "customer_name": "customer_href"},
        columns=spec.columns, export=f"list-{spec.name}",
        descriptions="open_disputes" if spec.name == "open_disputes" else None))
    return children


def _export(name: str):
    def fetch(warehouse, filters, scope, query):
        return data.LISTS[name](warehouse, filters, scope, limit=None)
    return fetch


for _spec in LISTS:
    components.register_export(f"list-{_spec.name}", _export(_spec.name))

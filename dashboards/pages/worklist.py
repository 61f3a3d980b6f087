"""Worklist: today's ranked customers to call, with the reason; promises falling due."""

from __future__ import annotations

import dash
from dash import html

from dashboards import components, data, formatting
from dashboards.components import Page

dash.register_page(__name__, path="/worklist", name="Worklist", title="Worklist", order=5)
PAGE = "worklist"


def layout(**query):
    return components.render(PAGE, "/worklist", query, _body)


def _body(page: Page) -> list:
    worklist = data.worklist(page.warehouse, page.filters, page.scope)
    customers = worklist.customers
    customers["customer_href"] = [f"/customer/{c}" for c in customers["customer_id"]]
    promises = worklist.promises_due
    promises["customer_href"] = [f"/customer/{c}" for c in promises["customer_id"]]
    return [
        html.H3(f"Worklist for {formatting.date(worklist.as_of, page.locale)}"),
        html.P("Ranked by the pipeline at the run's as-of date (the as-of filter does not "
               "apply); segment, region, business unit and collector filters do.",
               className="text-muted"),
        components.list_note("worklist", customers, "customers", "priority", page.locale),
        components.table("worklist", customers, page.locale,
                         links={"customer_id": "customer_href"}),
        html.H5("Promises falling due (3 days back to 7 days ahead)"),
        components.table("promises-due", promises, page.locale,
                         links={"customer_id": "customer_href"}, height=300),
    ]

"""The printable call sheet: `/call-sheet/<customer_id>?as_of=...`, one A4 page (the top
bar, the filters and the buttons are not printed). "Download PDF" gets the same page
printed by the server's Chromium (`/call-sheet/<customer_id>.pdf`, dashboards/pdf.py)."""

from __future__ import annotations

from urllib.parse import quote, urlencode

import dash
from dash import Input, Output, clientside_callback, dcc, html

from dashboards import components
from dashboards.components import Page
from dashboards.pages._call_sheet import call_sheet

dash.register_page(__name__, path_template="/call-sheet/<customer_id>", name="Call sheet",
                   title="Call sheet", nav=False, order=11)
PAGE = "call-sheet"
PRINT = "call-sheet-print"


def layout(customer_id: str | None = None, **query):
    return components.render(PAGE, f"/call-sheet/{customer_id}", query,
                             lambda page: _body(page, customer_id or ""),
                             global_filters=False)


def _body(page: Page, customer_id: str) -> list:
    return [
        html.Div([
            html.Button(page.t("Print"), id=PRINT, className="btn btn-sm btn-primary me-2"),
            html.A(page.t("Download PDF"), href=_pdf_href(page, customer_id),
                   className="btn btn-sm btn-outline-primary me-2", id="call-sheet-pdf"),
            dcc.Link(page.t("Customer page"), href=page.customer_href(customer_id),
                     className="btn btn-sm btn-outline-secondary", id="call-sheet-customer"),
        ], className="d-print-none mb-2 text-end"),
        call_sheet(page, customer_id),
    ]


def _pdf_href(page: Page, customer_id: str) -> str:
    query = urlencode({"as_of": page.filters.as_of.isoformat()})
    return f"/call-sheet/{quote(customer_id, safe='')}.pdf?{query}"


clientside_callback(
    """function (clicks) {
        if (clicks) { window.print(); }
        return window.dash_clientside.no_update;
    }""",
    Output(PRINT, "title"), Input(PRINT, "n_clicks"), prevent_initial_call=True)

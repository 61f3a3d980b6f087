"""E-invoicing: what the platforms' lifecycle statuses tell the credit manager. The
funnel of the invoices issued in the 12 months to the as-of date (deposited, made
available to the buyer, approved, payment transmitted, cashed) with the coverage (the
share of invoices with statuses: many buyers' tools send only the mandatory ones), days to
approval by segment and by customer, refusals and disputes by the platforms' reasons next
to the dispute log's, and the coverage by customer with the data-quality warning (platform
disputes the dispute log never recorded).

Every number is a lifecycle mart's (dbt_project/models/marts/, issue 16) or a sum of its
columns. The statuses are those the invoices had reached by the run's as-of date."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from dashboards import components, data, formatting
from dashboards.components import Page
from dashboards.pages._lifecycle import count_axis, not_in_log_warning, reasons_chart, reasons_table

dash.register_page(__name__, path="/lifecycle", name="E-invoicing", title="E-invoicing",
                   order=4.5)
PAGE = "lifecycle"
FUNNEL_COLOURS = ("#90a4ae", "#4f83b5", "#1f4e79", "#2e7d32", "#1b5e20")
# So that they fit half the page, the days to availability are behind "Columns".
SEGMENT_COLUMNS = ("segment", "invoices_with_status", "approved", "avg_days_to_approval",
                   "median_days_to_approval")
CUSTOMER_COLUMNS = ("customer_name", "segment", "invoices_with_status", "approved",
                    "avg_days_to_available", "avg_days_to_approval",
                    "median_days_to_approval", "never_made_available_invoices",
                    "platform_disputes")
COVERAGE_COLUMNS = ("customer_name", "segment", "collector_id", "invoices_issued",
                    "invoices_with_status", "coverage", "optional_statuses_seen",
                    "platform_disputes", "platform_disputes_not_in_log")


def layout(**query):
    return components.render(PAGE, "/lifecycle", query, _body)


def _definition(page: Page, name: str, table: str, fallback: str) -> str:
    """The dbt description of a mart column, else the page's own words."""
    return page.catalogue.description(name, table) or fallback


def _body(page: Page) -> list:
    as_of = formatting.date(page.filters.as_of, page.locale)
    first, last = data.lifecycle_window(page.warehouse, page.filters.as_of) \
        if data.has_lifecycle(page.warehouse) else (None, None)
    children: list = [html.H3(page.t("E-invoicing lifecycle"))]
    if first is None:
        return [*children, components.not_available(page.t("E-invoicing"), page.t(
            "this warehouse was built without the e-invoicing lifecycle marts: run the "
            "pipeline again to build them."))]
    run_as_of = formatting.date(data.run_as_of_date(page.warehouse), page.locale)
    children.append(html.P(page.t(
        "Invoices issued from {start} to {end} (the 12 months to {date}) and the statuses "
        "the e-invoicing platforms had sent for them by {run}.",
        start=formatting.date(first.replace(day=1), page.locale),
        end=formatting.date(last, page.locale), date=as_of, run=run_as_of),
        className="text-muted mb-2", id=f"{PAGE}-window"))
    months = data.lifecycle_by_month(page.warehouse, page.filters, page.scope)
    totals = data.lifecycle_totals(page.warehouse, page.filters, page.scope)
    if months is None or totals is None:
        children.append(components.not_available(page.t("Funnel"), page.t(
            "published for the company and for one segment, region, business unit or "
            "collector at a time: pick a single one to see it.")))
    else:
        children += _funnel(page, months, totals)
    children += _approval(page)
    children += _reasons(page)
    children += _coverage(page)
    return children


# --- the funnel ----------------------------------------------------------------------------

def _funnel(page: Page, months: pd.DataFrame, totals: dict) -> list:

    def tile(name: str, label: str, unit: str, value, fallback: str,
             decimals: int | None = None) -> dbc.Col:
        return components.kpi_tile(page, f"{PAGE}-tile-{name}", label, unit, value,
                                   decimals=decimals, definition=_definition(
                                       page, name, "lifecycle_by_month", fallback))

    tiles = dbc.Row([
        tile("invoices_issued", page.t("Invoices issued"), "count", totals["invoices_issued"],
             page.t("Invoices dated in the 12 months, with or without statuses.")),
        tile("coverage", page.t("With statuses"), "rate", totals["coverage"],
             page.t("Share of the invoices issued for which a platform sent at least one "
                    "status."), decimals=0),
        tile("made_available", page.t("Made available"), "count", totals["made_available"],
             page.t("Invoices the buyer's platform made available to the buyer (status "
                    "203): the proof that the customer received them.")),
        tile("avg_days_to_approval", page.t("Days to approval"), "days",
             totals["avg_days_to_approval"],
             page.t("Average days from the invoice date to the buyer's approval (status "
                    "205), over the invoices approved."), decimals=1),
        tile("disputed", page.t("Disputed or refused"), "count",
             totals["disputed"] + totals["refused"],
             page.t("Invoices partly approved, in dispute or suspended (206 to 208), and "
                    "invoices refused (210).")),
        tile("rejected", page.t("Rejected"), "count", totals["rejected"],
             page.t("Invoices rejected by a platform (213): they do not legally exist and "
                    "must be reissued.")),
    ], className="g-2")
    deposited = totals["deposited"]
    labels = [f"{page.catalogue.value_label('status_code', code, page.locale)} ({code})"
              for code in data.FUNNEL_STATUS_CODES.values()]
    counts = [totals[stage] for stage in data.FUNNEL_STAGES]
    shares = [formatting.percent(count / deposited if deposited else None, 0, page.locale)
              for count in counts]
    funnel = [{"type": "funnel", "y": labels, "x": counts,
               "text": [f"{formatting.number(count, 0, page.locale)} ({share})"
                        for count, share in zip(counts, shares, strict=True)],
               "textinfo": "text", "textposition": "inside",
               "marker": {"color": list(FUNNEL_COLOURS)},
               "hovertemplate": "%{y}: %{text}<extra></extra>"}]
    # a month of issue drawn at its first day (its month end would read as the next month)
    month_labels = components.iso(months["month"].dt.to_period("M").dt.to_timestamp())
    volume = [
        {"type": "bar", "name": page.t("Invoices issued"), "x": month_labels,
         "y": components.values(months["invoices_issued"]), "marker": {"color": "#b0bec5"}},
        {"type": "bar", "name": page.t("With statuses"), "x": month_labels,
         "y": components.values(months["invoices_with_status"]),
         "marker": {"color": "#1f4e79"}},
        {"type": "scatter", "mode": "lines+markers", "name": page.t("Coverage"),
         "yaxis": "y2", "x": month_labels, "y": components.values(months["coverage"]),
         "line": {"color": "#e08e0b"}},
    ]
    days = [{"type": "scatter", "mode": "lines+markers", "name": label, "x": month_labels,
             "y": components.values(months[column]), "connectgaps": True}
            for column, label in (("avg_days_to_available", page.t("To availability")),
                                  ("avg_days_to_approval", page.t("To approval")))]
    month_axis = {"type": "date", "tickformat": "%b %Y", "dtick": "M1"}
    return [
        tiles,
        dbc.Row([
            dbc.Col(components.graph(f"{PAGE}-funnel", components.figure(
                funnel, page.t("From deposit to cash: invoices that reached each status "
                               "(share of those deposited)"), page, height=340,
                yaxis={"automargin": True}, margin={"l": 20}), page), lg=6),
            dbc.Col(components.graph(f"{PAGE}-coverage-by-month", components.figure(
                volume, page.t("Invoices issued and with statuses, by month of issue"),
                page, height=340, barmode="group", xaxis=month_axis,
                yaxis=count_axis(months["invoices_issued"].max()), margin={"r": 50},
                yaxis2={"overlaying": "y", "side": "right", "tickformat": ".0%",
                        "range": [0, 1.05], "dtick": 0.25, "showgrid": False}), page), lg=6),
        ], className="g-3 mt-1"),
        html.P(page.t(
            "Disputed {disputed}, refused {refused}, rejected {rejected} of the {deposited} "
            "invoices deposited.", disputed=formatting.number(totals["disputed"], 0,
                                                                page.locale),
            refused=formatting.number(totals["refused"], 0, page.locale),
            rejected=formatting.number(totals["rejected"], 0, page.locale),
            deposited=formatting.number(deposited, 0, page.locale)),
            className="text-muted small", id=f"{PAGE}-funnel-note"),
        html.H4(page.t("Days to approval"), className="mt-3"),
        dbc.Row([
            dbc.Col(components.graph(f"{PAGE}-days-by-month", components.figure(
                days, page.t("Average days from the invoice date, by month of issue"), page,
                height=300, xaxis=month_axis, yaxis={"rangemode": "tozero"}), page), lg=5),
            dbc.Col([html.H6(page.t("By segment"), className="mt-2"),
                     components.table(f"{PAGE}-by-segment", data.approval_by_segment(
                         page.warehouse, page.filters, page.scope), page,
                         columns=SEGMENT_COLUMNS, pinned=("segment",),
                         descriptions="lifecycle_by_month")], lg=7),
        ], className="g-3"),
    ]


# --- days to approval by customer ----------------------------------------------------------

def _approval(page: Page) -> list:
    customers = data.approval_by_customer(page.warehouse, page.filters, page.scope)
    customers["customer_href"] = [page.customer_href(c) for c in customers["customer_id"]]
    found = data.rows_in_selection(customers)
    return [
        html.H5(page.t("Days to approval by customer, the slowest first"), className="mt-3"),
        html.P(page.t("Invoices with statuses issued in the 12 months; a name opens the "
                      "customer's page. Overdue invoices never made available: the buyer "
                      "never received them on the platform, so there is nothing to chase."),
               className="text-muted small mb-1"),
        html.Div(page.t("The first {shown} of {found} customers; the exports hold them all.",
                        shown=formatting.number(len(customers), 0, page.locale),
                        found=formatting.number(found, 0, page.locale)),
                 className="text-muted small mb-1") if found > len(customers) else None,
        components.table(f"{PAGE}-by-customer", customers, page,
                         links={"customer_name": "customer_href"}, columns=CUSTOMER_COLUMNS,
                         pinned=("customer_name",), export=f"{PAGE}-by-customer",
                         descriptions="invoice_lifecycle"),
    ]


# --- refusals and disputes by reason -------------------------------------------------------

def _company_only(page: Page) -> str | None:
    if page.scope.restricted:
        return page.t("published for the whole company only.")
    if page.filters.dimensions():
        return page.t("published for the whole company: clear the filters to see it.")
    return None


def _reasons(page: Page) -> list:
    title = html.H4(page.t("Refusals and disputes by reason, 12 months"), className="mt-3")
    why_not = _company_only(page)
    if why_not:
        return [title, components.not_available(page.t("Reasons"), why_not)]
    reasons = data.lifecycle_reasons(page.warehouse, page.filters.as_of)
    if reasons.empty:
        return [title, html.P(page.t("No refusal or dispute in these 12 months."),
                              className="text-muted small")]
    return [
        title,
        html.P(page.t("The reasons the buyers gave on the e-invoicing platforms (refused, "
                      "disputed, partly approved, suspended) next to those of the dispute "
                      "log: the platforms' often come first."),
               className="text-muted small mb-1"),
        dbc.Row(dbc.Col(reasons_chart(page, reasons, f"{PAGE}-reasons-chart",
                                      page.t("Invoices by reason and source")), lg=8)),
        reasons_table(page, reasons, f"{PAGE}-reasons"),
    ]


# --- coverage by customer ------------------------------------------------------------------

def _coverage(page: Page) -> list:
    warnings = data.lifecycle_coverage(page.warehouse, page.filters, page.scope,
                                       warnings_only=True)
    coverage = data.lifecycle_coverage(page.warehouse, page.filters, page.scope)
    coverage["customer_href"] = [page.customer_href(c) for c in coverage["customer_id"]]
    return [
        html.H4(page.t("Coverage by customer"), className="mt-3"),
        html.P(page.t("Invoices issued since the customer's first invoice with a status, "
                      "the share with statuses, and the optional statuses the customer's "
                      "platform sends "
                      "(approved, in dispute, payment transmitted...). Platform disputes not "
                      "in the dispute log: a data-quality warning."),
               className="text-muted small mb-1"),
        *not_in_log_warning(page, warnings, f"{PAGE}-not-in-log"),
        html.H6(page.t("Every customer, those with a warning first"), className="mt-2"),
        components.table(f"{PAGE}-coverage", coverage, page,
                         links={"customer_name": "customer_href"}, columns=COVERAGE_COLUMNS,
                         pinned=("customer_name",), export=f"{PAGE}-coverage",
                         descriptions="lifecycle_coverage_by_customer"),
    ]


components.register_export(
    f"{PAGE}-by-customer",
    lambda warehouse, filters, scope, query: data.approval_by_customer(
        warehouse, filters, scope, limit=None))
components.register_export(
    f"{PAGE}-coverage",
    lambda warehouse, filters, scope, query: data.lifecycle_coverage(
        warehouse, filters, scope, limit=None))

"""Disputes: the open disputes (list with customer, totals next to the disputed AR and what
separates them), Pareto by reason, by owner department, ageing, resolution time, disputed
share of overdue; the e-invoicing platforms' refusal and dispute reasons next to the
dispute log's, and the customers whose platform disputes the log never recorded."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboards import components, data, formatting
from dashboards.components import Page
from dashboards.pages._lifecycle import not_in_log_warning, reasons_chart, reasons_table
from dashboards.pages._widgets import dispute_totals

dash.register_page(__name__, path="/disputes", name="Disputes", title="Disputes", order=4)
PAGE = "disputes"
OPEN_COLUMNS = ("customer_name", "dispute_id", "document_id", "opened_date", "age_days",
                "reason", "owner", "disputed_amount", "invoice_open_amount")


def layout(**query):
    return components.render(PAGE, "/disputes", query, _body)


def _body(page: Page) -> list:
    views = data.dispute_views(page.warehouse, page.filters, page.scope)
    def label(field: str, codes) -> list[str]:
        return [str(page.catalogue.value_label(field, code, page.locale)) for code in codes]

    pareto = [{"type": "bar", "name": page.t("Amount"),
               "x": label("reason", views.pareto["reason"]),
               "y": components.values(views.pareto["disputed_amount"])},
              {"type": "scatter", "mode": "lines+markers", "name": page.t("Cumulative share"),
               "yaxis": "y2", "x": label("reason", views.pareto["reason"]),
               "y": components.values(views.pareto["cumulative_share"])}]
    owner = [{"type": "bar", "name": page.t("Amount disputed"),
              "x": label("owner", views.by_owner["owner"]),
              "y": components.values(views.by_owner["disputed_amount"]),
              "text": views.by_owner["open_disputes"].tolist(), "textposition": "outside",
              "cliponaxis": False}]
    ageing = [{"type": "bar", "name": page.t("Amount disputed"),
               "x": [page.t("{band} days", band=band) for band in views.open_ageing["age_band"]],
               "y": components.values(views.open_ageing["disputed_amount"]),
               "text": views.open_ageing["open_disputes"].tolist(), "textposition": "outside",
               "cliponaxis": False}]
    resolution = [{"type": "scatter", "mode": "lines+markers", "name": page.t("Days to resolve"),
                   "x": components.iso(views.resolution_trend["month"]),
                   "y": components.values(views.resolution_trend["avg_resolution_days"])}]
    share = [{"type": "scatter", "mode": "lines+markers",
              "name": page.t("Disputed share of overdue"),
              "x": components.iso(views.share_of_overdue["as_of_date"]),
              "y": components.values(views.share_of_overdue["disputed_share_of_overdue"])}]

    def chart(name, traces, title, **layout):
        return dbc.Col(components.graph(f"{PAGE}-{name}", components.figure(
            traces, title, page, height=300, **layout), page), lg=6)

    open_disputes = views.open_disputes
    open_disputes["customer_href"] = [page.customer_href(c)
                                      for c in open_disputes["customer_id"]]
    as_of = formatting.date(page.filters.as_of, page.locale)
    return [
        html.H3(page.t("Disputes")),
        html.P(page.t("Open at {date}", date=as_of), className="text-muted mb-2"),
        *dispute_totals(page, views.totals, PAGE),
        html.H5(page.t("Open disputes at {date}, the oldest first", date=as_of),
                className="mt-3"),
        components.table("open-disputes", open_disputes, page,
                         links={"customer_name": "customer_href"}, columns=OPEN_COLUMNS,
                         pinned=("customer_name",), export="open-disputes"),
        dbc.Row([chart("pareto", pareto, page.t("Pareto by reason (opened, 12 months)"),
                       yaxis2={"overlaying": "y", "side": "right", "tickformat": ".0%",
                               "range": [0, 1.05]}),
                 chart("by-owner", owner, page.t("Open disputes by owner department"))]),
        dbc.Row([chart("ageing", ageing, page.t("Open disputes by age")),
                 chart("resolution", resolution,
                       page.t("Days to resolve, by month closed (24 months)"))]),
        dbc.Row([chart("share", share, page.t("Disputed share of overdue"),
                       yaxis={"tickformat": ".0%"})]),
        *_lifecycle(page),
    ]


def _lifecycle(page: Page) -> list:
    """The e-invoicing platforms' reasons next to the dispute log's (published for the
    whole company), and the customers whose platform disputes the log never recorded."""
    if not data.has_lifecycle(page.warehouse):
        return []
    title = html.H5(page.t("Reasons on the e-invoicing platforms and in the dispute log, "
                           "12 months"), className="mt-3", id=f"{PAGE}-lifecycle")
    rows = data.lifecycle_reasons(page.warehouse, page.filters.as_of)
    if page.scope.restricted:
        reasons = [components.not_available(page.t("Reasons"), page.t(
            "published for the whole company only."))]
    elif page.filters.dimensions():
        reasons = [components.not_available(page.t("Reasons"), page.t(
            "published for the whole company: clear the filters to see it."))]
    elif rows.empty:
        reasons = [html.P(page.t("No refusal or dispute in these 12 months."),
                          className="text-muted small")]
    else:
        reasons = [dbc.Row(dbc.Col(reasons_chart(page, rows, f"{PAGE}-lifecycle-reasons-chart",
                                                 page.t("Invoices by reason and source")),
                                   lg=8)),
                   reasons_table(page, rows, f"{PAGE}-lifecycle-reasons")]
    warnings = data.lifecycle_coverage(page.warehouse, page.filters, page.scope,
                                       warnings_only=True)
    return [title, *reasons,
            html.H5(page.t("Platform disputes missing from the dispute log"),
                    className="mt-3"),
            *not_in_log_warning(page, warnings, f"{PAGE}-not-in-log")]


components.register_export(
    "open-disputes",
    lambda warehouse, filters, scope, query: data.open_disputes(warehouse, filters, scope,
                                                                limit=None))

"""Disputes: Pareto by reason, by owner department, ageing of open disputes,
resolution time trend, disputed share of overdue."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboards import components, data
from dashboards.components import Page

dash.register_page(__name__, path="/disputes", name="Disputes", title="Disputes", order=3)
PAGE = "disputes"


def layout(**query):
    return components.render(PAGE, "/disputes", query, _body)


def _body(page: Page) -> list:
    views = data.dispute_views(page.warehouse, page.filters, page.scope)
    locale = page.locale
    pareto = [{"type": "bar", "name": "Amount", "x": views.pareto["reason"].tolist(),
               "y": components.values(views.pareto["disputed_amount"])},
              {"type": "scatter", "mode": "lines+markers", "name": "Cumulative share",
               "yaxis": "y2", "x": views.pareto["reason"].tolist(),
               "y": components.values(views.pareto["cumulative_share"])}]
    owner = [{"type": "bar", "name": "Open amount", "x": views.by_owner["owner"].tolist(),
              "y": components.values(views.by_owner["disputed_amount"]),
              "text": views.by_owner["open_disputes"].tolist()}]
    ageing = [{"type": "bar", "name": "Open amount",
               "x": views.open_ageing["age_band"].tolist(),
               "y": components.values(views.open_ageing["disputed_amount"])}]
    resolution = [{"type": "scatter", "mode": "lines+markers", "name": "Days to resolve",
                   "x": components.iso(views.resolution_trend["month"]),
                   "y": components.values(views.resolution_trend["avg_resolution_days"])}]
    share = [{"type": "scatter", "mode": "lines+markers", "name": "Disputed share of overdue",
              "x": components.iso(views.share_of_overdue["as_of_date"]),
              "y": components.values(views.share_of_overdue["disputed_share_of_overdue"])}]

    def chart(name, traces, title, **layout):
        return dbc.Col(components.graph(f"{PAGE}-{name}", components.figure(
            traces, title, locale, height=300, **layout)), md=6)

    return [
        html.H3("Disputes"),
        dbc.Row([chart("pareto", pareto, "Pareto by reason (opened, 12 months)",
                       yaxis2={"overlaying": "y", "side": "right", "tickformat": ".0%",
                               "range": [0, 1.05]}),
                 chart("by-owner", owner, "Open disputes by owner department")]),
        dbc.Row([chart("ageing", ageing, "Ageing of open disputes (days open)"),
                 chart("resolution", resolution, "Resolution time by month closed")]),
        dbc.Row([chart("share", share, "Disputed share of overdue",
                       yaxis={"tickformat": ".0%"})]),
        html.H5("Open disputes", className="mt-3"),
        components.table("open-disputes", views.open_disputes, locale),
    ]

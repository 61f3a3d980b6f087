"""Collections: reminder effectiveness by collector, stage and channel; the funnel
calls -> right-party contacts -> promises -> kept -> cash; call uplift; leaderboard."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboards import components, data
from dashboards.components import Page

dash.register_page(__name__, path="/collections", name="Collections", title="Collections",
                   order=4)
PAGE = "collections"
FUNNEL_STEPS = (("calls", "Calls"), ("right_party_contacts", "Right-party contacts"),
                ("promises", "Promises"), ("promises_kept", "Kept"))


def layout(**query):
    return components.render(PAGE, "/collections", query, _body)


def _body(page: Page) -> list:
    views = data.collection_views(page.warehouse, page.filters, page.scope)
    locale = page.locale
    steps = [(label, views.funnel[key]) for key, label in FUNNEL_STEPS
             if views.funnel[key] is not None]
    funnel = [{"type": "funnel", "y": [label for label, _ in steps],
               "x": [value for _, value in steps], "textinfo": "value+percent initial"}]
    cash = views.funnel["collected_30d"]
    children = [
        html.H3("Collections"),
        html.P("Twelve months to the as-of date.", className="text-muted"),
        dbc.Row([
            dbc.Col(components.graph(f"{PAGE}-funnel", components.figure(
                funnel, "Funnel: calls to kept promises", locale, height=320,
                margin={"l": 150})), md=8),
            components.kpi_tile(
                f"{PAGE}-tile-cash", "Cash collected within 30 days of a call", "amount", cash,
                None, None, "Payments received within 30 days after a collection call.",
                locale),
        ]),
    ]
    if not views.complete:
        children.append(components.not_available(
            "Kept promises and cash", "the effectiveness mart is by collector; for a "
            "segment, region, country or business-unit view only calls, contacts and "
            "promises are counted (from the call log)."))
    if views.uplift is not None and not views.uplift.empty:
        children += [html.H5("Uplift of calls"),
                     components.table("call-uplift", views.uplift, locale, height=220)]
    else:
        children.append(components.not_available(
            "Uplift of calls", "the warehouse has no marts.call_uplift, or it cannot be "
            "restricted to this view."))
    children += [html.H5("Collector leaderboard"),
                 components.table("collector-leaderboard", views.leaderboard, locale, height=300),
                 html.H5("Reminder effectiveness by collector, stage and channel"),
                 components.table("reminder-effectiveness", views.effectiveness, locale)]
    return children

"""Collections over the 12 months to the as-of date: the funnel calls -> right-party
contacts -> promises -> kept, the promise kept rate as the KPI defines it (kept / matured),
the cash collected after the calls (each payment counted once), call uplift, the
collectors and their stages and channels."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboards import components, data, formatting
from dashboards.components import Page

dash.register_page(__name__, path="/collections", name="Collections", title="Collections",
                   order=5)
PAGE = "collections"
# The last two steps are the promises that matured in the window and those kept: the
# funnel's last percentage is the KPI's kept / matured, as on the tile.
FUNNEL_STEPS = (("calls", "Calls"), ("right_party_contacts", "Right-party contacts"),
                ("promises", "Promises"), ("promises_matured", "Matured"),
                ("promises_kept", "Kept"))
LEADERBOARD_COLUMNS = ("collector_id", "calls", "right_party_contact_rate", "promises",
                       "promise_kept_rate", "collected_30d")


def layout(**query):
    return components.render(PAGE, "/collections", query, _body)


def _body(page: Page) -> list:
    views = data.collection_views(page.warehouse, page.filters, page.scope)
    window = page.t("{start} to {end}", start=formatting.date(views.window_start, page.locale),
                    end=formatting.date(page.filters.as_of, page.locale))
    kept = page.catalogue.kpi("promise_kept_rate")
    counts = {**views.funnel, "promises_matured": views.promises_matured,
              "promises_kept": views.promises_kept}
    steps = [(page.t(label), counts[key]) for key, label in FUNNEL_STEPS]
    funnel = [{"type": "funnel", "y": [label for label, _ in steps],
               "x": [count for _, count in steps], "textinfo": "value+percent previous"}]
    tiles = dbc.Row([
        components.kpi_tile(
            page, f"{PAGE}-tile-promise_kept_rate", kept.label(page.locale), kept.unit,
            views.promise_kept_rate, decimals=kept.decimals, target=kept.target,
            higher_is_better=kept.higher_is_better,
            definition=page.t(
                "Promises kept / promises matured (promised date + grace) in the 12 months: "
                "{kept} of {matured}.", kept=views.promises_kept,
                matured=views.promises_matured)),
        components.kpi_tile(
            page, f"{PAGE}-tile-collected_30d",
            page.t("Cash collected within 30 days of a call"), "amount", views.collected_30d,
            definition=page.t(
                "Payments attributed to the customer's latest call made at most 30 days "
                "before them: each payment counted once, so never more than the cash "
                "received.")),
        components.kpi_tile(page, f"{PAGE}-tile-calls",
                            page.catalogue.column_label("calls", page.locale), "count",
                            views.funnel["calls"]),
    ], className="g-2")
    children = [
        html.H3(page.t("Collections")),
        html.P(page.t("Calls made, and promises maturing, from {window}.", window=window),
               className="text-muted"),
        tiles,
        components.graph(f"{PAGE}-funnel", components.figure(
            funnel, page.t("Funnel: calls to kept promises"), page, height=300,
            margin={"l": 170}), page),
    ]
    if views.uplift is not None and not views.uplift.empty:
        children += [html.H5(page.t("Uplift of calls")),
                     components.table("call-uplift", views.uplift, page, pinned=("period",),
                                      columns=[c for c in views.uplift.columns
                                               if c != "as_of_date"])]
    else:
        children.append(components.not_available(
            page.t("Uplift of calls"),
            page.t("measured for the whole company only (not for a filter or a scope).")))
    children += [
        html.H5(page.t("Collectors"), className="mt-3"),
        components.table("collector-leaderboard", views.leaderboard, page,
                         columns=LEADERBOARD_COLUMNS, pinned=("collector_id",)),
        html.H5(page.t("By collector, stage and channel")),
        components.table("reminder-effectiveness", views.effectiveness, page,
                         pinned=("collector_id", "stage", "channel")),
    ]
    return children

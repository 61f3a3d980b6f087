"""Data quality and freshness: last refresh, rows loaded and quarantined per file,
expectation results, quarantined rows."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboards import components, data, formatting
from dashboards.components import Page

dash.register_page(__name__, path="/quality", name="Data quality", title="Data quality",
                   order=6)
PAGE = "quality"


def layout(**query):
    return components.render(PAGE, "/quality", query, _body, global_filters=False)


def _body(page: Page) -> list:
    views = data.quality_views(page.warehouse, page.scope)
    locale = page.locale
    refresh = views.last_refresh
    failed = 0 if views.checks is None else int((views.checks["status"] == "fail").sum())
    children = [
        html.H3("Data quality and freshness"),
        dbc.Row([
            components.kpi_tile("quality-tile-refresh", "Last load", "text",
                                f"{formatting.date(refresh.date(), locale)} {refresh:%H:%M}"
                                if refresh else None, None, None,
                                "When the extracts of the published warehouse were loaded.",
                                locale),
            components.kpi_tile("quality-tile-quarantined", "Rows in quarantine", "count",
                                views.quarantined_rows, None, None,
                                "Extract rows that broke a contract rule: never loaded.",
                                locale),
            components.kpi_tile("quality-tile-failed", "Failed checks", "count", failed, None,
                                None, "Data-quality checks with status 'fail'.", locale),
        ], className="g-2"),
    ]
    children.append(html.P(f"Warehouse file published {views.published_at:%Y-%m-%d %H:%M}.",
                           className="text-muted mt-2", id="quality-published"))
    for title, key, frame in (("Rows loaded and quarantined per file", "load-log",
                               views.load_log),
                              ("Expectation and check results", "data-quality", views.checks)):
        children.append(html.H5(title, className="mt-3"))
        children.append(components.table(key, frame, locale, height=300) if frame is not None
                        else components.not_available(title, "not in this warehouse."))
    children.append(html.H5("Quarantined rows", className="mt-3"))
    if views.quarantine is not None:
        children.append(components.table("quarantine", views.quarantine, locale))
    else:
        children.append(components.not_available(
            "Quarantined rows", "they hold raw extract text of any customer, so only "
            "unrestricted roles see them." if views.quarantined_rows else "none."))
    return children

"""Data quality and freshness: last load, rows loaded and quarantined per file (with the
file's modification time), expectation results, quarantined rows."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboards import components, data, formatting
from dashboards.components import Page

dash.register_page(__name__, path="/quality", name="Data quality", title="Data quality",
                   order=8)
PAGE = "quality"
LOAD_LOG_COLUMNS = ("file_name", "entity", "rows_read", "rows_loaded", "rows_quarantined",
                    "loaded_at", "file_modified_at")


def layout(**query):
    return components.render(PAGE, "/quality", query, _body, global_filters=False)


def _body(page: Page) -> list:
    views = data.quality_views(page.warehouse, page.scope)
    failed = int((views.checks["status"] == "fail").sum())
    children = [
        html.H3(page.t("Data quality and freshness")),
        dbc.Row([
            components.kpi_tile(page, "quality-tile-refresh", page.t("Last load"), "datetime",
                                views.last_refresh, definition=page.t(
                                    "When the extracts of the published warehouse were "
                                    "loaded.")),
            components.kpi_tile(page, "quality-tile-quarantined", page.t("Rows in quarantine"),
                                "count", views.quarantined_rows, definition=page.t(
                                    "Extract rows that broke a contract rule: never loaded.")),
            components.kpi_tile(page, "quality-tile-failed", page.t("Failed checks"), "count",
                                failed, definition=page.t(
                                    "Data-quality checks with status 'fail'.")),
        ], className="g-2"),
        html.P(page.t("Warehouse file published {time}.", time=formatting.timestamp(
            views.published_at, page.locale)), className="text-muted mt-2",
            id="quality-published"),
        html.H5(page.t("Rows loaded and quarantined per file"), className="mt-3"),
        components.table("load-log", views.load_log, page, columns=LOAD_LOG_COLUMNS,
                         pinned=("file_name",)),
        html.H5(page.t("Expectation and check results"), className="mt-3"),
        components.table("data-quality", views.checks, page, pinned=("check_name",)),
        html.H5(page.t("Quarantined rows"), className="mt-3"),
    ]
    if views.quarantine is not None and not views.quarantine.empty:
        children.append(components.table("quarantine", views.quarantine, page,
                                         pinned=("entity", "file_name", "row_number")))
    else:
        children.append(components.not_available(
            page.t("Quarantined rows"), page.t(
                "they hold raw extract text of any customer, so only unrestricted roles see "
                "them.") if views.quarantined_rows and views.quarantine is None
            else page.t("none.")))
    return children

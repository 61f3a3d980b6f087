"""Building blocks every page uses: the page frame (one warehouse connection per render),
the global filter bar, KPI tiles with definition cards, tables with exports, charts."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import flask
import pandas as pd
from dash import ALL, MATCH, Input, Output, State, ctx, dcc, html, no_update

from dashboards import data, export, formatting, ids
from dashboards.auth import current_scope
from dashboards.settings import HIGHER_IS_BETTER, DashboardSettings

DIMENSION_LABELS = {"segment": "Segment", "region": "Region", "country": "Country",
                    "business_unit": "Business unit", "collector_id": "Collector"}
BUCKET_COLOURS = {"not_due": "#4c9f70", "1-30": "#f2c14e", "31-60": "#f39237",
                  "61-90": "#e4572e", "91-120": "#b3261e", ">120": "#6d1a17",
                  "unapplied": "#9aa5b1"}


@dataclass
class Page:
    """What a page body gets: one open warehouse and the request's context."""

    warehouse: data.Warehouse
    filters: data.Filters
    scope: data.Scope
    settings: DashboardSettings
    query: Mapping[str, str]
    path: str

    @property
    def locale(self) -> str:
        return self.settings.locale

    def href(self, path: str | None = None, filters: data.Filters | None = None,
             **extra: str | None) -> str:
        """A link carrying the filters (so it can be shared) plus page parameters."""
        query = (filters or self.filters).to_query()
        query.update({key: value for key, value in extra.items() if value})
        return f"{path or self.path}?{urlencode(query)}" if query else (path or self.path)

    def hrefs(self, name: str, values, **extra: str | None) -> list[str]:
        """`href(**extra, name=value)` for each value of a list (one link per table row),
        encoding the shared part once."""
        base = self.href(**extra)
        separator = "&" if "?" in base else "?"
        return [f"{base}{separator}{urlencode({name: value})}" for value in values]


def render(page_name: str, path: str, query: Mapping[str, str],
           body: Callable[[Page], list], global_filters: bool = True) -> html.Div:
    """Open the warehouse once, draw the page, close it. Missing warehouse: the how-to."""
    config = flask.current_app.config
    warehouse_path: Path = config["WAREHOUSE"]
    settings: DashboardSettings = config["DASHBOARD_SETTINGS"]
    started = time.perf_counter()
    try:
        with data.open_warehouse(warehouse_path) as warehouse:
            filters = data.resolve_as_of(warehouse, data.Filters.from_query(query))
            page = Page(warehouse, filters, current_scope(), settings, query, path)
            children = [dcc.Store(id=ids.PAGE_VERSION, data=warehouse.version)]
            if global_filters:
                children.append(filter_bar(page))
            children += body(page)
    except data.WarehouseUnavailable as problem:
        return html.Div(dbc.Alert([html.H4("No warehouse to show yet"), html.P(str(problem))],
                                  color="warning", id="warehouse-missing"), className="p-4")
    config["TIMINGS"].append((page_name, time.perf_counter() - started))
    return html.Div(children, className="p-3", id=f"page-{page_name}")


def filter_bar(page: Page) -> dbc.Row:
    options = data.filter_options(page.warehouse, page.scope)
    rendered_with = {name: (page.filters.as_of.isoformat() if name == "as_of"
                            else getattr(page.filters, name)) for name in ids.GLOBAL_FILTERS}
    as_of_options = [{"label": formatting.date(day, page.locale), "value": day.isoformat()}
                     for day in reversed(data.as_of_dates(page.warehouse))]
    columns = [dbc.Col([dbc.Label("As of", size="sm"), dcc.Dropdown(
        id=ids.filter_id("as_of"), options=as_of_options, clearable=False,
        value=page.filters.as_of.isoformat())], md=2)]
    for dimension in ids.GLOBAL_FILTERS[1:]:
        columns.append(dbc.Col([dbc.Label(DIMENSION_LABELS[dimension], size="sm"), dcc.Dropdown(
            id=ids.filter_id(dimension), options=options[dimension],
            value=getattr(page.filters, dimension), placeholder="All")], md=2))
    return dbc.Row([*columns, dcc.Store(id=ids.PAGE_FILTERS, data=rendered_with)],
                   className="mb-3 g-2 filter-bar")


# --- KPI tiles --------------------------------------------------------------------------

def format_kpi(kind: str, value: float | None, locale: str) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "n/a"
    return {"text": lambda: str(value),"amount": lambda: formatting.amount(value, locale),
            "rate": lambda: formatting.percent(value, 1, locale),
            "days": lambda: formatting.days(value, locale),
            "index": lambda: formatting.number(value, 1, locale),
            "count": lambda: formatting.number(value, 0, locale)}[kind]()


def kpi_tile(tile_id: str, label: str, kind: str, value: float | None,
             previous: float | None, target: float | None, definition: str | None,
             locale: str, higher_is_better: bool | None = None) -> dbc.Col:
    """Value, change against the previous month, target; the definition on hover/click."""
    lines = [html.Div(label, className="tile-label"),
             html.Div(format_kpi(kind, value, locale), className="tile-value",
                      id=f"{tile_id}-value")]
    if value is not None and previous is not None and not pd.isna(value) \
            and not pd.isna(previous):
        change = value - previous
        better = higher_is_better if higher_is_better is not None else False
        good = change == 0 or ((change > 0) == better)
        text = format_kpi("rate" if kind == "rate" else kind, abs(change), locale)
        if kind == "rate":
            text = f"{formatting.number(abs(change) * 100, 1, locale)} pt"
        lines.append(html.Div(f"{'▲' if change > 0 else '▼' if change < 0 else '='} {text} "
                              "vs previous month",
                              className=f"tile-change {'text-success' if good else 'text-danger'}"))
    if target is not None:
        lines.append(html.Div(f"Target {format_kpi(kind, target, locale)}",
                              className="tile-target text-muted"))
    # Focusable, so that a click (or keyboard) also opens the definition card.
    card = html.Div(dbc.Card(dbc.CardBody(lines), className="kpi-tile h-100"), id=tile_id,
                    tabIndex=0, className="h-100")
    popover = dbc.Popover(
        [dbc.PopoverHeader(label), dbc.PopoverBody(definition or "No definition published.")],
        target=tile_id, trigger="hover focus", placement="bottom", id=f"{tile_id}-definition")
    return dbc.Col([card, popover], xs=6, md=3, lg=2, className="mb-2")


def kpi_row(page: Page, prefix: str, kpis: list[tuple[str, str, str]], current: Mapping,
            previous: Mapping | None, definitions: Mapping[str, str]) -> dbc.Row:
    """Tiles for (column, label, kind) from a KPI row (and the month before)."""
    tiles = []
    for column, label, kind in kpis:
        tiles.append(kpi_tile(
            f"{prefix}-tile-{column}", label, kind, current.get(column),
            previous.get(column) if previous is not None else None,
            page.settings.targets.get(column), definitions.get(column), page.locale,
            column in HIGHER_IS_BETTER))
    return dbc.Row(tiles, className="g-2")


def not_available(title: str, why: str) -> dbc.Alert:
    return dbc.Alert([html.Strong(f"{title}: not available. "), why], color="light",
                     className="not-available")


def list_note(key: str, frame: pd.DataFrame, noun: str, order: str, locale: str):
    """Under a capped list (data.CUSTOMER_LIST_LIMIT): how many rows the selection holds."""
    found = data.rows_in_selection(frame)
    if found <= len(frame):
        return None
    return html.Div(
        f"The first {formatting.number(len(frame), 0, locale)} of "
        f"{formatting.number(found, 0, locale)} {noun} by {order}; filter to narrow the list.",
        id=f"{key}-list-note", className="text-muted small mb-1")


# --- tables -----------------------------------------------------------------------------

AMOUNT_HINTS = ("amount", "_ar", "cost", "collected", "limit", "balance", "penalt", "debit",
                "credit")
RATE_HINTS = ("rate", "share", "weight", "uplift", "mean_outcome")


def _column_def(name: str, series: pd.Series, locale: str,
                links: Mapping[str, str]) -> dict:
    definition: dict = {"field": name, "headerName": name.replace("_", " ")}
    if name in links:
        definition.update(cellRenderer="Link", cellRendererParams={"hrefField": links[name]})
    if pd.api.types.is_bool_dtype(series):
        return definition
    if pd.api.types.is_numeric_dtype(series):
        if any(hint in name for hint in RATE_HINTS):
            formatter = f"formatPercent(params.value, '{locale}')"
        else:
            whole = pd.api.types.is_integer_dtype(series) or bool(
                (series.dropna() % 1 == 0).all())  # counts summed as floats
            decimals = 2 if any(hint in name for hint in AMOUNT_HINTS) or name in \
                BUCKET_COLOURS or name == "total" else (0 if whole else 1)
            formatter = f"formatNumber(params.value, '{locale}', {decimals})"
        definition.update(type="numericColumn", valueFormatter={"function": formatter},
                          filter="agNumberColumnFilter")
    elif pd.api.types.is_datetime64_any_dtype(series) and name.endswith("_date") \
            or name in ("month", "as_of_date"):
        definition["valueFormatter"] = {"function": f"formatDate(params.value, '{locale}')"}
    return definition


def records(frame: pd.DataFrame) -> list[dict]:
    """JSON-ready rows: ISO dates, None for missing values (column by column: a
    row-wise pandas conversion costs more than the queries behind a page)."""
    columns = {}
    for name in frame.columns:
        series = frame[name]
        if pd.api.types.is_datetime64_any_dtype(series):
            has_time = bool((series.dt.hour.fillna(0) + series.dt.minute.fillna(0)).any())
            series = series.dt.strftime("%Y-%m-%d %H:%M" if has_time else "%Y-%m-%d")
        values = series.to_numpy(dtype=object, copy=True)
        values[pd.isna(values)] = None
        columns[name] = values.tolist()
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def table(key: str, frame: pd.DataFrame, locale: str, links: Mapping[str, str] | None = None,
          hidden: tuple[str, ...] = (), height: int = 380, page_size: int = 20) -> html.Div:
    """An AG Grid with CSV/XLSX export buttons; `links` maps a column to the column
    holding its target address (hidden from view, not exported)."""
    links = dict(links or {})
    hidden = tuple(hidden) + tuple(links.values())
    column_defs = [_column_def(name, frame[name], locale, links) | (
        {"hide": True} if name in hidden else {}) for name in frame.columns]
    buttons = html.Div([
        dbc.Button("CSV", id=ids.export_button(key, "csv"), size="sm", color="secondary",
                   outline=True, className="me-1 export-csv"),
        dbc.Button("XLSX", id=ids.export_button(key, "xlsx"), size="sm", color="secondary",
                   outline=True, className="export-xlsx"),
        dcc.Download(id=ids.download(key)),
    ], className="mb-1 text-end")
    grid = dag.AgGrid(
        id=ids.grid(key), rowData=records(frame), columnDefs=column_defs,
        defaultColDef={"sortable": True, "filter": True, "resizable": True},
        dashGridOptions={"pagination": len(frame) > page_size,
                         "paginationPageSize": page_size, "animateRows": False,
                         **({} if len(frame) > page_size else {"domLayout": "autoHeight"})},
        columnSize="responsiveSizeToFit",
        style={"height": f"{height}px"} if len(frame) > page_size else {},
        className="ag-theme-alpine")
    return html.Div([buttons, grid], className=f"data-table table-{key} mb-3")


# --- charts -----------------------------------------------------------------------------

def figure(traces: list[dict], title: str, locale: str, height: int = 340,
           **layout: object) -> dict:
    """A Plotly figure as a plain dict: no graph_objects validation or template copies,
    which cost tens of milliseconds per chart."""
    base = {
        "title": {"text": title, "font": {"size": 15}}, "height": height,
        "margin": {"l": 50, "r": 20, "t": 40, "b": 40},
        "legend": {"orientation": "h", "y": -0.2}, "paper_bgcolor": "white",
        "plot_bgcolor": "white", "xaxis": {"gridcolor": "#eceff1"},
        "yaxis": {"gridcolor": "#eceff1", "zerolinecolor": "#cfd8dc"},
        "separators": ", " if locale == "fr" else ".,",
    }
    for key, value in layout.items():
        base[key] = {**base[key], **value} if isinstance(base.get(key), dict) else value
    return {"data": traces, "layout": base}


def iso(series: pd.Series) -> list:
    """Dates for a chart axis: ISO text (plain JSON)."""
    return pd.to_datetime(series).dt.strftime("%Y-%m-%d").tolist()


def values(series: pd.Series) -> list:
    """Numbers for a chart: floats, None for missing."""
    return [None if pd.isna(v) else float(v) for v in series]


def bar_traces(frame: pd.DataFrame, x: str, buckets: Mapping[str, str]) -> list[dict]:
    """One stacked bar trace per aging bucket; customdata carries the bucket for clicks."""
    traces = []
    for bucket, colour in buckets.items():
        rows = frame[frame["aging_bucket"] == bucket]
        x_values = iso(rows[x]) if pd.api.types.is_datetime64_any_dtype(rows[x]) \
            else rows[x].tolist()
        traces.append({"type": "bar", "name": bucket, "x": x_values,
                       "y": values(rows["open_amount"]),
                       "marker": {"color": colour}, "customdata": [bucket] * len(rows)})
    return traces


def graph(graph_id: str, figure: dict) -> dcc.Graph:
    return dcc.Graph(id=graph_id, figure=figure, config={"displaylogo": False})


def breadcrumb(items: list[tuple[str, str | None]]) -> dbc.Breadcrumb:
    return dbc.Breadcrumb(items=[
        {"label": label, "href": href, "external_link": False} if href else
        {"label": label, "active": True} for label, href in items], className="breadcrumbs")


# --- callbacks shared by all pages ------------------------------------------------------

def _search_with_filters(search: str | None, values: Mapping[str, str | None]) -> str:
    query = dict(parse_qsl((search or "").lstrip("?")))
    for name, value in values.items():
        if value:
            query[name] = value
        else:
            query.pop(name, None)
    return f"?{urlencode(query)}" if query else ""


def register_callbacks(app) -> None:
    """Callbacks for components that live on every page (registered on the app, once)."""

    @app.callback(
        Output(ids.URL, "href", allow_duplicate=True),
        [Input(ids.filter_id(name), "value") for name in ids.GLOBAL_FILTERS],
        State(ids.PAGE_FILTERS, "data"), State(ids.URL, "pathname"), State(ids.URL, "search"),
        prevent_initial_call=True)
    def apply_filters(*arguments):
        """Global filters live in the URL: a view can be shared as a link. Dropdowns
        report their values when a page is drawn: only a change by the user navigates."""
        *values, rendered_with, pathname, search = arguments
        chosen = dict(zip(ids.GLOBAL_FILTERS, values, strict=True))
        if chosen == rendered_with:
            return no_update
        new_search = _search_with_filters(search, chosen)
        return f"{pathname}{new_search}"

    @app.callback(
        Output(ids.download(MATCH), "data"),
        Input(ids.export_button(MATCH, ALL), "n_clicks"),
        State(ids.grid(MATCH), "rowData"), State(ids.grid(MATCH), "columnDefs"),
        prevent_initial_call=True)
    def download_table(clicks, rows, column_defs):
        """Export what the table holds (already restricted to the user's scope)."""
        if not ctx.triggered_id or not any(clicks):
            return no_update
        current_scope()  # a download is a request like any other: logged-in users only
        key, file_format = ctx.triggered_id["table"], ctx.triggered_id["format"]
        columns = [column["field"] for column in column_defs if not column.get("hide")]
        rows = [{column: row.get(column) for column in columns} for row in rows or []]
        stamp = dt.date.today().isoformat()
        if file_format == "xlsx":
            return dcc.send_bytes(export.to_xlsx(rows, columns, key), f"{key}_{stamp}.xlsx")
        locale = flask.current_app.config["DASHBOARD_SETTINGS"].locale
        return dcc.send_string(export.to_csv(rows, columns, locale), f"{key}_{stamp}.csv")

    @app.callback(
        Output(ids.VERSION_ALERT, "children"),
        Input(ids.VERSION_CHECK, "n_intervals"), State(ids.PAGE_VERSION, "data"),
        prevent_initial_call=True)
    def warn_when_refreshed(_, page_version):
        """A refresh never changes a page under the reader's eyes: it is announced."""
        try:
            version = data.warehouse_version(flask.current_app.config["WAREHOUSE"])
        except OSError:
            return no_update
        if page_version is None or version == page_version:
            return None
        return dbc.Alert(["A newer warehouse was published. ",
                          html.A("Reload", href="", id="reload-link"), " to see it."],
                         color="info", className="mb-0")

"""Building blocks every page uses: the page frame (one warehouse connection per render,
the top bar, the global filter bar), KPI tiles with definition cards, grids with a column
chooser and exports, charts. Labels, units, colours and targets come from the KPI
catalogue (catalogue.py); words from i18n.py."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import parse_qsl, quote, urlencode

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import flask
import pandas as pd
from dash import ALL, MATCH, ClientsideFunction, Input, Output, State, ctx, dcc, html, no_update

from dashboards import audit, catalogue, data, export, formatting, i18n, ids
from dashboards.auth import current_scope, current_user
from dashboards.catalogue import KpiSpec
from dashboards.settings import DashboardSettings

# Pinned to the left of a grid when present: what a row is about.
KEY_COLUMNS = ("customer_id", "customer_name")
VISIBLE_ROWS = 15  # a grid shows about this many rows before it scrolls
ROW_HEIGHT = 42
HEADER_HEIGHT = 72  # room for a label wrapped on two or three lines
# `fetch(warehouse, filters, scope, query) -> DataFrame`: a table's whole selection.
Fetch = Callable[[data.Warehouse, data.Filters, data.Scope, Mapping[str, str]], pd.DataFrame]
EXPORTS: dict[str, Fetch] = {}


def register_export(name: str, fetch: Fetch) -> Fetch:
    """Let `table(..., export=name)` export the whole selection, not only the rows sent
    to the browser. The fetch applies the scope like every query."""
    EXPORTS[name] = fetch
    return fetch


@dataclass
class Page:
    """What a page body gets: one open warehouse and the request's context."""

    warehouse: data.Warehouse
    filters: data.Filters
    scope: data.Scope
    settings: DashboardSettings
    query: Mapping[str, str]
    path: str
    locale: str = ""  # "en" | "fr": the user's choice; empty: the app's default

    def __post_init__(self) -> None:
        self.locale = self.locale or self.settings.locale

    @cached_property
    def catalogue(self) -> catalogue.Catalogue:
        return catalogue.load(self.warehouse, self.settings.targets)

    def t(self, text: str, **values: object) -> str:
        """`text` (English, gettext style) in the user's language."""
        return i18n.translate(text, self.locale, **values)

    def definitions(self, table: str) -> dict[str, str]:
        """Column -> dbt description of a mart."""
        return self.catalogue.definitions(table)

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

    def customer_href(self, customer_id: str, **extra: str | None) -> str:
        """The customer at this page's as-of date, with the filters kept for the way on."""
        return self.href(f"/customer/{quote(str(customer_id), safe='')}", **extra)

    def call_sheet_href(self, customer_id: str) -> str:
        return self.href(f"/call-sheet/{quote(str(customer_id), safe='')}")

    def address(self) -> str:
        """This page's own address: its parameters and the resolved filters."""
        query = {**{key: str(value) for key, value in self.query.items() if value},
                 **self.filters.to_query()}
        return f"{self.path}?{urlencode(query)}" if query else self.path


# --- the page frame -----------------------------------------------------------------------

def render(page_name: str, path: str, query: Mapping[str, str],
           body: Callable[[Page], list], global_filters: bool = True) -> html.Div:
    """Open the warehouse once, draw the top bar, the filters and the page, close it.
    Missing warehouse: the how-to."""
    config = flask.current_app.config
    settings: DashboardSettings = config["DASHBOARD_SETTINGS"]
    locale = i18n.current_locale()
    started = time.perf_counter()
    try:
        with data.open_warehouse(config["WAREHOUSE"]) as warehouse:
            filters = data.resolve_as_of(warehouse, data.Filters.from_query(query))
            page = Page(warehouse, filters, current_scope(), settings, query, path, locale)
            children = [dcc.Store(id=ids.PAGE_VERSION, data=warehouse.version)]
            if global_filters:
                children.append(filter_bar(page))
            children += body(page)
            top_bar = navbar(path, locale, _global_query(filters), page.address())
    except data.WarehouseUnavailable as problem:
        return html.Div([
            navbar(path, locale, {}, path),
            html.Div(dbc.Alert([html.H4(i18n.translate("No warehouse to show yet", locale)),
                                html.P(str(problem))], color="warning", id="warehouse-missing"),
                     className="p-4")])
    config["TIMINGS"].append((page_name, time.perf_counter() - started))
    return html.Div([top_bar, html.Div(children, className="px-3 pb-3")],
                    id=f"page-{page_name}")


def _global_query(filters: data.Filters) -> dict[str, str]:
    """The global filters only (a drill-down's country stays on its page)."""
    query = filters.to_query()
    return {name: query[name] for name in ids.GLOBAL_FILTERS if name in query}


def navbar(path: str, locale: str, query: Mapping[str, str], address: str) -> dbc.Navbar:
    """Top menu whose links keep the global filters, the language switch, the password
    change, sign out. A page registered with `admin_only=True` is listed for admins only
    (the page itself refuses the others too)."""
    def with_query(target: str) -> str:
        return f"{target}?{urlencode(query)}" if query else target

    user = current_user()
    admin = user is not None and user.role == "admin"
    links = [dbc.NavLink(i18n.translate(page["name"], locale),
                         href=with_query(page["relative_path"]),
                         active=page["relative_path"] == path,
                         id=ids.nav_link(page["module"].split(".")[-1]))
             for page in dash.page_registry.values()
             if page.get("nav", True) and (admin or not page.get("admin_only"))]
    switch = html.Div([
        html.A(code.upper(), href=f"/locale/{code}?{urlencode({'next': address})}",
               id=ids.locale_link(code), lang=code,
               className="locale-link" + (" active" if code == locale else ""),
               **{"aria-current": "true" if code == locale else "false"})
        for code in ("fr", "en")], className="locale-switch me-3")
    return dbc.Navbar(dbc.Container([
        dbc.NavbarBrand(i18n.translate("Credit scoreboard", locale), href=with_query("/")),
        dbc.Nav(links, pills=True, className="me-auto"),
        switch,
        # Who is signed in; a click changes the password (short: the menu fits 1440 px in
        # French).
        html.A(user.username if user else "", href="/account/password",
               title=i18n.translate("Change your password", locale),
               className="account-link small me-3", id="password-link"),
        html.A(i18n.translate("Sign out", locale), href="/logout",
               className="btn btn-sm btn-outline-light", id="logout-link"),
    ], fluid=True), color="dark", dark=True, className="mb-2 top-bar")


def filter_bar(page: Page) -> html.Div:
    """The global filters, the user's scope when restricted, and one alert when a
    filter asks for something outside it."""
    options = data.filter_options(page.warehouse, page.scope)
    outside = _outside_scope(page)
    rendered_with = {name: (page.filters.as_of.isoformat() if name == "as_of"
                            else getattr(page.filters, name)) for name in ids.GLOBAL_FILTERS}
    as_of_options = [{"label": formatting.date(day, page.locale), "value": day.isoformat()}
                     for day in reversed(data.as_of_dates(page.warehouse))]
    columns = [dbc.Col([dbc.Label(page.t("As of"), size="sm"), dcc.Dropdown(
        id=ids.filter_id("as_of"), options=as_of_options, clearable=False,
        value=page.filters.as_of.isoformat())], md=2)]
    for dimension in ids.GLOBAL_FILTERS[1:]:
        value = getattr(page.filters, dimension)
        choices = [{"label": option, "value": option} for option in options[dimension]]
        if dimension in outside:  # offered disabled, so that the dropdown keeps the value
            choices.append({"label": value, "value": value, "disabled": True})
        columns.append(dbc.Col([
            dbc.Label(page.catalogue.column_label(dimension, page.locale), size="sm"),
            dcc.Dropdown(id=ids.filter_id(dimension), options=choices, value=value,
                         placeholder=page.t("All"))], md=2))
    children = [dbc.Row([*columns, dcc.Store(id=ids.PAGE_FILTERS, data=rendered_with)],
                        className="g-2")]
    if page.scope.restricted:
        children.append(html.Div(page.t("Your scope: {scope}", scope=_scope_text(page)),
                                 id=ids.SCOPE_NOTE, className="scope-note small mt-1"))
    if outside:
        asked = "; ".join(f"{page.catalogue.column_label(dimension, page.locale)} {value}"
                          for dimension, value in outside.items())
        children.append(dbc.Alert(
            page.t("{filters}: not in your scope, so nothing is shown for it.", filters=asked),
            color="warning", id=ids.OUT_OF_SCOPE, className="mt-2 mb-0 py-2"))
    return html.Div(children, className="mb-3 filter-bar")


def _scope_text(page: Page) -> str:
    return "; ".join(f"{page.catalogue.column_label(dimension, page.locale)} "
                     f"{', '.join(values)}" for dimension, values in page.scope.allowed().items())


def _outside_scope(page: Page) -> dict[str, str]:
    """The filter values (by dimension) that the user's scope excludes."""
    allowed = page.scope.allowed()
    return {dimension: value for dimension, value in page.filters.dimensions().items()
            if dimension in allowed and value not in allowed[dimension]}


# --- KPI tiles ----------------------------------------------------------------------------

def _number(value: object) -> float | None:
    if formatting.is_missing(value):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _change(page: Page, unit: str, decimals: int | None, value: float,
            previous: float, higher_is_better: bool | None) -> html.Div:
    """The change against the previous month, green when better in the KPI's direction."""
    change = value - previous
    if unit == "rate":  # a change of rates reads in percentage points
        text = f"{formatting.number(abs(change) * 100, decimals or 1, page.locale)} pt"
    else:
        text = formatting.kpi(abs(change), unit, decimals, page.locale)
    arrow = "▲" if change > 0 else "▼" if change < 0 else "="
    tone = "text-muted" if change == 0 or higher_is_better is None else (
        "text-success" if (change > 0) == higher_is_better else "text-danger")
    return html.Div(page.t("{arrow} {change} vs previous month", arrow=arrow, change=text),
                    className=f"tile-change {tone}")


def kpi_tile(page: Page, tile_id: str, label: str, unit: str, value: object,
             href: str | None = None, definition: str | None = None,
             decimals: int | None = None, previous: object = None,
             target: float | None = None, higher_is_better: bool | None = None) -> dbc.Col:
    """One tile: the value in its unit; with `previous` the change, with `target` the
    target and the tile coloured against it (`tile-good` / `tile-bad`); the definition on
    hover or focus; with `href` the tile is a link."""
    lines = [html.Div(label, className="tile-label"),
             html.Div(formatting.kpi(value, unit, decimals, page.locale),
                      className="tile-value", id=f"{tile_id}-value")]
    current, before = _number(value), _number(previous)
    if current is not None and before is not None:
        lines.append(_change(page, unit, decimals, current, before, higher_is_better))
    status = ""
    if target is not None:
        lines.append(html.Div(page.t("Target {target}", target=formatting.kpi(
            target, unit, decimals, page.locale)), className="tile-target text-muted"))
        met = catalogue.meets_target(current, target, higher_is_better)
        status = "" if met is None else (" tile-good" if met else " tile-bad")
    card = dbc.Card(dbc.CardBody(lines), className=f"kpi-tile h-100{status}")
    # Focusable (a link is already), so that a click or the keyboard opens the definition.
    holder = dcc.Link(card, href=href, id=tile_id, className="tile-link h-100 d-block") \
        if href else html.Div(card, id=tile_id, tabIndex=0, className="h-100")
    popover = dbc.Popover(
        [dbc.PopoverHeader(label),
         dbc.PopoverBody(definition or page.t("No definition published."))],
        target=tile_id, trigger="hover focus", placement="bottom", id=f"{tile_id}-definition")
    return dbc.Col([holder, popover], xs=6, md=3, lg=2, className="mb-2")


def kpi_tiles(page: Page, prefix: str, current: Mapping, previous: Mapping | None,
              kpis: Iterable[str | KpiSpec], table: str = "kpi_monthly",
              links: Mapping[str, str] | None = None) -> dbc.Row:
    """Tiles `<prefix>-tile-<kpi>` for catalogue KPIs, from a KPI row and the month
    before; `links` maps a KPI to the address its tile opens."""
    definitions = page.definitions(table)
    tiles = []
    for kpi in kpis:
        spec = kpi if isinstance(kpi, KpiSpec) else page.catalogue.kpi(kpi)
        tiles.append(kpi_tile(
            page, f"{prefix}-tile-{spec.kpi}", spec.label(page.locale), spec.unit,
            current.get(spec.kpi), href=(links or {}).get(spec.kpi),
            definition=definitions.get(spec.kpi), decimals=spec.decimals,
            previous=previous.get(spec.kpi) if previous is not None else None,
            target=spec.target, higher_is_better=spec.higher_is_better))
    return dbc.Row(tiles, className="g-2")


def not_available(title: str, why: str) -> dbc.Alert:
    return dbc.Alert([html.Strong(f"{title}: "), why], color="light", className="not-available")


def breadcrumb(items: list[tuple[str, str | None]]) -> dbc.Breadcrumb:
    return dbc.Breadcrumb(items=[
        {"label": label, "href": href, "external_link": False} if href else
        {"label": label, "active": True} for label, href in items], className="breadcrumbs")


# --- tables -------------------------------------------------------------------------------

NUMERIC_UNITS = catalogue.NUMERIC_UNITS
HEADER_CHARACTER_PX = 9  # a bold header character, generously
HEADER_ROOM_PX = 64  # padding, sort and menu icons around a header label
CELL_CHARACTER_PX = 7.5
LONG_TEXT = 60  # characters: longer texts wrap in a wider column
# AG Grid's own words (filter menus, empty grid) in French; English is its default.
AG_GRID_FRENCH = {
    "filterOoo": "Filtrer…", "equals": "Égal à", "notEqual": "Différent de",
    "blank": "Vide", "notBlank": "Non vide", "empty": "Choisir", "lessThan": "Inférieur à",
    "greaterThan": "Supérieur à", "lessThanOrEqual": "Inférieur ou égal à",
    "greaterThanOrEqual": "Supérieur ou égal à", "inRange": "Entre", "inRangeStart": "De",
    "inRangeEnd": "À", "contains": "Contient", "notContains": "Ne contient pas",
    "startsWith": "Commence par", "endsWith": "Se termine par", "before": "Avant",
    "after": "Après", "andCondition": "ET", "orCondition": "OU", "applyFilter": "Appliquer",
    "resetFilter": "Réinitialiser", "clearFilter": "Effacer", "cancelFilter": "Annuler",
    "dateFormatOoo": "jj/mm/aaaa", "noRowsToShow": "Aucune ligne", "loadingOoo": "Chargement…",
    "pinColumn": "Épingler la colonne", "pinLeft": "Épingler à gauche",
    "pinRight": "Épingler à droite", "noPin": "Ne pas épingler",
    "autosizeThisColumn": "Ajuster cette colonne",
    "autosizeAllColumns": "Ajuster toutes les colonnes",
    "resetColumns": "Réinitialiser les colonnes", "columnFilter": "Filtre de colonne",
    "sortAscending": "Tri croissant", "sortDescending": "Tri décroissant",
    "sortUnSort": "Annuler le tri",
}


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


def _min_width(label: str, series: pd.Series, unit: str, decimals: int | None) -> int:
    """Wide enough for the longest word of the wrapped header and for the values."""
    longest_word = max((len(word) for word in label.split()), default=4)
    header = longest_word * HEADER_CHARACTER_PX + HEADER_ROOM_PX
    values = series.dropna()
    if values.empty:
        content = 0
    elif unit in NUMERIC_UNITS:
        largest = float(values.abs().max()) * (100 if unit == "rate" else 1)
        digits = len(f"{largest:,.{decimals if decimals is not None else 2}f}")
        content = digits * CELL_CHARACTER_PX + 40
    else:
        longest = int(values.astype(str).str.len().max())
        content = min(longest, 36) * CELL_CHARACTER_PX + 40
    return int(max(90, header, content))


def _column_def(name: str, series: pd.Series, page: Page, links: Mapping[str, str],
                description: str | None) -> dict:
    unit, decimals = page.catalogue.column_format(name, series)
    label = page.catalogue.column_label(name, page.locale)
    definition: dict = {
        "field": name, "headerName": label, "headerTooltip": description or label,
        "minWidth": _min_width(label, series, unit, decimals),
        "context": {"unit": unit, "decimals": decimals},
        "valueFormatter": {"function": f"formatValue(params.value, '{unit}', "
                                       f"{'null' if decimals is None else decimals}, "
                                       f"'{page.locale}')"},
    }
    if unit in NUMERIC_UNITS:
        definition.update(type="numericColumn", cellDataType="number",
                          filter="agNumberColumnFilter")
    elif unit == "date":
        definition.update(cellDataType="dateString", filter="agDateColumnFilter")
    elif unit == "bool":  # "yes" / "no" in words, not AG Grid's checkbox
        definition.update(cellDataType=False, filter="agTextColumnFilter")
    else:
        definition.update(cellDataType="text", filter="agTextColumnFilter")
        if unit == "text" and not series.dropna().empty \
                and series.dropna().astype(str).str.len().max() > LONG_TEXT:
            definition.update(wrapText=True, autoHeight=True, minWidth=280, flex=2)
    if name in links:
        definition.update(cellRenderer="Link", cellRendererParams={"hrefField": links[name]})
    return definition


def _grid_height(rows: int, height: int | None) -> dict:
    if height:
        return {"style": {"height": f"{height}px"}}
    if rows <= VISIBLE_ROWS:
        return {"style": {}, "domLayout": "autoHeight"}
    return {"style": {"height": f"{HEADER_HEIGHT + VISIBLE_ROWS * ROW_HEIGHT + 20}px"}}


def _export_buttons(key: str, page: Page, shown: int, total: int,
                    export_name: str | None) -> list:
    """CSV and XLSX; when the grid holds only the first rows, the count to expect."""
    count = ""
    if total > shown:
        count = " " + page.t("({rows} rows)", rows=formatting.number(
            total if export_name else shown, 0, page.locale))
    return [dbc.Button(f"CSV{count}", id=ids.export_button(key, "csv"), size="sm",
                       color="secondary", outline=True, className="me-1 export-csv"),
            dbc.Button(f"XLSX{count}", id=ids.export_button(key, "xlsx"), size="sm",
                       color="secondary", outline=True, className="export-xlsx")]


def _column_chooser(key: str, page: Page, column_defs: list[dict]) -> list:
    choosable = [column for column in column_defs if column["context"].get("choosable")]
    button = dbc.Button(page.t("Columns"), id=ids.column_chooser_button(key), size="sm",
                        color="secondary", outline=True, className="me-1 column-chooser")
    checklist = dcc.Checklist(
        id=ids.column_chooser(key),
        options=[{"label": column["headerName"], "value": column["field"]}
                 for column in choosable],
        value=[column["field"] for column in choosable if not column.get("hide")],
        labelClassName="d-block", inputClassName="me-2")
    return [button, dbc.Popover(dbc.PopoverBody(checklist), target=ids.column_chooser_button(key),
                                trigger="legacy", placement="bottom-end",
                                className=f"column-chooser-menu column-chooser-{key}")]


def table(key: str, frame: pd.DataFrame, page: Page, links: Mapping[str, str] | None = None,
          columns: Iterable[str] | None = None, pinned: Iterable[str] = KEY_COLUMNS,
          height: int | None = None, export: str | None = None,
          export_query: Mapping[str, str] | None = None,
          descriptions: str | None = None) -> html.Div:
    """An AG Grid for people: catalogue labels (dbt descriptions as header tooltips),
    values formatted by unit in the browser, code values shown with their labels,
    pinned key columns, wrapped headers never cut.

    - `links` maps a column to the column holding its address (hidden, not exported);
    - `columns`: the columns shown at first (the others behind the "Columns" chooser);
    - `export`: a name given to `register_export`: CSV/XLSX then export the whole
      selection (read again with the page's filters and `export_query`), else the rows
      the grid holds; either way with the grid's sort, filter and visible columns;
    - `descriptions`: the mart whose dbt descriptions head the columns (default: any).
    """
    links = dict(links or {})
    targets = set(links.values())
    shown = [name for name in frame.columns if name not in targets]
    pinned = [name for name in pinned if name in shown]
    chosen = [name for name in (columns or shown) if name in shown]
    order = [*pinned, *[name for name in chosen if name not in pinned],
             *[name for name in shown if name not in pinned and name not in chosen]]
    visible = set(pinned) | set(chosen)
    labelled = page.catalogue.label_codes(frame, page.locale)
    column_defs = []
    for name in order:
        definition = _column_def(name, labelled[name], page, links,
                                 page.catalogue.description(name, descriptions))
        definition["hide"] = name not in visible
        definition["context"]["choosable"] = name not in pinned
        if name in pinned:
            definition.update(pinned="left", lockPinned=True)
        column_defs.append(definition)
    column_defs += [{"field": target, "hide": True, "context": {"unit": "link"}}
                    for target in links.values() if target in frame.columns]
    total = int(frame.attrs.get("rows_in_selection", len(frame)))
    source = ({"export": export, "query": {**{k: str(v) for k, v in page.query.items() if v},
                                           **page.filters.to_query(), **(export_query or {})}}
              if export else None)
    tools = html.Div([
        *(_column_chooser(key, page, column_defs) if len(shown) > len(pinned) + 1 else []),
        *_export_buttons(key, page, len(frame), total, export),
        dcc.Download(id=ids.download(key)),
        dcc.Store(id=ids.export_source(key), data=source),
    ], className="mb-1 text-end grid-tools")
    sizing = _grid_height(len(frame), height)
    grid = dag.AgGrid(
        id=ids.grid(key), rowData=records(labelled), columnDefs=column_defs,
        defaultColDef={"sortable": True, "filter": True, "resizable": True,
                       "wrapHeaderText": True, "autoHeaderHeight": True},
        dashGridOptions={"animateRows": False, "maintainColumnOrder": True,
                         "tooltipShowDelay": 300, "enableCellTextSelection": True,
                         **({"localeText": AG_GRID_FRENCH} if page.locale == "fr" else {}),
                         **({"domLayout": sizing["domLayout"]} if "domLayout" in sizing else {})},
        columnSize="responsiveSizeToFit", style=sizing["style"], className="ag-theme-alpine")
    return html.Div([tools, grid], className=f"data-table table-{key} mb-3")


def export_columns(column_defs: list[dict], column_state: list[dict] | None) -> list[export.Column]:
    """The visible columns in display order (left-pinned first, as on screen)."""
    defs = {column["field"]: column for column in column_defs
            if column.get("field") and column.get("context", {}).get("unit") != "link"}
    order = [state["colId"] for state in column_state or () if state.get("colId") in defs]
    order += [field for field in defs if field not in order]
    pinned_side = {state["colId"]: state.get("pinned") for state in column_state or ()}
    order.sort(key=lambda field: {"left": 0, "right": 2}.get(
        pinned_side.get(field, defs[field].get("pinned")), 1))
    return [export.Column(field, defs[field].get("headerName", field),
                          defs[field].get("context", {}).get("unit", "text"))
            for field in order if not defs[field].get("hide")]


# --- charts -------------------------------------------------------------------------------

def figure(traces: list[dict], title: str, page: Page, height: int = 340,
           **layout: object) -> dict:
    """A Plotly figure as a plain dict: no graph_objects validation or template copies,
    which cost tens of milliseconds per chart. French separators when French is on
    (month names come from the graph's locale, see `graph`)."""
    base = {
        "title": {"text": title, "font": {"size": 15}}, "height": height,
        "margin": {"l": 50, "r": 20, "t": 40, "b": 40},
        "legend": {"orientation": "h", "y": -0.2}, "paper_bgcolor": "white",
        "plot_bgcolor": "white", "xaxis": {"gridcolor": "#eceff1"},
        "yaxis": {"gridcolor": "#eceff1", "zerolinecolor": "#cfd8dc"},
        "separators": f",{formatting.NARROW_NO_BREAK_SPACE}" if page.locale == "fr" else ".,",
    }
    for key, value in layout.items():
        base[key] = {**base[key], **value} if isinstance(base.get(key), dict) else value
    return {"data": traces, "layout": base}


def graph(graph_id: str, figure: dict, page: Page) -> dcc.Graph:
    """A chart in the user's language (the French locale: assets/plotly_locale_fr.js)."""
    return dcc.Graph(id=graph_id, figure=figure,
                     config={"displaylogo": False, "locale": page.locale})


def target_shape(value: float, label: str) -> dict:
    """A dashed horizontal target line across the plot, labelled at its right end:
    `figure(..., shapes=[target_shape(45, page.t("Target"))])`."""
    return {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": value,
            "y1": value, "line": {"color": "#6d1a17", "dash": "dash", "width": 1.5},
            "label": {"text": label, "textposition": "end", "yanchor": "bottom",
                      "font": {"size": 11, "color": "#6d1a17"}}}


def iso(series: pd.Series) -> list:
    """Dates for a chart axis: ISO text (plain JSON)."""
    return pd.to_datetime(series).dt.strftime("%Y-%m-%d").tolist()


def values(series: pd.Series) -> list:
    """Numbers for a chart: floats, None for missing."""
    return [None if pd.isna(v) else float(v) for v in series]


def bucket_traces(frame: pd.DataFrame, x: str, page: Page,
                  y: str = "open_amount") -> list[dict]:
    """One stacked bar trace per aging bucket (catalogue order, colours and labels);
    customdata carries the bucket code for clicks."""
    traces = []
    for bucket in page.catalogue.buckets():
        rows = frame[frame["aging_bucket"] == bucket.bucket]
        x_values = iso(rows[x]) if pd.api.types.is_datetime64_any_dtype(rows[x]) \
            else rows[x].tolist()
        traces.append({"type": "bar", "name": bucket.label(page.locale), "x": x_values,
                       "y": values(rows[y]), "marker": {"color": bucket.colour},
                       "customdata": [bucket.bucket] * len(rows)})
    return traces


# --- callbacks shared by all pages --------------------------------------------------------

def _search_with_filters(search: str | None, values: Mapping[str, str | None]) -> str:
    query = dict(parse_qsl((search or "").lstrip("?")))
    for name, value in values.items():
        if value:
            query[name] = value
        else:
            query.pop(name, None)
    return f"?{urlencode(query)}" if query else ""


def _selection(source: Mapping) -> pd.DataFrame:
    """A registered export's whole selection, read like the page was (same query, the
    user's scope), code values labelled as on screen."""
    fetch = EXPORTS[source["export"]]
    query = {str(key): str(value) for key, value in (source.get("query") or {}).items()}
    config = flask.current_app.config
    with data.open_warehouse(config["WAREHOUSE"]) as warehouse:
        filters = data.resolve_as_of(warehouse, data.Filters.from_query(query))
        frame = fetch(warehouse, filters, current_scope(), query)
        labels = catalogue.load(warehouse, config["DASHBOARD_SETTINGS"].targets)
        return labels.label_codes(frame, i18n.current_locale())


def download(key: str, file_format: str, source: Mapping | None, rows: list[dict] | None,
             column_defs: list[dict], column_state: list[dict] | None,
             filter_model: dict | None) -> dict:
    """The file a table's button sends: the whole selection when the table registered an
    export, else the grid's rows; the grid's filter, sort and visible columns. Each
    export leaves an audit row: who, which table, format, filters, scope, rows."""
    current_scope()  # a download is a request like any other: logged-in users only
    locale = i18n.current_locale()
    if source and source.get("export") in EXPORTS:
        frame = _selection(source)
    else:
        frame = pd.DataFrame.from_records(rows or [])
    frame = export.grid_view(frame, filter_model, column_state)
    columns = export_columns(column_defs, column_state)
    audit.record_user(
        "export", current_user(), target=key, file_format=file_format, row_count=len(frame),
        filters={"query": dict((source or {}).get("query") or {}),
                 "grid": filter_model or {}, "whole_selection": bool(
                     source and source.get("export") in EXPORTS)})
    stamp = dt.date.today().isoformat()
    if file_format == "xlsx":
        return dcc.send_bytes(export.to_xlsx(frame, columns, key, locale),
                              f"{key}_{stamp}.xlsx")
    return dcc.send_string(export.to_csv(frame, columns, locale), f"{key}_{stamp}.csv")


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
        *chosen_values, rendered_with, pathname, search = arguments
        chosen = dict(zip(ids.GLOBAL_FILTERS, chosen_values, strict=True))
        if chosen == rendered_with:
            return no_update
        return f"{pathname}{_search_with_filters(search, chosen)}"

    @app.callback(
        Output(ids.download(MATCH), "data"),
        Input(ids.export_button(MATCH, ALL), "n_clicks"),
        State(ids.export_source(MATCH), "data"),
        State(ids.grid(MATCH), "rowData"), State(ids.grid(MATCH), "columnDefs"),
        State(ids.grid(MATCH), "columnState"), State(ids.grid(MATCH), "filterModel"),
        prevent_initial_call=True)
    def download_table(clicks, source, rows, column_defs, column_state, filter_model):
        if not ctx.triggered_id or not any(clicks):
            return no_update
        return download(ctx.triggered_id["table"], ctx.triggered_id["format"], source, rows,
                        column_defs, column_state, filter_model)

    # The column chooser toggles `hide` in the browser: no round trip, sort kept.
    app.clientside_callback(
        ClientsideFunction(namespace="scoreboard", function_name="showColumns"),
        Output(ids.grid(MATCH), "columnDefs"),
        Input(ids.column_chooser(MATCH), "value"), State(ids.grid(MATCH), "columnDefs"),
        prevent_initial_call=True)

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
        locale = i18n.current_locale()
        return dbc.Alert([i18n.translate("A newer warehouse was published.", locale), " ",
                          html.A(i18n.translate("Reload to see it", locale), href="",
                                 id="reload-link")], color="info", className="mb-0")

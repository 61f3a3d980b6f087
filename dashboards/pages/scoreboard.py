"""Scoreboard (CFO): KPI tiles, DSO trend, DSO bridge, aged balance over time."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, html, no_update

from dashboards import components, data, formatting, ids
from dashboards.components import Page

dash.register_page(__name__, path="/", name="Scoreboard", title="Scoreboard", order=0)
PAGE = "scoreboard"
AGED_CHART = ids.page_id(PAGE, "aged-over-time")

TILES = [
    ("total_ar", "Total AR", "amount"), ("overdue_rate", "Overdue rate", "rate"),
    ("dso_simple", "DSO (simple)", "days"), ("dso_countback", "DSO (countback)", "days"),
    ("best_possible_dso", "Best possible DSO", "days"),
    ("average_days_delinquent", "Average days delinquent", "days"),
    ("dmp_days", "DMP (days to pay)", "days"),
    ("avg_days_beyond_terms", "Days beyond terms", "days"),
    ("cei", "CEI", "index"), ("dispute_weight", "Dispute weight", "rate"),
    ("promise_kept_rate", "Promises kept", "rate"),
    ("financing_cost", "Financing cost (month)", "amount"),
]


def layout(**query):
    return components.render(PAGE, "/", query, _body)


def _body(page: Page) -> list:
    series = data.kpi_series(page.warehouse, page.filters, page.scope)
    rows = series.rows[series.rows["as_of_date"] <= pd.Timestamp(page.filters.as_of)]
    if rows.empty:
        return [components.not_available("KPIs", "no data for these filters.")]
    current = rows.iloc[-1].to_dict()
    # The previous month end (as-of dates also hold the run's own date, mid-month).
    month_start = rows["as_of_date"].iloc[-1].to_period("M").start_time
    month_ends = rows[rows["as_of_date"].dt.is_month_end & (rows["as_of_date"] < month_start)]
    previous = month_ends.iloc[-1].to_dict() if not month_ends.empty else None
    definitions = data.definitions(page.warehouse, "kpi_monthly")
    tiles = [(column, label, kind) for column, label, kind in TILES
             if column in series.available]
    penalties = data.late_payment_penalties(page.warehouse, page.filters, page.scope)
    tile_row = components.kpi_row(page, PAGE, tiles, current, previous, definitions)
    tile_row.children.append(components.kpi_tile(
        f"{PAGE}-tile-late_payment_penalties", "Late-payment penalties owed", "amount",
        penalties, None, None, data.table_comment(page.warehouse, "late_payment_penalties")
        or "Interest at the ECB rate + 10 points on overdue invoices, plus 40 EUR per late "
        "invoice (French Code de commerce L441-10).", page.locale))
    children = [html.H3("Scoreboard"), tile_row]
    if series.source == "aged_balance":
        children.append(components.not_available(
            "Other KPIs", "for a combination of filters only the balance-based KPIs can be "
            "summed; pick a single segment, region or collector to see them all."))
    # Month ends, plus the as-of date itself when it is the run's mid-month date.
    trend = rows[rows["as_of_date"].dt.is_month_end | (rows.index == rows.index[-1])].tail(24)
    charts = [dbc.Col(_dso_trend(trend, series, page), md=6),
              dbc.Col(_dso_bridge(page), md=6)]
    aged = data.aged_over_time(page.warehouse, page.filters, page.scope)
    children += [dbc.Row(charts, className="mt-3"),
                 components.graph(AGED_CHART, _aged_chart(aged, page.locale)),
                 html.P("Click a bar to open that bucket in the aged balance.",
                        className="text-muted small")]
    return children


def _dso_trend(trend: pd.DataFrame, series: data.KpiSeries, page: Page):
    if "dso_simple" not in series.available:
        return components.not_available("DSO trend", "not computable for these filters.")
    traces = [{"type": "scatter", "mode": "lines+markers", "name": name,
               "x": components.iso(trend["as_of_date"]), "y": components.values(trend[column])}
              for column, name in (("dso_simple", "Simple"), ("dso_countback", "Countback"),
                                   ("best_possible_dso", "Best possible"))]
    return components.graph(ids.page_id(PAGE, "dso-trend"), components.figure(
        traces, "DSO: 24 months, three methods", page.locale))


BRIDGE_STEPS = (("terms_effect", "Terms effect"),
                ("disputed_delinquency_effect", "Disputed delinquency"),
                ("undisputed_delinquency_effect", "Undisputed delinquency"))


def _dso_bridge(page: Page):
    bridge = data.dso_bridge(page.warehouse, page.filters, page.scope)
    if bridge is None:
        return components.not_available(
            "DSO bridge", "published for the company and for one segment, region, country, "
            "business unit or collector at a time (marts.dso_bridge).")
    steps = [(label, bridge.get(column)) for column, label in BRIDGE_STEPS
             if column in bridge]
    waterfall = {
        "type": "waterfall", "connector": {"line": {"color": "#9aa5b1"}},
        "x": ["Previous DSO", *[label for label, _ in steps], "DSO"],
        "y": components.values(pd.Series([bridge["dso_previous"], *[v for _, v in steps],
                                          bridge["dso_current"]])),
        "measure": ["absolute"] + ["relative"] * len(steps) + ["total"]}
    previous = formatting.date(bridge["previous_as_of_date"], page.locale)
    return components.graph(ids.page_id(PAGE, "dso-bridge"), components.figure(
        [waterfall], f"DSO bridge since {previous}", page.locale))


def _aged_chart(aged: pd.DataFrame, locale: str) -> dict:
    return components.figure(components.bar_traces(aged, "as_of_date",
                                                   components.BUCKET_COLOURS),
                             "Aged balance over time", locale, height=380, barmode="relative")


@callback(Output(ids.URL, "href", allow_duplicate=True), Input(AGED_CHART, "clickData"),
          State(ids.URL, "search"), prevent_initial_call=True)
def open_bucket(click, search):
    """Drill from a bar (month x bucket) to that bucket's customers."""
    if not click:
        return no_update
    point = click["points"][0]
    as_of = formatting.date(str(point["x"])[:10])
    filters = data.Filters.from_query(dict(components.parse_qsl((search or "").lstrip("?"))))
    query = {**filters.to_query(), "as_of": as_of, "bucket": point["customdata"]}
    return "/aged?" + components.urlencode(query)

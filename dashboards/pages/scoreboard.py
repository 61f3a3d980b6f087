"""Scoreboard (CFO): the catalogue's headline tiles, DSO trend against its target, the DSO
bridge (worse in red, better in green), the aged balance over time."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, html, no_update

from dashboards import components, data, formatting, ids
from dashboards.components import Page

dash.register_page(__name__, path="/", name="Scoreboard", title="Scoreboard", order=0)
PAGE = "scoreboard"
AGED_CHART = ids.page_id(PAGE, "aged-over-time")
# Tiles that open the list behind their number (lists.py), shown even when the catalogue
# does not make them headline tiles: what a credit manager acts on.
LIST_TILES = {"overdue_ar": "overdue", "over_limit_amount": "over_limit",
              "amount_to_reconcile": "to_reconcile", "customers_worsening": "worsening",
              "disputed_ar": "open_disputes"}
ALWAYS_SHOWN = ("overdue_ar", "over_limit_amount")
WORSE, BETTER, TOTAL = "#c62828", "#2e7d32", "#1f4e79"


def layout(**query):
    return components.render(PAGE, "/", query, _body)


def _body(page: Page) -> list:
    series = data.kpi_series(page.warehouse, page.filters, page.scope)
    rows = series.rows[series.rows["as_of_date"] <= pd.Timestamp(page.filters.as_of)]
    if rows.empty:
        return [html.H3(page.t("Scoreboard")),
                components.not_available(page.t("KPIs"), page.t("no data for these filters."))]
    current = rows.iloc[-1].to_dict()
    # The previous month end (as-of dates also hold the run's own date, mid-month).
    month_start = rows["as_of_date"].iloc[-1].to_period("M").start_time
    month_ends = rows[rows["as_of_date"].dt.is_month_end & (rows["as_of_date"] < month_start)]
    previous = month_ends.iloc[-1].to_dict() if not month_ends.empty else None
    available = set(series.available)
    if series.source == "aged_balance":  # penalties are owed per customer: any filter
        current["late_payment_penalties"] = data.late_payment_penalties(
            page.warehouse, page.filters, page.scope)
        available.add("late_payment_penalties")
    headline = [spec.kpi for spec in page.catalogue.headline_kpis() if spec.kpi in available]
    kpis = headline + [kpi for kpi in ALWAYS_SHOWN if kpi in available
                       and kpi in page.catalogue.kpis and kpi not in headline]
    links = {kpi: page.href("/lists", list=name) for kpi, name in LIST_TILES.items()}
    children = [
        html.H3(page.t("Scoreboard")),
        html.P(page.t("As of {date}", date=formatting.date(page.filters.as_of, page.locale)),
               className="text-muted mb-2", id=f"{PAGE}-as-of"),
        components.kpi_tiles(page, PAGE, current, previous, kpis, links=links),
    ]
    if series.source == "aged_balance":
        children.append(components.not_available(
            page.t("Other KPIs"), page.t(
                "for a combination of filters only the balance-based KPIs can be summed; "
                "pick a single segment, region or collector to see them all.")))
    # Month ends, plus the as-of date itself when it is the run's mid-month date.
    trend = rows[rows["as_of_date"].dt.is_month_end | (rows.index == rows.index[-1])].tail(24)
    aged = data.aged_over_time(page.warehouse, page.filters, page.scope)
    children += [
        dbc.Row([dbc.Col(_dso_trend(trend, available, page), lg=6),
                 dbc.Col(_dso_bridge(page), lg=6)], className="mt-3"),
        _aged_over_time(page, aged),
        html.P(page.t("Click a bar to open that bucket in the aged balance."),
               className="text-muted small"),
    ]
    return children


def _dso_trend(trend: pd.DataFrame, available: set[str], page: Page):
    if "dso_simple" not in available:
        return components.not_available(page.t("DSO trend"),
                                        page.t("not computable for these filters."))
    traces = [{"type": "scatter", "mode": "lines+markers",
               "name": page.catalogue.column_label(column, page.locale),
               "x": components.iso(trend["as_of_date"]), "y": components.values(trend[column])}
              for column in ("dso_simple", "dso_countback", "best_possible_dso")
              if column in available]
    target = page.catalogue.kpi("dso_simple").target
    shapes = [components.target_shape(target, page.t("Target {target}", target=formatting.kpi(
        target, "days", 0, page.locale)))] if target is not None else []
    return components.graph(ids.page_id(PAGE, "dso-trend"), components.figure(
        traces, page.t("DSO over 24 months, three methods"), page, shapes=shapes,
        yaxis={"title": {"text": page.t("days")}}), page)


BRIDGE_STEPS = (("terms_effect", "Terms"),
                ("disputed_delinquency_effect", "Disputed<br>delinquency"),
                ("undisputed_delinquency_effect", "Undisputed<br>delinquency"))


def _dso_bridge(page: Page):
    bridge = data.dso_bridge(page.warehouse, page.filters, page.scope)
    if bridge is None:
        return components.not_available(page.t("DSO bridge"), page.t(
            "published for the company and for one segment, region, country, business "
            "unit or collector at a time, from the second as-of date on."))
    steps = [(page.t(label), float(bridge[column])) for column, label in BRIDGE_STEPS
             if not formatting.is_missing(bridge.get(column))]
    start, end = float(bridge["dso_previous"]), float(bridge["dso_current"])
    # DSO up is worse: a step that adds days is red, one that removes days green.
    levels = [start]
    for _, step in steps:
        levels.append(levels[-1] + step)
    low, high = min(*levels, end), max(*levels, end)
    margin = max((high - low) * 0.35, 1.0)

    def days(value: float, signed: bool = False) -> str:
        text = formatting.kpi(value, "days", 1, page.locale)
        return f"+{text}" if signed and value > 0 else text

    waterfall = {
        "type": "waterfall", "orientation": "v",
        "x": [page.t("Previous<br>DSO"), *[label for label, _ in steps], page.t("DSO")],
        "y": [start, *[step for _, step in steps], end],
        "measure": ["absolute", *["relative"] * len(steps), "total"],
        "text": [days(start), *[days(step, signed=True) for _, step in steps], days(end)],
        "textposition": "outside", "cliponaxis": False,
        "increasing": {"marker": {"color": WORSE}},
        "decreasing": {"marker": {"color": BETTER}},
        "totals": {"marker": {"color": TOTAL}},
        "connector": {"line": {"color": "#9aa5b1"}}, "showlegend": False}
    previous = formatting.date(bridge["previous_as_of_date"], page.locale)
    change = end - start
    verdict = page.t("worse") if change > 0 else page.t("better") if change < 0 else ""
    title = page.t("DSO bridge since {date}: {change} ({verdict})", date=previous,
                   change=days(change, signed=True), verdict=verdict) if verdict else \
        page.t("DSO bridge since {date}", date=previous)
    return components.graph(ids.page_id(PAGE, "dso-bridge"), components.figure(
        [waterfall], title, page,
        # the axis shows the steps: from just below the lowest level, not from 0 (the
        # first and last bars, which start at 0, are cut by the range)
        yaxis={"range": [low - margin, high + margin], "title": {"text": page.t("days")}},
        margin={"t": 50}), page)


def _aged_over_time(page: Page, aged: pd.DataFrame):
    """Stacked buckets by month: one bar per month, labelled by its month (a click opens
    that date's bucket: the date rides in customdata)."""
    traces = components.bucket_traces(aged, "as_of_date", page)
    for trace in traces:
        trace["customdata"] = [[bucket, day] for bucket, day in
                               zip(trace["customdata"], trace["x"], strict=True)]
        trace["x"] = [formatting.month(day, page.locale) for day in trace["x"]]
    months = [formatting.month(day, page.locale)
              for day in sorted(set(components.iso(aged["as_of_date"])))]
    return components.graph(AGED_CHART, components.figure(
        traces, page.t("Aged balance over time"), page, height=380, barmode="relative",
        xaxis={"type": "category", "categoryorder": "array", "categoryarray": months}), page)


@callback(Output(ids.URL, "href", allow_duplicate=True), Input(AGED_CHART, "clickData"),
          State(ids.URL, "search"), prevent_initial_call=True)
def open_bucket(click, search):
    """Drill from a bar (month x bucket) to that bucket's customers."""
    if not click:
        return no_update
    bucket, as_of = click["points"][0]["customdata"]
    filters = data.Filters.from_query(dict(parse_qsl((search or "").lstrip("?"))))
    query = {**filters.to_query(), "as_of": as_of, "bucket": bucket}
    return "/aged?" + urlencode(query)

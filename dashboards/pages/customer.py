"""Customer: account statement, disputes, calls and promises, profile and risk grade,
credit limit use. A customer outside the user's scope reads as "not found"."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from dashboards import components, data, formatting
from dashboards.components import Page

dash.register_page(__name__, path_template="/customer/<customer_id>", name="Customer",
                   title="Customer", nav=False, order=9)
PAGE = "customer"


def layout(customer_id: str | None = None, **query):
    return components.render(PAGE, f"/customer/{customer_id}", query,
                             lambda page: _body(page, customer_id or ""))


def _body(page: Page, customer_id: str) -> list:
    file = data.customer_file(page.warehouse, customer_id, page.filters, page.scope)
    if file is None:
        return [dbc.Alert(f"Customer {customer_id!r} not found, or not allowed for your role.",
                          color="danger", id="customer-not-found")]
    customer = file.customer
    locale = page.locale
    total = float(file.open_items["open_amount"].sum()) if not file.open_items.empty else 0.0
    overdue = float(file.open_items.loc[file.open_items["days_past_due"] > 0,
                                        "open_amount"].sum())
    limit = customer.get("credit_limit")
    limit = None if limit is None or pd.isna(limit) else float(limit)
    header = [
        html.H3([customer["customer_name"], html.Small(f"  {customer_id}",
                                                       className="text-muted")],
                id="customer-name"),
        html.P(" · ".join(str(customer.get(c)) for c in
                          ("segment", "region", "country", "business_unit", "collector_id")
                          if customer.get(c) is not None), className="text-muted"),
        dbc.Row([
            components.kpi_tile("customer-tile-balance", "Balance", "amount", total, None, None,
                                "Open items at the as-of date, net of unapplied cash and "
                                "credit notes.", locale),
            components.kpi_tile("customer-tile-overdue", "Overdue", "amount", overdue, None,
                                None, "Open amount of items past their due date.", locale),
            components.kpi_tile("customer-tile-limit", "Credit limit", "amount", limit, None,
                                None, "Credit limit granted (empty: no limit).", locale),
            dbc.Col(_limit_use(total, limit, locale), md=6),
        ], className="g-2"),
    ]
    tabs = dbc.Tabs([
        dbc.Tab(_statement(page, file), label="Account statement", tab_id="statement"),
        dbc.Tab(components.table("customer-disputes", file.disputes, locale),
                label=f"Disputes ({len(file.disputes)})", tab_id="disputes"),
        dbc.Tab(_timeline(page, file), label="Calls and promises", tab_id="calls"),
        dbc.Tab(_profile(file), label="Payer profile and risk", tab_id="profile"),
    ], active_tab="statement", id="customer-tabs", className="mt-3")
    return [*header, tabs]


def _limit_use(total: float, limit: float | None, locale: str):
    if not limit:
        return html.Div("No credit limit set.", className="text-muted mt-3")
    use = total / limit
    return html.Div([
        html.Div(f"Credit limit use: {formatting.percent(use, 0, locale)}", className="mt-2"),
        dbc.Progress(value=min(use, 1) * 100, color="danger" if use > 1 else
                     "warning" if use > 0.8 else "success", id="customer-limit-use"),
    ])


def _statement(page: Page, file: data.CustomerFile) -> html.Div:
    locale = page.locale
    children = [html.H5(f"Open items at {formatting.date(page.filters.as_of, locale)}",
                        className="mt-3"),
                components.table("customer-open-items", file.open_items, locale, height=300)]
    if file.statement is not None:
        children += [html.H5("Account statement: documents, payments and credit notes"),
                     components.table("customer-statement", file.statement, locale,
                                      height=360)]
    else:
        children.append(dbc.Row([
            dbc.Col([html.H5("Payments"), components.table("customer-payments", file.payments,
                                                           locale, height=300)], md=7),
            dbc.Col([html.H5("Credit notes"), components.table(
                "customer-credit-notes", file.credit_notes, locale, height=300)], md=5)]))
    return html.Div(children, id="customer-statement")


def _timeline(page: Page, file: data.CustomerFile) -> html.Div:
    calls = file.calls
    history = file.balance_history.groupby("as_of_date", as_index=False)["open_amount"].sum()
    traces = [{"type": "scatter", "mode": "lines", "name": "Balance",
               "x": components.iso(history["as_of_date"]),
               "y": components.values(history["open_amount"]), "line": {"color": "#1f4e79"}}]
    for outcome, rows in calls.groupby("outcome"):
        traces.append({"type": "scatter", "mode": "markers", "name": outcome, "yaxis": "y2",
                       "x": rows["call_time"].dt.strftime("%Y-%m-%d %H:%M").tolist(),
                       "y": [0] * len(rows), "marker": {"size": 10, "symbol": "diamond"}})
    promises = calls.dropna(subset=["promised_date"])
    if not promises.empty:
        traces.append({"type": "scatter", "mode": "markers", "name": "promised (date, amount)",
                       "x": components.iso(promises["promised_date"]),
                       "y": components.values(promises["promised_amount"]),
                       "marker": {"size": 9, "symbol": "star"}})
    return html.Div([
        components.graph("customer-timeline", components.figure(
            traces, "Balance, calls and promises", page.locale,
            yaxis2={"overlaying": "y", "visible": False, "range": [-1, 10]})),
        components.table("customer-calls", calls, page.locale, height=300),
    ], className="mt-3")


def _profile(file: data.CustomerFile) -> html.Div:
    if file.profile is None:
        return components.not_available("Payer profile", "no marts.customer_profile row.")
    profile = file.profile
    grade = next((profile[k] for k in ("risk_grade", "grade") if k in profile), None)
    reasons = next((profile[k] for k in profile if "reason" in k), None)
    rows = [html.Tr([html.Th(key.replace("_", " ")), html.Td(_plain(value))])
            for key, value in profile.items() if key != "customer_id"]
    return html.Div([
        html.H4(["Risk grade ", dbc.Badge(str(grade), color={
            "A": "success", "B": "success", "C": "warning", "D": "danger", "E": "danger"}.get(
                str(grade), "secondary"), id="customer-risk-grade")], className="mt-3"),
        html.P(_plain(reasons), id="customer-risk-reasons") if reasons is not None else None,
        dbc.Table(html.Tbody(rows), size="sm", striped=True, className="mt-2"),
    ])


def _plain(value) -> str:
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    if hasattr(value, "tolist"):
        return "; ".join(str(v) for v in value.tolist())
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value)

"""Customer: everything at the selected as-of date (balances, open items, statement,
disputes, calls and promises, payer profile and risk grade of that date), and the
collector's call sheet. A customer outside the user's scope reads as "not found"."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboards import components, data, formatting
from dashboards.components import Page
from dashboards.pages._call_sheet import call_sheet
from dashboards.pages._lifecycle import flag_lines, with_lifecycle_status
from dashboards.pages._widgets import grade_badge, in_language, risk_reasons, value

dash.register_page(__name__, path_template="/customer/<customer_id>", name="Customer",
                   title="Customer", nav=False, order=9)
PAGE = "customer"
CALL_COLUMNS = ("call_time", "channel", "stage", "is_right_party_contact", "outcome",
                "promised_amount", "promised_date", "collector_id")
TABS = ("statement", "call-sheet", "disputes", "calls", "profile")
# The open items with their latest e-invoicing status and their payment forecast at the
# as-of date. So that they fit at 1440 px in French too, the document date, the days past
# due (the aging bucket says them), whether in dispute (the forecast's basis says it, the
# disputes tab lists them), the status's date (the call sheet tab shows it), the
# collector's flag (named in full above the items) and the forecast's reasons (long texts)
# are behind the "Columns" chooser.
OPEN_ITEM_COLUMNS = ("document_id", "due_date", "aging_bucket", "open_amount",
                     "lifecycle_status_code", "expected_payment_date", "p_paid_30d",
                     "forecast_basis")
HEADER_TILES = ("total_ar", "overdue_ar", "disputed_ar", "credit_limit", "credit_limit_use",
                "avg_days_beyond_terms_12m")
# The payer profile, in groups a credit manager reads top-down (columns of
# marts.customer_profile_history; those the warehouse lacks are skipped).
PROFILE_GROUPS = (
    ("Balance", ("total_ar", "not_due_ar", "overdue_ar", "overdue_rate", "overdue_invoices",
                 "oldest_days_past_due", "unapplied_cash_amount",
                 "unapplied_credit_notes_amount", "oldest_unapplied_cash_days",
                 "is_to_reconcile", "amount_to_reconcile", "late_payment_penalties")),
    ("Credit limit", ("credit_limit", "credit_limit_use", "available_credit",
                      "is_over_limit", "over_limit_amount")),
    ("Payment behaviour (12 months)", (
        "dmp_days_12m", "contract_terms_days_12m", "avg_days_beyond_terms_12m",
        "avg_days_beyond_terms_12m_3_months_before", "days_beyond_terms_trend",
        "settled_invoices_12m", "share_paid_late_12m")),
    ("Disputes and promises", (
        "open_disputes", "disputed_ar", "disputes_opened_12m", "promises_made_12m",
        "promised_amount_12m", "promises_matured_12m", "promises_kept_12m",
        "promises_broken_12m", "promise_kept_rate_12m", "last_broken_promise_date")),
    ("Risk", ("risk_grade", "risk_grade_3_months_before", "risk_points", "risk_floor_applied",
              "is_grade_worsening", "is_paying_later", "is_worsening", "last_payment_date",
              "days_without_payment")),
)


def layout(customer_id: str | None = None, **query):
    return components.render(PAGE, f"/customer/{customer_id}", query,
                             lambda page: _body(page, customer_id or ""))


def _body(page: Page, customer_id: str) -> list:
    file = data.customer_file(page.warehouse, customer_id, page.filters, page.scope)
    if file is None:
        return [dbc.Alert(page.t("Customer {customer} not found, or not allowed for your role.",
                                 customer=repr(customer_id)),
                          color="danger", id="customer-not-found")]
    customer, profile = file.customer, file.profile or {}
    as_of = formatting.date(page.filters.as_of, page.locale)
    dimensions = " · ".join(str(customer[name]) for name in
                            ("segment", "region", "country", "business_unit", "collector_id")
                            if not formatting.is_missing(customer.get(name)))
    tiles = []
    for name in HEADER_TILES:
        unit, decimals = page.catalogue.column_format(name)
        source = customer if name == "credit_limit" else profile
        tiles.append(components.kpi_tile(
            page, f"{PAGE}-tile-{name}", page.catalogue.column_label(name, page.locale), unit,
            source.get(name), decimals=decimals,
            definition=page.catalogue.description(name, "customer_profile_history")))
    header = [
        html.H3([customer["customer_name"], html.Small(f"  {customer_id}",
                                                       className="text-muted"),
                 grade_badge(page, profile.get("risk_grade"), "customer-header-grade")],
                id="customer-name"),
        html.P([dimensions, html.Br(), html.Strong(page.t("As of {date}", date=as_of)), ": ",
                page.t("balances, open items, the statement, the payer profile and the risk "
                       "grade are those of that date; pick another date in the filters.")],
               className="text-muted", id="customer-as-of"),
        dbc.Row(tiles, className="g-2"),
    ]
    active = page.query.get("tab") if page.query.get("tab") in TABS else "statement"
    tabs = dbc.Tabs([
        dbc.Tab(_statement(page, file), label=page.t("Account statement"), tab_id="statement"),
        dbc.Tab(html.Div([
            html.Div(dcc.Link(page.t("Printable call sheet"),
                              href=page.call_sheet_href(customer_id),
                              className="btn btn-sm btn-outline-primary",
                              id="customer-call-sheet-link"), className="text-end my-2"),
            call_sheet(page, customer_id, file)]), label=page.t("Call sheet"),
            tab_id="call-sheet"),
        dbc.Tab(html.Div(components.table("customer-disputes", file.disputes, page,
                                          pinned=("dispute_id",)), className="mt-3"),
                label=page.t("Disputes ({count})", count=len(file.disputes)), tab_id="disputes"),
        dbc.Tab(_timeline(page, file), label=page.t("Calls and promises"), tab_id="calls"),
        dbc.Tab(_profile(page, file), label=page.t("Payer profile and risk"), tab_id="profile"),
    ], active_tab=active, id="customer-tabs", className="mt-3")
    return [*header, tabs]


def _statement(page: Page, file: data.CustomerFile) -> html.Div:
    as_of = formatting.date(page.filters.as_of, page.locale)
    return html.Div([
        html.H5(page.t("Open items at {date}", date=as_of), className="mt-3"),
        html.P(page.t("Expected payment date, probability of payment within 30 days and "
                      "what the forecast rests on: the cash forecast made at {date} (blank "
                      "when none was made that day).", date=as_of),
               className="text-muted small mb-1")
        if "expected_payment_date" in file.open_items else None,
        flag_lines(page, file.open_items, "customer-lifecycle-flags", "small mb-1"),
        components.table("customer-open-items",
                         in_language(with_lifecycle_status(page, file.open_items),
                                     page.locale, "forecast_reasons"),
                         page, pinned=("document_id",),
                         columns=OPEN_ITEM_COLUMNS,
                         descriptions="invoice_payment_forecast"),
        html.H5(page.t("Account statement up to {date}: documents, payments and credit notes",
                       date=as_of)),
        components.table("customer-statement", file.statement, page, pinned=("entry_date",)),
    ], id="customer-statement")


def _timeline(page: Page, file: data.CustomerFile) -> html.Div:
    history, calls, promises = file.balance_history, file.calls, file.promises
    traces = [{"type": "scatter", "mode": "lines+markers",
               "name": page.catalogue.column_label(column, page.locale),
               "x": components.iso(history["as_of_date"]),
               "y": components.values(history[column]), "line": {"color": colour}}
              for column, colour in (("total_ar", "#1f4e79"), ("overdue_ar", "#c62828"))]
    for outcome, rows in calls.groupby("outcome"):
        traces.append({"type": "scatter", "mode": "markers", "yaxis": "y2",
                       "name": str(page.catalogue.value_label("outcome", outcome, page.locale)),
                       "x": rows["call_time"].dt.strftime("%Y-%m-%d %H:%M").tolist(),
                       "y": [0] * len(rows), "marker": {"size": 10, "symbol": "diamond"}})
    if not promises.empty:
        traces.append({"type": "scatter", "mode": "markers",
                       "name": page.t("Promised (date, amount)"),
                       "x": components.iso(promises["promised_date"]),
                       "y": components.values(promises["promised_amount"]),
                       "marker": {"size": 10, "symbol": "star"}})
    return html.Div([
        components.graph("customer-timeline", components.figure(
            traces, page.t("Balance, calls and promises"), page, height=400,
            yaxis2={"overlaying": "y", "visible": False, "range": [-1, 10]},
            legend={"y": -0.25}, margin={"b": 80}), page),
        html.H5(page.t("Promises")),
        components.table("customer-promises", file.promises, page, pinned=("call_date",)),
        html.H5(page.t("Calls")),
        components.table("customer-calls", calls, page, pinned=("call_time",),
                         columns=CALL_COLUMNS),
    ], className="mt-3")


def _profile(page: Page, file: data.CustomerFile) -> html.Div:
    profile = file.profile
    as_of = formatting.date(page.filters.as_of, page.locale)
    if profile is None:
        return components.not_available(page.t("Payer profile"),
                                        page.t("no profile at {date}.", date=as_of))
    groups = []
    for title, names in PROFILE_GROUPS:
        rows = [html.Tr([html.Th(page.catalogue.column_label(name, page.locale),
                                 className="fw-normal text-muted w-50"),
                         html.Td(value(page, profile, name), id=f"customer-profile-{name}")])
                for name in names if name in profile]
        if rows:
            groups.append(dbc.Col([html.H6(page.t(title), className="mt-2"),
                                   dbc.Table(html.Tbody(rows), size="sm", className="mb-2")],
                                  lg=6))
    return html.Div([
        html.H4([page.t("Risk grade at {date}", date=as_of),
                 grade_badge(page, profile.get("risk_grade"), "customer-risk-grade")],
                className="mt-3"),
        html.P(risk_reasons(page, profile), id="customer-risk-reasons"),
        dbc.Row(groups, className="g-4"),
    ], id="customer-profile")

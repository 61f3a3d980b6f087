"""The collector's call sheet ("fiche de relance"): what one call needs, on one A4 page.

Drawn by the printable page (call_sheet.py, `/call-sheet/<customer_id>?as_of=...`) and
by the call-sheet tab of the customer page. Plain HTML tables, not grids: they print.
Not a page itself (the leading underscore keeps Dash from loading it as one)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from dashboards import data, formatting
from dashboards.components import Page
from dashboards.pages._lifecycle import flag_lines, status_date_label, with_lifecycle_status
from dashboards.pages._widgets import grade_badge, risk_reasons, small_table, value

OPEN_ITEMS_SHOWN = 12  # the oldest items; the sheet says how many more there are
# With each item, its latest e-invoicing status and its date (⚠: flagged, the flags are
# named in full above the items) and when it should come in: the cash forecast made at the
# sheet's date. One line per item, so that the sheet prints on one A4 page.
OPEN_ITEM_COLUMNS = ("document_id", "due_date", "days_past_due", "open_amount", "is_disputed",
                     "lifecycle_status_code", "lifecycle_status_date", "expected_payment_date",
                     "p_paid_30d", "forecast_basis")


def _terms(page: Page, customer: dict) -> str:
    basis = {"invoice_date": page.t("net"), "end_of_month": page.t("end of month")}.get(
        customer.get("payment_terms_basis"), customer.get("payment_terms_basis") or "")
    days = customer.get("payment_terms_days")
    if formatting.is_missing(days):
        return page.t("n/a")
    return page.t("{days} days {basis}", days=int(days), basis=basis).strip()


def _line(page: Page, label: str, text, line_id: str | None = None) -> html.Div:
    extra = {"id": line_id} if line_id else {}
    return html.Div([html.Span(f"{label} ", className="text-muted"), text],
                    className="call-sheet-line", **extra)


def _who(page: Page, sheet: data.CallSheet) -> list:
    customer, profile = sheet.customer, sheet.profile or {}
    limit = customer.get("credit_limit")
    if formatting.is_missing(limit):
        limit_text = page.t("no credit limit")
    else:
        limit_text = page.t("{limit}, {use} used", limit=formatting.amount(limit, page.locale),
                            use=formatting.percent(profile.get("credit_limit_use"), 0,
                                                   page.locale))
        if profile.get("is_over_limit"):
            limit_text += " · " + page.t("{amount} over", amount=formatting.amount(
                profile.get("over_limit_amount"), page.locale))
    return [
        html.H6(page.t("Who"), className="call-sheet-heading"),
        _line(page, page.t("Risk grade"), html.Span([
            grade_badge(page, profile.get("risk_grade"), "call-sheet-grade"), " ",
            html.Span(risk_reasons(page, profile), id="call-sheet-grade-reasons")])),
        _line(page, page.t("Terms"), _terms(page, customer)),
        _line(page, page.t("Credit limit"), limit_text, "call-sheet-limit"),
        _line(page, page.t("Collector"), customer.get("collector_id") or page.t("none")),
        _line(page, page.t("Balance"), page.t(
            "{total} in all, {overdue} overdue, {disputed} disputed",
            total=formatting.amount(profile.get("total_ar"), page.locale),
            overdue=formatting.amount(profile.get("overdue_ar"), page.locale),
            disputed=formatting.amount(profile.get("disputed_ar"), page.locale)),
            "call-sheet-balance"),
    ]


def _why_now(page: Page, sheet: data.CallSheet) -> list:
    row, profile = sheet.worklist, sheet.profile or {}
    if row is not None:
        reason = row.get("reason_fr") if page.locale == "fr" else row.get("reason")
        rank = page.t("Rank {rank} in {collector}'s queue (company rank {overall})",
                      rank=row["collector_rank"], collector=row.get("collector_id") or "",
                      overall=row["priority_rank"])
        lines = [html.Div(reason, className="call-sheet-reason fw-semibold",
                          id="call-sheet-reason"),
                 html.Div(rank, className="small text-muted")]
    elif profile.get("is_to_reconcile"):
        lines = [html.Div(page.t(
            "To reconcile before any reminder: the {overdue} overdue is covered by "
            "{cash} of unapplied cash and {notes} of unapplied credit notes.",
            overdue=formatting.amount(profile.get("overdue_ar"), page.locale),
            cash=formatting.amount(profile.get("unapplied_cash_amount"), page.locale),
            notes=formatting.amount(profile.get("unapplied_credit_notes_amount"),
                                    page.locale)), className="call-sheet-reason fw-semibold",
            id="call-sheet-reason")]
    else:
        lines = [html.Div(page.t("Not on the worklist of {date}.", date=formatting.date(
            sheet.run_as_of, page.locale)), className="call-sheet-reason",
            id="call-sheet-reason")]
    if sheet.as_of != sheet.run_as_of:
        lines.append(html.Div(page.t(
            "The worklist is drawn up at the run date, {date}; everything else on this "
            "sheet is at {as_of}.", date=formatting.date(sheet.run_as_of, page.locale),
            as_of=formatting.date(sheet.as_of, page.locale)), className="small text-muted"))
    habit = page.t(
        "{beyond} beyond terms on average over 12 months (3 months before: {before}), "
        "{late} of invoices paid late, {kept} promises kept and {broken} broken in 12 "
        "months.",
        beyond=value(page, profile, "avg_days_beyond_terms_12m"),
        before=value(page, profile, "avg_days_beyond_terms_12m_3_months_before"),
        late=value(page, profile, "share_paid_late_12m"),
        kept=value(page, profile, "promises_kept_12m"),
        broken=value(page, profile, "promises_broken_12m"))
    return [html.H6(page.t("Why now"), className="call-sheet-heading"), *lines,
            html.H6(page.t("Payment habit"), className="call-sheet-heading mt-2"),
            html.Div(habit, id="call-sheet-habit")]


def call_sheet(page: Page, customer_id: str,
               file: data.CustomerFile | None = None) -> html.Div | dbc.Alert:
    """The sheet at the page's as-of date (or a not-found alert: no leak); `file`: the
    customer page's data, reused."""
    sheet = data.call_sheet(page.warehouse, customer_id, page.filters, page.scope, file)
    if sheet is None:
        return dbc.Alert(page.t("Customer {customer} not found, or not allowed for your role.",
                                customer=repr(customer_id)),
                         color="danger", id="customer-not-found")
    customer = sheet.customer
    items = sheet.open_items[sheet.open_items["document_id"].notna()]
    more = len(items) - OPEN_ITEMS_SHOWN
    shown = with_lifecycle_status(page, items.head(OPEN_ITEMS_SHOWN))
    dimensions = " · ".join(str(customer[name]) for name in
                            ("segment", "region", "country", "business_unit")
                            if not formatting.is_missing(customer.get(name)))
    return html.Div([
        html.Div([
            html.H4([page.t("Call sheet: {customer}", customer=customer["customer_name"]),
                     html.Small(f"  {customer_id}", className="text-muted")],
                    className="mb-0", id="call-sheet-title"),
            html.Div([page.t("As of {date}", date=formatting.date(sheet.as_of, page.locale)),
                      f" · {dimensions}"], className="text-muted small",
                     id="call-sheet-as-of"),
        ], className="mb-2"),
        dbc.Row([dbc.Col(_who(page, sheet), width=6), dbc.Col(_why_now(page, sheet), width=6)],
                className="g-3 mb-2"),
        html.H6(page.t("Open items"), className="call-sheet-heading"),
        flag_lines(page, items, "call-sheet-lifecycle-flags"),
        small_table(page, shown, [name for name in OPEN_ITEM_COLUMNS if name in shown],
                    "call-sheet-open-items", page.t("No open item."),
                    labels=status_date_label(page)),
        html.Div(page.t("... and {count} more open items (oldest shown first).", count=more),
                 className="small text-muted") if more > 0 else None,
        dbc.Row([
            dbc.Col([html.H6(page.t("Promises"), className="call-sheet-heading"),
                     small_table(page, sheet.promises,
                                 ["call_date", "promised_date", "promised_amount",
                                  "paid_amount", "promise_status"],
                                 "call-sheet-promises", page.t("No promise."))], width=6),
            dbc.Col([html.H6(page.t("Open disputes"), className="call-sheet-heading"),
                     small_table(page, sheet.open_disputes,
                                 ["document_id", "age_days", "reason", "owner",
                                  "disputed_amount"], "call-sheet-disputes",
                                 page.t("No open dispute."))], width=6),
        ], className="g-3 mt-1"),
        html.H6(page.t("Last calls"), className="call-sheet-heading mt-1"),
        small_table(page, sheet.calls,
                    ["call_time", "channel", "stage", "is_right_party_contact", "outcome",
                     "promised_amount", "promised_date"], "call-sheet-calls",
                    page.t("No call yet.")),
    ], className="call-sheet", style={"fontSize": "11px", "maxWidth": "1000px"})

"""E-invoicing lifecycle pieces several pages draw (not a page: the leading underscore
keeps Dash from loading it as one): each open item's latest platform status and the
collector's flags (customer page, call sheet); the platforms' refusal and dispute reasons
next to the dispute log's, and the customers whose platform disputes the log never
recorded (lifecycle and disputes pages)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from dashboards import components, data, formatting
from dashboards.components import Page

SOURCE_COLOURS = {"lifecycle": "#1f4e79", "dispute_log": "#e08e0b"}
REASON_COLUMNS = ("source", "status_code", "reason", "requested_action", "invoices", "amount")
WARNING_COLUMNS = ("customer_name", "segment", "collector_id", "platform_disputes",
                   "platform_disputes_not_in_log", "invoices_issued", "invoices_with_status",
                   "coverage")


def status_label(page: Page, code: object) -> str:
    """A lifecycle status code in words (value_labels field `status_code`)."""
    if formatting.is_missing(code):
        return ""
    return str(page.catalogue.value_label("status_code", int(code), page.locale))


def status_date_label(page: Page) -> dict[str, str]:
    """The header of the status's date (derived here, so the seeds may not label it)."""
    if "lifecycle_status_date" in page.catalogue.columns:
        return {}
    return {"lifecycle_status_date": page.t("Status date")}


def flag_text(page: Page, flag: object) -> str:
    """The collector's flag of an open item, short (a table cell)."""
    return {"never_made_available": page.t("Never received: do not chase"),
            "rejected": page.t("Rejected: reissue")}.get(flag, "") \
        if isinstance(flag, str) else ""


def with_lifecycle_status(page: Page, items: pd.DataFrame,
                          dated: bool = False) -> pd.DataFrame:
    """Open items with their latest platform status in words (in `lifecycle_status_code`;
    `dated`: followed by its date, else the date in `lifecycle_status_date`), marked ⚠ when
    flagged, and the flag in words (`lifecycle_flag`); a copy, unchanged when the warehouse
    has no lifecycle columns."""
    items = items.copy()
    if "lifecycle_status_code" not in items:
        return items
    dates = pd.to_datetime(items["lifecycle_status_at"]).dt.normalize()
    statuses = []
    for code, day, flag in zip(items["lifecycle_status_code"], dates, items["lifecycle_flag"],
                               strict=True):
        status = status_label(page, code)
        if dated and status and not formatting.is_missing(day):
            status = f"{status}, {formatting.date(day, page.locale)}"
        statuses.append(f"⚠ {status}" if isinstance(flag, str) else status)
    items["lifecycle_status_code"] = statuses
    items["lifecycle_status_date"] = dates
    items["lifecycle_flag"] = [flag_text(page, flag) for flag in items["lifecycle_flag"]]
    return items.drop(columns="lifecycle_status_at")


def flag_lines(page: Page, items: pd.DataFrame, line_id: str,
               class_name: str = "") -> html.Div | None:
    """One line per kind of flag naming the invoices: what the collector must (not) do."""
    if "lifecycle_flag" not in items:
        return None
    lines = []
    for flag, text, colour in (
            ("never_made_available", page.t(
                "Never received: {documents} never made available to the customer by the "
                "e-invoicing platform. Do not chase, check the platform."), "text-danger"),
            ("rejected", page.t(
                "Rejected by the platform: {documents}. A rejected invoice does not legally "
                "exist: reissue it."), "text-danger")):
        documents = items.loc[items["lifecycle_flag"] == flag, "document_id"].dropna()
        if not documents.empty:
            lines.append(html.Div(["⚠ ", text.format(documents=", ".join(documents))],
                                  className=f"fw-semibold {colour} {class_name}",
                                  id=f"{line_id}-{flag}"))
    return html.Div(lines, id=line_id) if lines else None


# --- reasons: the platforms' next to the dispute log's ------------------------------------

def _source(page: Page, source: str) -> str:
    return str(page.catalogue.value_label("source", source, page.locale))


def reasons_in_words(page: Page, reasons: pd.DataFrame) -> pd.DataFrame:
    """The reasons with their labels (value_labels: a platform's reason code and a dispute
    log's reason under the same field), the status and the requested action too."""
    shown = reasons.copy()
    shown["reason"] = [
        page.t("(no reason given)") if formatting.is_missing(reason)
        else str(page.catalogue.value_label("reason", reason, page.locale))
        for reason in shown["reason"]]
    shown["status_code"] = [status_label(page, code) for code in shown["status_code"]]
    shown["requested_action"] = [
        "" if formatting.is_missing(action) else
        str(page.catalogue.value_label("requested_action", action, page.locale))
        for action in shown["requested_action"]]
    shown["source"] = [_source(page, source) for source in shown["source"]]
    return shown


def count_axis(largest: object) -> dict:
    """An axis of counts: whole numbers, from zero (Plotly would tick 0.5 under 10)."""
    small = not formatting.is_missing(largest) and float(largest) <= 10
    return {"rangemode": "tozero", **({"dtick": 1} if small else {})}


def reasons_chart(page: Page, reasons: pd.DataFrame, chart_id: str, title: str) -> dict:
    """Invoices by reason, one bar colour per source (the platforms', the dispute log's)."""
    traces = []
    for source, colour in SOURCE_COLOURS.items():
        rows = reasons[reasons["source"] == source]
        if rows.empty:
            continue
        labels = reasons_in_words(page, rows)["reason"].tolist()
        traces.append({"type": "bar", "orientation": "h", "name": _source(page, source),
                       "y": labels, "x": components.values(rows["invoices"]),
                       "marker": {"color": colour},
                       "customdata": [formatting.amount(value, page.locale)
                                      for value in rows["amount"]],
                       "hovertemplate": "%{y}: %{x} · %{customdata}"
                                        "<extra>%{fullData.name}</extra>"})
    return components.graph(chart_id, components.figure(
        traces, title, page, height=140 + 24 * len(reasons),
        yaxis={"automargin": True, "autorange": "reversed", "type": "category"},
        xaxis=count_axis(reasons["invoices"].max()),
        legend={"y": -0.25, "yanchor": "top"}, margin={"l": 20}), page)


def reasons_table(page: Page, reasons: pd.DataFrame, key: str) -> html.Div:
    return components.table(key, reasons_in_words(page, reasons), page,
                            columns=REASON_COLUMNS, pinned=("source",),
                            descriptions="lifecycle_reasons")


def not_in_log_warning(page: Page, coverage: pd.DataFrame, key: str,
                       export: str | None = None) -> list:
    """The customers whose platform disputes the dispute log never recorded
    (`coverage`: data.lifecycle_coverage(..., warnings_only=True)): one line, then their
    list linked to the customer pages."""
    found = data.rows_in_selection(coverage)
    warnings = coverage[coverage["platform_disputes_not_in_log"] > 0].copy()
    if warnings.empty:
        return [html.P(page.t("Every dispute or refusal on the platforms is in the dispute "
                              "log."), className="text-muted small", id=f"{key}-none")]
    warnings["customer_href"] = [page.customer_href(c) for c in warnings["customer_id"]]
    total = int(warnings["platform_disputes_not_in_log"].sum())
    return [dbc.Alert(page.t(
        "Data quality: invoices disputed or refused on the e-invoicing platforms but missing "
        "from the dispute log: {count}, at {customers} customer(s). Record them so that the "
        "department in charge acts on them.", count=formatting.number(total, 0, page.locale),
        customers=formatting.number(found, 0, page.locale)),
        color="warning", className="py-2 mb-2", id=f"{key}-alert"),
        components.table(key, warnings, page, links={"customer_name": "customer_href"},
                         columns=WARNING_COLUMNS, pinned=("customer_name",), export=export,
                         descriptions="lifecycle_coverage_by_customer")]

"""Small pieces several pages draw (not a page: the leading underscore keeps Dash from
loading it as one)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from dashboards import components, data, formatting
from dashboards.components import Page

CELL = {"padding": "2px 6px", "lineHeight": "1.3"}  # compact rows: the call sheet fits A4
GRADE_COLOURS = {"A": "success", "B": "success", "C": "warning", "D": "danger", "E": "danger"}


def grade_badge(page: Page, grade: object, badge_id: str | None = None) -> dbc.Badge:
    grade = "" if formatting.is_missing(grade) else str(grade)
    extra = {"id": badge_id} if badge_id else {}
    return dbc.Badge(grade or page.t("n/a"), color=GRADE_COLOURS.get(grade, "secondary"),
                     className="ms-1", **extra)


def value(page: Page, frame_or_row, name: str) -> str:
    """A column's value formatted by its catalogue unit (codes as their labels)."""
    raw = frame_or_row.get(name) if isinstance(frame_or_row, dict) else frame_or_row[name]
    # a column the catalogue lacks is formatted by its type
    unit, decimals = page.catalogue.column_format(name, pd.Series([raw]))
    if unit == "text" and not formatting.is_missing(raw):
        return str(page.catalogue.value_label(name, raw, page.locale))
    return formatting.kpi(raw, unit, decimals, page.locale)


def small_table(page: Page, frame: pd.DataFrame, columns: list[str], table_id: str,
                empty: str, labels: dict[str, str] | None = None) -> html.Div:
    """A compact table with catalogue headers and formatted cells."""
    if frame.empty:
        return html.P(empty, className="text-muted mb-1", id=table_id)
    labels = labels or {}
    units = {name: page.catalogue.column_format(name, frame[name])[0] for name in columns}
    # numbers right-aligned under right-aligned headers; dates never broken over two lines
    numeric = {name for name in columns if units[name] in components.NUMERIC_UNITS}
    classes = {name: "text-end text-nowrap" if name in numeric
               else "text-nowrap" if units[name] in ("date", "datetime")
               or name.endswith("_id") else None
               for name in columns}
    head = html.Thead(html.Tr([html.Th(labels.get(name) or
                                       page.catalogue.column_label(name, page.locale),
                                       className="text-end" if name in numeric else None,
                                       style=CELL) for name in columns]))
    body = html.Tbody([html.Tr([html.Td("" if formatting.is_missing(row[name])
                                        else value(page, row, name),
                                        className=classes[name], style=CELL)
                                for name in columns])
                       for row in frame.to_dict("records")])
    return html.Table([head, body], className="table table-sm call-sheet-table mb-1",
                      id=table_id)


def dispute_totals(page: Page, totals: data.DisputeTotals, prefix: str) -> list:
    """The open disputes' totals beside the disputed AR, and one line on the difference."""
    def amount(value: float) -> str:
        return formatting.amount(value, page.locale)

    tiles = dbc.Row([
        components.kpi_tile(page, f"{prefix}-tile-open-disputes", page.t("Open disputes"),
                            "count", totals.open_disputes),
        components.kpi_tile(page, f"{prefix}-tile-disputed-amount",
                            page.t("Amount disputed"), "amount", totals.disputed_amount,
                            definition=page.t("What the customers contest: the disputed "
                                              "amounts of the open disputes.")),
        components.kpi_tile(page, f"{prefix}-tile-disputed-invoices",
                            page.t("Open amount of the disputed invoices"), "amount",
                            totals.disputed_invoices_open_amount,
                            definition=page.t("Each invoice of an open dispute once, for "
                                              "its whole open amount.")),
        components.kpi_tile(page, f"{prefix}-tile-disputed_ar",
                            page.catalogue.column_label("disputed_ar", page.locale), "amount",
                            totals.disputed_ar,
                            definition=page.catalogue.description("disputed_ar", "kpi_monthly"),
                            href=page.href("/lists", list="open_disputes")),
    ], className="g-2")
    # the part of disputed AR that is not in the dispute log (e-invoicing statuses)
    platform = totals.disputed_ar - totals.disputed_invoices_open_amount
    line = page.t(
        "The {disputed} disputed is what the customers contest; disputed AR counts the whole "
        "open amount of each disputed invoice once ({invoices}), however much of it is "
        "contested and however many disputes it has.", disputed=amount(totals.disputed_amount),
        invoices=amount(totals.disputed_invoices_open_amount))
    if round(platform) != 0:
        line += " " + page.t("Disputed AR also holds {platform} of invoices disputed or "
                             "refused on the e-invoicing platform.", platform=amount(platform))
    return [tiles, html.P(line, className="text-muted small mt-1", id=f"{prefix}-difference")]


def risk_reasons(page: Page, row: dict) -> str:
    """The risk grade's reasons in the user's language."""
    reasons = row.get("risk_reasons_fr") if page.locale == "fr" else None
    if formatting.is_missing(reasons) or not reasons:
        reasons = row.get("risk_reasons")
    return "" if formatting.is_missing(reasons) else str(reasons)


def in_language(frame: pd.DataFrame, locale: str, *columns: str) -> pd.DataFrame:
    """Texts a mart publishes in both languages (`<column>` in English, `<column>_fr`):
    the user's language under the English column's name, the French column dropped."""
    for column in columns:
        french = f"{column}_fr"
        if french not in frame:
            continue
        if locale == "fr" and column in frame:
            frame[column] = frame[french].where(frame[french].notna(), frame[column])
        frame = frame.drop(columns=french)
    return frame

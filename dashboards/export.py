"""CSV and XLSX exports of a table as the user sees it, safe to open in a spreadsheet.

- What the grid shows: `grid_view` applies the grid's filter model (text, number and
  date filters) and its sort (column state) to the whole selection; the columns are the
  visible ones in display order, headed by their labels.
- Real values: numbers stay numbers, dates become spreadsheet dates (XLSX) or dates in
  the reader's format (CSV: ISO in English; the French Excel dialect in French: `;`, a
  decimal comma, DD/MM/YYYY, and a byte-order mark so that Excel reads UTF-8).
- No formulas: a text cell starting with `=`, `+`, `-`, `@` (or tab / carriage return)
  would run as a formula in Excel or LibreOffice ("CSV injection"): it gets a leading
  apostrophe. Numbers cannot carry a formula, so a negative amount is kept as is.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NUMERIC_UNITS = frozenset({"amount", "rate", "days", "index", "count", "number"})
DATE_FORMATS = {"en": ("%Y-%m-%d", "%Y-%m-%d %H:%M"), "fr": ("%d/%m/%Y", "%d/%m/%Y %H:%M")}
XLSX_DATE_FORMATS = {"en": ("yyyy-mm-dd", "yyyy-mm-dd hh:mm"),
                     "fr": ("dd/mm/yyyy", "dd/mm/yyyy hh:mm")}
XLSX_NUMBER_FORMATS = {"amount": "#,##0.00", "rate": "0.0%", "days": "0.0", "index": "0.0",
                       "count": "#,##0"}


@dataclass(frozen=True)
class Column:
    """One exported column: the row field, its header label and its catalogue unit."""

    field: str
    label: str
    unit: str = "text"


def neutralise(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


# --- the grid's filter and sort, applied to the whole selection ---------------------------

def _text_condition(series: pd.Series, condition: Mapping) -> pd.Series:
    kind = condition.get("type", "contains")
    if kind == "blank":
        return series.isna() | (series.astype("string") == "")
    if kind == "notBlank":
        return series.notna() & (series.astype("string") != "")
    wanted = str(condition.get("filter") or "").lower()
    text = series.astype("string").str.lower()
    tests = {"contains": lambda: text.str.contains(wanted, regex=False),
             "notContains": lambda: ~text.str.contains(wanted, regex=False),
             "equals": lambda: text == wanted, "notEqual": lambda: text != wanted,
             "startsWith": lambda: text.str.startswith(wanted),
             "endsWith": lambda: text.str.endswith(wanted)}
    matched = tests[kind]().astype("boolean")
    # As AG Grid does: an empty cell passes "not equal" and "not contains" only.
    return matched.fillna(kind in ("notEqual", "notContains")).astype(bool)


def _scalar_condition(values: pd.Series, low: object, high: object, kind: str) -> pd.Series:
    if kind == "blank":
        return values.isna()
    if kind == "notBlank":
        return values.notna()
    tests = {"equals": lambda: values == low, "notEqual": lambda: values != low,
             "greaterThan": lambda: values > low, "greaterThanOrEqual": lambda: values >= low,
             "lessThan": lambda: values < low, "lessThanOrEqual": lambda: values <= low,
             # AG Grid's range is exclusive unless told otherwise (inRangeInclusive)
             "inRange": lambda: (values > low) & (values < high)}
    return tests[kind]().fillna(False).astype(bool) & values.notna()


def _condition(series: pd.Series, condition: Mapping) -> pd.Series:
    filter_type = condition.get("filterType", "text")
    kind = condition.get("type", "equals")
    if filter_type == "number":
        values = pd.to_numeric(series, errors="coerce")
        return _scalar_condition(values, condition.get("filter"), condition.get("filterTo"),
                                 kind)
    if filter_type == "date":
        values = pd.to_datetime(series, errors="coerce").dt.normalize()
        low, high = (pd.Timestamp(str(condition[key])[:10]) if condition.get(key) else None
                     for key in ("dateFrom", "dateTo"))
        return _scalar_condition(values, low, high, kind)
    return _text_condition(series, condition)


def _column_filter(series: pd.Series, model: Mapping) -> pd.Series:
    """One column's filter: a single condition, or several joined by AND / OR."""
    conditions = model.get("conditions")
    if not conditions:
        return _condition(series, model)
    masks = [_condition(series, {"filterType": model.get("filterType"), **condition})
             for condition in conditions]
    joined = masks[0]
    for mask in masks[1:]:
        joined = (joined | mask) if model.get("operator") == "OR" else (joined & mask)
    return joined


def grid_view(frame: pd.DataFrame, filter_model: Mapping | None = None,
              column_state: Sequence[Mapping] | None = None) -> pd.DataFrame:
    """The rows the grid would show: its filters, then its sort (by sortIndex)."""
    keep = pd.Series(True, index=frame.index)
    for column, model in (filter_model or {}).items():
        if column in frame.columns and model:
            keep &= _column_filter(frame[column], model)
    frame = frame[keep]
    sorted_columns = sorted((state for state in column_state or ()
                             if state.get("sort") in ("asc", "desc")
                             and state.get("colId") in frame.columns),
                            key=lambda state: state.get("sortIndex") or 0)
    # Stable sorts from the last key to the first; empty cells first when ascending,
    # as AG Grid puts them.
    for state in reversed(sorted_columns):
        ascending = state["sort"] == "asc"
        frame = frame.sort_values(state["colId"], ascending=ascending, kind="stable",
                                  na_position="first" if ascending else "last")
    return frame.reset_index(drop=True)


# --- writing ------------------------------------------------------------------------------

def _typed(frame: pd.DataFrame, columns: Sequence[Column]) -> pd.DataFrame:
    """The exported columns, labelled, with real numbers and dates, formulas neutralised."""
    typed = {}
    for column in columns:
        series = frame[column.field] if column.field in frame else pd.Series(
            [None] * len(frame), index=frame.index, dtype=object)
        if column.unit in NUMERIC_UNITS:
            series = pd.to_numeric(series, errors="coerce")
        elif column.unit in ("date", "datetime"):
            series = pd.to_datetime(series, errors="coerce")
            if column.unit == "date":
                series = series.dt.normalize()
        else:
            series = series.astype(object).map(neutralise)
        typed[column.field] = series.reset_index(drop=True)
    result = pd.DataFrame(typed, columns=[column.field for column in columns])
    result.columns = [neutralise(column.label) for column in columns]
    return result


def to_csv(frame: pd.DataFrame, columns: Sequence[Column], locale: str = "en") -> str:
    """English: `,` and ISO dates. French (Excel's dialect): `;`, decimal comma,
    DD/MM/YYYY, and a byte-order mark."""
    table = _typed(frame, columns)
    date_format, datetime_format = DATE_FORMATS.get(locale, DATE_FORMATS["en"])
    for label, column in zip(table.columns, columns, strict=True):
        if column.unit in ("date", "datetime"):
            table[label] = table[label].dt.strftime(
                date_format if column.unit == "date" else datetime_format)
    if locale == "fr":
        return "\ufeff" + table.to_csv(index=False, sep=";", decimal=",")
    return table.to_csv(index=False)


def to_xlsx(frame: pd.DataFrame, columns: Sequence[Column], sheet: str = "export",
            locale: str = "en") -> bytes:
    """Dates as spreadsheet dates, numbers as numbers (formatted by unit)."""
    table = _typed(frame, columns)
    for label, column in zip(table.columns, columns, strict=True):
        if column.unit == "date":  # a date, not a timestamp: written with date_format
            table[label] = table[label].map(lambda value: None if pd.isna(value)
                                            else value.date())
    date_format, datetime_format = XLSX_DATE_FORMATS.get(locale, XLSX_DATE_FORMATS["en"])
    buffer = io.BytesIO()
    # strings_to_formulas off as a second guard: text is never written as a formula.
    with pd.ExcelWriter(buffer, engine="xlsxwriter", date_format=date_format,
                        datetime_format=datetime_format,
                        engine_kwargs={"options": {"strings_to_formulas": False,
                                                   "strings_to_urls": False}}) as writer:
        name = sheet[:31]
        table.to_excel(writer, index=False, sheet_name=name)
        worksheet = writer.sheets[name]
        for position, column in enumerate(columns):
            width = min(max(len(column.label), 10) + 2, 60)
            number_format = XLSX_NUMBER_FORMATS.get(column.unit)
            worksheet.set_column(position, position, width,
                                 writer.book.add_format({"num_format": number_format})
                                 if number_format else None)
        worksheet.freeze_panes(1, 0)
    return buffer.getvalue()

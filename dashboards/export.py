"""CSV and XLSX exports of a table, safe to open in a spreadsheet.

A text cell starting with `=`, `+`, `-`, `@` (or tab / carriage return) would run as a
formula in Excel or LibreOffice ("CSV injection"): it gets a leading apostrophe. Numbers
stay numbers (a number cannot carry a formula), so a negative amount is kept as is.
"""

from __future__ import annotations

import io

import pandas as pd

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def safe_frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows, columns=columns)
    return frame.map(neutralise)


def to_csv(rows: list[dict], columns: list[str], locale: str = "en") -> str:
    """French exports use `;` and a decimal comma, as French Excel expects."""
    frame = safe_frame(rows, columns)
    if locale == "fr":
        return frame.to_csv(index=False, sep=";", decimal=",")
    return frame.to_csv(index=False)


def to_xlsx(rows: list[dict], columns: list[str], sheet: str = "export") -> bytes:
    buffer = io.BytesIO()
    # strings_to_formulas off as a second guard: text is never written as a formula.
    with pd.ExcelWriter(buffer, engine="xlsxwriter",
                        engine_kwargs={"options": {"strings_to_formulas": False,
                                                   "strings_to_urls": False}}) as writer:
        safe_frame(rows, columns).to_excel(writer, index=False, sheet_name=sheet[:31])
    return buffer.getvalue()

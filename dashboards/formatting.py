"""Numbers and dates as a French or an English reader expects them.

Tiles are formatted here on the server; grids keep raw numbers (so sorting stays
numeric) and format in the browser with the same rules (assets/dashAgGridFunctions.js).
French: `28 451 975 €`, `25,6 %`, `31/10/2026` (thousands grouped with narrow no-break
spaces, as `Intl.NumberFormat("fr-FR")` does in the browser).
"""

from __future__ import annotations

import datetime as dt
import math

NARROW_NO_BREAK_SPACE = "\u202f"  # the French thousands separator
MISSING = {"en": "n/a", "fr": "n.d."}
MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
           "Dec"),
    "fr": ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
           "nov.", "déc."),
}
# Decimals shown when the catalogue gives none.
DEFAULT_DECIMALS = {"amount": 0, "rate": 1, "days": 1, "index": 1, "count": 0, "number": 2}


def is_missing(value: object) -> bool:
    """None, NaN, pandas' NA and NaT (without importing pandas)."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ in ("NAType", "NaTType")


def number(value: float | int | None, decimals: int = 0, locale: str = "en") -> str:
    if is_missing(value):
        return MISSING.get(locale, "n/a")
    value = round(float(value), decimals)
    text = f"{value + 0.0:,.{decimals}f}"  # + 0.0: no "-0" for a value rounded to zero
    if locale == "fr":
        text = text.replace(",", NARROW_NO_BREAK_SPACE).replace(".", ",")
    return text


def amount(value: float | None, locale: str = "en", currency: str = "EUR",
           decimals: int = 0) -> str:
    """Whole currency units by default: a scoreboard reads thousands, not cents."""
    if is_missing(value):
        return MISSING.get(locale, "n/a")
    symbol = "€" if currency == "EUR" else currency
    text = number(abs(value), decimals, locale)
    sign = "-" if round(float(value), decimals) < 0 else ""
    return f"{sign}{text}{NARROW_NO_BREAK_SPACE}{symbol}" if locale == "fr" \
        else f"{sign}{symbol}{text}"


def percent(value: float | None, decimals: int = 1, locale: str = "en") -> str:
    """A fraction (0.256) as a percentage (25.6%, 25,6 %)."""
    if is_missing(value):
        return MISSING.get(locale, "n/a")
    text = number(float(value) * 100, decimals, locale)
    return f"{text}{NARROW_NO_BREAK_SPACE}%" if locale == "fr" else f"{text}%"


def days(value: float | None, locale: str = "en", decimals: int = 1) -> str:
    if is_missing(value):
        return MISSING.get(locale, "n/a")
    return f"{number(value, decimals, locale)}{NARROW_NO_BREAK_SPACE}j" if locale == "fr" \
        else f"{number(value, decimals, locale)} d"


def _as_date(value: dt.date | str) -> dt.date:
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):  # also pandas Timestamps
        return value.date()
    return value


def date(value: dt.date | str | None, locale: str = "en") -> str:
    if is_missing(value) or value == "":
        return ""
    value = _as_date(value)
    return value.strftime("%d/%m/%Y") if locale == "fr" else value.isoformat()


def timestamp(value: dt.datetime | str | None, locale: str = "en") -> str:
    """A date and a time to the minute: `31/10/2026 14:05`, `2026-10-31 14:05`."""
    if is_missing(value) or value == "":
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return f"{date(value, locale)} {value:%H:%M}"


def month(value: dt.date | str, locale: str = "en") -> str:
    """`Oct 2026`, `oct. 2026`."""
    value = _as_date(value)
    return f"{MONTHS.get(locale, MONTHS['en'])[value.month - 1]} {value.year}"


def boolean(value: object, locale: str = "en") -> str:
    if is_missing(value):
        return ""
    return ("oui" if value else "non") if locale == "fr" else ("yes" if value else "no")


def kpi(value: object, unit: str, decimals: int | None = None, locale: str = "en") -> str:
    """A value in its catalogue unit (amount, rate, days, index, count; also the column
    units date, datetime, bool, text)."""
    if unit in ("text",):
        return MISSING.get(locale, "n/a") if is_missing(value) else str(value)
    if unit == "date":
        return date(value, locale) or MISSING.get(locale, "n/a")
    if unit == "datetime":
        return timestamp(value, locale) or MISSING.get(locale, "n/a")
    if unit == "bool":
        return boolean(value, locale) or MISSING.get(locale, "n/a")
    decimals = DEFAULT_DECIMALS.get(unit, 2) if decimals is None else int(decimals)
    if unit == "amount":
        return amount(value, locale, decimals=decimals)
    if unit == "rate":
        return percent(value, decimals, locale)
    if unit == "days":
        return days(value, locale, decimals)
    return number(value, decimals, locale)

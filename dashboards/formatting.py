"""Numbers and dates as a French or an English reader expects them.

Tiles are formatted here on the server; grids keep raw numbers (so sorting stays
numeric) and format in the browser with the same rules (assets/dashAgGridFunctions.js).
"""

from __future__ import annotations

import datetime as dt

NARROW_NO_BREAK_SPACE = "\u202f"  # the French thousands separator


def number(value: float | int | None, decimals: int = 0, locale: str = "en") -> str:
    if value is None:
        return "n/a"
    text = f"{value:,.{decimals}f}"
    if locale == "fr":
        text = text.replace(",", NARROW_NO_BREAK_SPACE).replace(".", ",")
    return text


def amount(value: float | None, locale: str = "en", currency: str = "EUR") -> str:
    """Whole currency units: a scoreboard reads thousands, not cents."""
    if value is None:
        return "n/a"
    symbol = "€" if currency == "EUR" else currency
    text = number(abs(value), 0, locale)
    sign = "-" if round(value) < 0 else ""
    return f"{sign}{text}{NARROW_NO_BREAK_SPACE}{symbol}" if locale == "fr" \
        else f"{sign}{symbol}{text}"


def percent(value: float | None, decimals: int = 1, locale: str = "en") -> str:
    if value is None:
        return "n/a"
    text = number(value * 100, decimals, locale)
    return f"{text}{NARROW_NO_BREAK_SPACE}%" if locale == "fr" else f"{text}%"


def days(value: float | None, locale: str = "en") -> str:
    if value is None:
        return "n/a"
    return f"{number(value, 1, locale)} {'j' if locale == 'fr' else 'd'}"


def date(value: dt.date | str | None, locale: str = "en") -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):  # also pandas Timestamps
        value = value.date()
    return value.strftime("%d/%m/%Y") if locale == "fr" else value.isoformat()


def month(value: dt.date | str, locale: str = "en") -> str:
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return value.strftime("%m/%Y") if locale == "fr" else value.strftime("%Y-%m")

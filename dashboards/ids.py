"""Component ids shared across modules (one place, so pages never collide)."""

from __future__ import annotations

URL = "url"  # the app's dcc.Location (refresh="callback-nav"): callbacks navigate with it
VERSION_ALERT = "warehouse-version-alert"
VERSION_CHECK = "warehouse-version-check"
PAGE_VERSION = "page-warehouse-version"  # the file identity a page was rendered from
PAGE_FILTERS = "page-filters"  # the filter values a page was drawn with
FILTER_PREFIX = "filter-"
GLOBAL_FILTERS = ("as_of", "segment", "region", "business_unit", "collector_id")


def filter_id(name: str) -> str:
    return f"{FILTER_PREFIX}{name}"


def page_id(page: str, name: str) -> str:
    """Ids unique across pages: '<page>-<name>'."""
    return f"{page}-{name}"


def grid(table: str) -> dict:
    return {"type": "grid", "table": table}


def export_button(table: str, file_format: str) -> dict:
    return {"type": "export", "table": table, "format": file_format}


def download(table: str) -> dict:
    return {"type": "download", "table": table}


def export_source(table: str) -> dict:
    """The export registered for a table and the page query it reads the selection with."""
    return {"type": "export-source", "table": table}


def column_chooser(table: str) -> dict:
    return {"type": "column-chooser", "table": table}


def column_chooser_button(table: str) -> dict:
    return {"type": "column-chooser-button", "table": table}


def nav_link(module: str) -> str:
    """A top-menu link, by its page module's last name ('nav-aged')."""
    return f"nav-{module}"


def locale_link(locale: str) -> str:
    return f"locale-{locale}"


SCOPE_NOTE = "filter-scope"
OUT_OF_SCOPE = "filter-out-of-scope"

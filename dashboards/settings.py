"""Dashboard settings: default language, KPI target overrides, session lifetime, users file.

Defaults suit the demo; a YAML file (env `CREDIT_SCOREBOARD_DASHBOARD_CONFIG`, default
`config/dashboard.yaml`, optional) overrides any of them, e.g.::

    locale: fr
    session_hours: 8
    targets: {dso_simple: 45, overdue_rate: 0.15}

Each KPI's default target and direction live in the KPI catalogue (the dbt seed
`kpi_catalogue`); `targets` here only overrides a catalogue target for this site.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from credit_scoreboard.settings import PROJECT_ROOT

LOCALES = ("en", "fr")


def default_users_file() -> Path:
    return Path(os.environ.get("CREDIT_SCOREBOARD_USERS", PROJECT_ROOT / "config" / "users.yaml"))


@dataclass(frozen=True)
class DashboardSettings:
    locale: str = "en"  # the default language; each user may switch (top bar, FR | EN)
    session_hours: float = 8.0
    targets: dict[str, float] = field(default_factory=dict)  # overrides of catalogue targets
    currency: str = "EUR"
    version_check_seconds: float = 30.0  # how often a page asks if a refresh was published

    def __post_init__(self) -> None:
        if self.locale not in LOCALES:
            raise ValueError(f"dashboard setting locale: {self.locale!r} is not one of {LOCALES}")


def load_settings(path: Path | None = None) -> DashboardSettings:
    """Defaults, overridden by the YAML file when it exists, then by env `..._LOCALE`."""
    path = path or Path(os.environ.get("CREDIT_SCOREBOARD_DASHBOARD_CONFIG",
                                       PROJECT_ROOT / "config" / "dashboard.yaml"))
    settings = DashboardSettings()
    if path.exists():
        values = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        unknown = set(values) - {"locale", "session_hours", "currency", "version_check_seconds",
                                 "targets"}
        if unknown:
            raise ValueError(f"{path}: unknown dashboard settings {sorted(unknown)}")
        values["targets"] = {str(kpi): float(value)
                             for kpi, value in (values.get("targets") or {}).items()}
        settings = replace(settings, **values)
    if os.environ.get("CREDIT_SCOREBOARD_LOCALE"):
        settings = replace(settings, locale=os.environ["CREDIT_SCOREBOARD_LOCALE"])
    return settings

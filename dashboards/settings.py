"""Dashboard settings: number/date locale, KPI targets, session lifetime, users file.

Defaults suit the demo; a YAML file (env `CREDIT_SCOREBOARD_DASHBOARD_CONFIG`, default
`config/dashboard.yaml`, optional) overrides any of them, e.g.::

    locale: fr
    session_hours: 8
    targets: {dso_simple: 45, overdue_rate: 0.15}
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from credit_scoreboard.settings import PROJECT_ROOT

# Targets a credit department typically sets; each is compared with the tile's value.
# "lower" KPIs are good when below target, the others when above.
DEFAULT_TARGETS: dict[str, float] = {
    "overdue_rate": 0.20,
    "dso_simple": 50.0,
    "dso_countback": 50.0,
    "best_possible_dso": 40.0,
    "average_days_delinquent": 10.0,
    "dmp_days": 55.0,
    "avg_days_beyond_terms": 7.0,
    "cei": 80.0,
    "dispute_weight": 0.05,
    "promise_kept_rate": 0.75,
}
HIGHER_IS_BETTER = frozenset({"cei", "promise_kept_rate", "right_party_contact_rate",
                              "promise_rate"})
LOCALES = ("en", "fr")


def default_users_file() -> Path:
    return Path(os.environ.get("CREDIT_SCOREBOARD_USERS", PROJECT_ROOT / "config" / "users.yaml"))


@dataclass(frozen=True)
class DashboardSettings:
    locale: str = "en"  # "en" (1,234.56 and 2026-10-31) or "fr" (1 234,56 and 31/10/2026)
    session_hours: float = 8.0
    targets: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_TARGETS))
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
        targets = {**DEFAULT_TARGETS, **values.pop("targets", {})}
        unknown = set(values) - {"locale", "session_hours", "currency", "version_check_seconds"}
        if unknown:
            raise ValueError(f"{path}: unknown dashboard settings {sorted(unknown)}")
        settings = replace(settings, targets=targets, **values)
    if os.environ.get("CREDIT_SCOREBOARD_LOCALE"):
        settings = replace(settings, locale=os.environ["CREDIT_SCOREBOARD_LOCALE"])
    return settings

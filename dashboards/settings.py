"""Dashboard settings: default language, KPI target overrides, session lifetime, users file.

Defaults suit the demo; a YAML file (env `CREDIT_SCOREBOARD_DASHBOARD_CONFIG`, default
`config/dashboard.yaml`, optional) overrides any of them, e.g.::

    locale: fr
    session_hours: 8
    targets: {dso_simple: 45, overdue_rate: 0.15}
    login_limits: "5 per minute; 20 per hour; 50 per day"

The production settings of SECURITY.md also come from the environment (the compose file
sets them): CREDIT_SCOREBOARD_RATE_LIMIT_STORAGE (e.g. redis://...), CREDIT_SCOREBOARD_TLS,
CREDIT_SCOREBOARD_PROXY_HOPS, CREDIT_SCOREBOARD_AUDIT_DB, CREDIT_SCOREBOARD_CHROMIUM,
CREDIT_SCOREBOARD_PDF_BASE_URL.

Each KPI's default target and direction live in the KPI catalogue (the dbt seed
`kpi_catalogue`); `targets` here only overrides a catalogue target for this site.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import yaml

from credit_scoreboard.settings import PROJECT_ROOT

LOCALES = ("en", "fr")
# Setting -> environment variable overriding it (after the YAML file).
ENVIRONMENT = {
    "locale": "CREDIT_SCOREBOARD_LOCALE",
    "rate_limit_storage": "CREDIT_SCOREBOARD_RATE_LIMIT_STORAGE",
    "tls": "CREDIT_SCOREBOARD_TLS",
    "proxy_hops": "CREDIT_SCOREBOARD_PROXY_HOPS",
    "audit_db": "CREDIT_SCOREBOARD_AUDIT_DB",
    "chromium": "CREDIT_SCOREBOARD_CHROMIUM",
    "pdf_base_url": "CREDIT_SCOREBOARD_PDF_BASE_URL",
}


def default_users_file() -> Path:
    return Path(os.environ.get("CREDIT_SCOREBOARD_USERS", PROJECT_ROOT / "config" / "users.yaml"))


@dataclass(frozen=True)
class DashboardSettings:
    locale: str = "en"  # the default language; each user may switch (top bar, FR | EN)
    session_hours: float = 8.0
    targets: dict[str, float] = field(default_factory=dict)  # overrides of catalogue targets
    currency: str = "EUR"
    version_check_seconds: float = 30.0  # how often a page asks if a refresh was published
    # Failed sign-ins allowed per user name, then per client address (an office behind one
    # NAT address shares the second): each tier locks out longer (flask-limiter syntax).
    login_limits: str = "5 per minute; 20 per hour; 50 per day"
    login_limits_per_address: str = "20 per minute; 100 per hour"
    # Where the counters live: memory (one process) or redis://... shared by the workers.
    rate_limit_storage: str = "memory://"
    tls: bool = False  # served over https (behind the proxy): Secure cookie, HSTS
    proxy_hops: int = 0  # reverse proxies in front whose X-Forwarded-For/-Proto to trust
    audit_db: Path | None = None  # None: PROJECT_ROOT/var/audit/audit.sqlite
    chromium: str = "/usr/bin/chromium"  # renders the PDFs (dashboards/pdf.py)
    pdf_base_url: str | None = None  # how the PDF renderer reaches this site; None: the request's

    def __post_init__(self) -> None:
        if self.locale not in LOCALES:
            raise ValueError(f"dashboard setting locale: {self.locale!r} is not one of {LOCALES}")
        if isinstance(self.tls, str):  # from the environment
            object.__setattr__(self, "tls", self.tls.strip().lower() in ("1", "true", "yes"))
        object.__setattr__(self, "proxy_hops", int(self.proxy_hops))
        if self.audit_db is not None:
            object.__setattr__(self, "audit_db", Path(self.audit_db))

    @property
    def audit_path(self) -> Path:
        """The audit trail: outside the published warehouse, so a publish never touches it."""
        return self.audit_db or PROJECT_ROOT / "var" / "audit" / "audit.sqlite"


def load_settings(path: Path | None = None) -> DashboardSettings:
    """Defaults, overridden by the YAML file when it exists, then by the environment
    (ENVIRONMENT)."""
    path = path or Path(os.environ.get("CREDIT_SCOREBOARD_DASHBOARD_CONFIG",
                                       PROJECT_ROOT / "config" / "dashboard.yaml"))
    settings = DashboardSettings()
    if path.exists():
        values = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        unknown = set(values) - {field.name for field in fields(DashboardSettings)}
        if unknown:
            raise ValueError(f"{path}: unknown dashboard settings {sorted(unknown)}")
        values["targets"] = {str(kpi): float(value)
                             for kpi, value in (values.get("targets") or {}).items()}
        settings = replace(settings, **values)
    overrides = {name: os.environ[variable] for name, variable in ENVIRONMENT.items()
                 if os.environ.get(variable)}
    return replace(settings, **overrides) if overrides else settings

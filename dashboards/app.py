"""The Dash app: a thin shell (page container, refresh notice) around `pages/`.

`create_app` wires the warehouse path, the settings, the login (throttled), the security
headers, the audit trail, the PDF renderer and the language switch into one Flask server;
`serve` is what `credit-scoreboard serve` runs. Each page draws
its own top bar (components.render), so that the menu's links carry its filters.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import sys
from collections import deque
from pathlib import Path

import dash
import flask
from dash import dcc, html

from dashboards import audit, auth, components, i18n, ids, pdf, security
from dashboards.settings import DashboardSettings, default_users_file, load_settings
from dashboards.users import ensure_demo_users

PAGES_FOLDER = Path(__file__).parent / "pages"


def _secret_key() -> str:
    key = os.environ.get("CREDIT_SCOREBOARD_SECRET_KEY")
    if key:
        return key
    print("credit-scoreboard: CREDIT_SCOREBOARD_SECRET_KEY is not set: using a random key "
          "(sessions end when the server restarts)", file=sys.stderr)
    return secrets.token_hex(32)


def create_app(warehouse: Path, users_file: Path | None = None,
               settings: DashboardSettings | None = None,
               pages_folder: Path = PAGES_FOLDER) -> dash.Dash:
    server = flask.Flask(__name__)
    settings = settings or load_settings()
    server.config.update(
        SECRET_KEY=_secret_key(), WAREHOUSE=Path(warehouse), DASHBOARD_SETTINGS=settings,
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=settings.session_hours),
        TIMINGS=deque(maxlen=2000),  # (page, seconds) of recent page renders
    )
    audit.install(server, settings.audit_path)
    auth.install(server, users_file or default_users_file())
    security.install_limiter(server, settings)
    i18n.install(server)
    pdf.install(server)
    app = dash.Dash(
        __name__, server=server, use_pages=True, pages_folder=str(pages_folder),
        suppress_callback_exceptions=True,
        title="Credit scoreboard", assets_folder=str(Path(__file__).parent / "assets"),
        assets_ignore=r"^login\.css$",  # the login page's own (served, not loaded by Dash)
    )
    security.install_headers(server, settings, app)
    app.layout = html.Div([
        dcc.Location(id=ids.URL, refresh="callback-nav"),
        html.Div(id=ids.VERSION_ALERT, className="px-3"),
        dcc.Interval(id=ids.VERSION_CHECK, interval=settings.version_check_seconds * 1000),
        dash.page_container,
    ])
    components.register_callbacks(app)
    return app


def serve(warehouse: Path, host: str = "127.0.0.1", port: int = 8050) -> None:
    users_file = default_users_file()
    ensure_demo_users(users_file)
    app = create_app(warehouse, users_file)
    print(f"credit-scoreboard: dashboard on http://{host}:{port} (warehouse {warehouse})",
          file=sys.stderr)
    app.run(host=host, port=port, debug=False)

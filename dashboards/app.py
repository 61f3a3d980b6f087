"""The Dash app: a thin shell (navbar, page container) around `pages/`.

`create_app` wires the warehouse path, the settings and the login into one Flask
server; `serve` is what `credit-scoreboard serve` runs.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import sys
from collections import deque
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
import flask
from dash import dcc, html

from dashboards import auth, components, ids
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


def _navbar() -> dbc.Navbar:
    links = [dbc.NavLink(page["name"], href=page["relative_path"], active="exact",
                         id=f"nav-{page['module'].split('.')[-1]}")
             for page in dash.page_registry.values() if page.get("nav", True)]
    return dbc.Navbar(dbc.Container([
        dbc.NavbarBrand("Credit scoreboard", href="/"),
        dbc.Nav(links, pills=True, className="me-auto"),
        html.A("Sign out", href="/logout", className="btn btn-sm btn-outline-light",
               id="logout-link"),
    ], fluid=True), color="dark", dark=True, className="mb-2")


def create_app(warehouse: Path, users_file: Path | None = None,
               settings: DashboardSettings | None = None) -> dash.Dash:
    server = flask.Flask(__name__)
    settings = settings or load_settings()
    server.config.update(
        SECRET_KEY=_secret_key(), WAREHOUSE=Path(warehouse), DASHBOARD_SETTINGS=settings,
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=settings.session_hours),
        TIMINGS=deque(maxlen=2000),  # (page, seconds) of recent page renders
    )
    auth.install(server, users_file or default_users_file())
    app = dash.Dash(
        __name__, server=server, use_pages=True, pages_folder=str(PAGES_FOLDER),
        suppress_callback_exceptions=True,
        title="Credit scoreboard", assets_folder=str(Path(__file__).parent / "assets"),
    )
    app.layout = html.Div([
        dcc.Location(id=ids.URL, refresh="callback-nav"),
        _navbar(),
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

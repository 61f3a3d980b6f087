"""The dashboard served on a copy of the warehouse the real pipeline published from the
generated book (tests/conftest.py), in a background thread, and a headless Chromium."""

from __future__ import annotations

import json
import shutil
import socket
import threading
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from dashboards.settings import DashboardSettings

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
PASSWORDS = {"cfo": "cfo-password", "sme_manager": "sme-password"}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


@pytest.fixture(scope="session")
def fixture_warehouse(tmp_path_factory) -> Path:
    from fixture_warehouse import build_fixture_warehouse

    return build_fixture_warehouse(tmp_path_factory.mktemp("fixture") / "credit.duckdb")


@pytest.fixture(scope="session")
def dashboard_warehouse(published_warehouse, tmp_path_factory) -> Path:
    """A copy: the refresh test replaces it while the app serves it."""
    copy = tmp_path_factory.mktemp("dashboard") / "credit.duckdb"
    shutil.copy(published_warehouse, copy)
    return copy


@pytest.fixture(scope="session")
def users_file(tmp_path_factory) -> Path:
    from dashboards.users import add_user

    path = tmp_path_factory.mktemp("users") / "users.yaml"
    add_user(path, "cfo", PASSWORDS["cfo"], "cfo")
    add_user(path, "sme_manager", PASSWORDS["sme_manager"], "credit_manager", segments=["SME"])
    return path


@pytest.fixture(scope="session")
def live_server(dashboard_warehouse, users_file, monkeypatch_session):
    """(base url, app) of the dashboard served by werkzeug on a free local port."""
    from werkzeug.serving import make_server

    from dashboards.app import create_app

    monkeypatch_session.setenv("CREDIT_SCOREBOARD_SECRET_KEY", "test-secret-key")
    app = create_app(dashboard_warehouse, users_file,
                     DashboardSettings(version_check_seconds=1.0))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = make_server("127.0.0.1", port, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}", app
    server.shutdown()


@pytest.fixture(scope="session")
def monkeypatch_session():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                              headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Session:
    """Plain HTTP requests with a cookie jar (no browser), for the security tests."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect())

    def request(self, method: str, path: str, body: bytes | None = None,
                content_type: str | None = None) -> tuple[int, dict, str]:
        request = urllib.request.Request(self.base_url + path, data=body, method=method)
        if content_type:
            request.add_header("Content-Type", content_type)
        try:
            with self.opener.open(request) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()

    def login(self, username: str, password: str) -> int:
        _, _, form = self.request("GET", "/login")
        token = form.split('name="csrf_token" value="')[1].split('"')[0]
        body = urllib.parse.urlencode({"username": username, "password": password,
                                       "csrf_token": token, "next": "/"}).encode()
        status, _, _ = self.request("POST", "/login", body, "application/x-www-form-urlencoded")
        return status

    def render_page(self, pathname: str, search: str = "") -> tuple[int, str]:
        """Call the pages router callback as the browser does: the page's whole layout."""
        body = json.dumps({
            "output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"},
                        {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": pathname},
                       {"id": "_pages_location", "property": "search", "value": search}],
            "changedPropIds": ["_pages_location.pathname"], "state": [],
        }).encode()
        status, _, text = self.request("POST", "/_dash-update-component", body,
                                       "application/json")
        return status, text


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def http(live_server) -> Session:
    return Session(live_server[0])

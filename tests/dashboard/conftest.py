"""The dashboard served on a copy of the warehouse the real pipeline published from the
generated book (tests/conftest.py), in a background thread, and a headless Chromium."""

from __future__ import annotations

import logging
import shutil
import socket
import threading
from pathlib import Path

import pytest
from dashboard_support import PASSWORDS, SCREENSHOTS, Session, build_framework_warehouse

from dashboards.settings import DashboardSettings

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


@pytest.fixture(scope="session")
def fixture_warehouse(tmp_path_factory) -> Path:
    from fixture_warehouse import build_fixture_warehouse

    return build_fixture_warehouse(tmp_path_factory.mktemp("fixture") / "credit.duckdb")


@pytest.fixture(scope="session")
def framework_warehouse(tmp_path_factory) -> Path:
    """The catalogue tables and a few marts rows, for the framework's unit tests."""
    return build_framework_warehouse(tmp_path_factory.mktemp("framework") / "credit.duckdb")


@pytest.fixture
def framework_server(framework_warehouse, tmp_path):
    """A Flask server with the login and the language switch (no pages), its users file
    holding `cfo` and `sme_manager` (restricted to SME)."""
    from collections import deque

    import flask

    from dashboards import auth, i18n
    from dashboards.users import add_user

    users = tmp_path / "users.yaml"
    add_user(users, "cfo", PASSWORDS["cfo"], "cfo")
    add_user(users, "sme_manager", PASSWORDS["sme_manager"], "credit_manager",
             segments=["SME"])
    server = flask.Flask("framework-test")
    server.config.update(SECRET_KEY="test", WAREHOUSE=framework_warehouse,
                         DASHBOARD_SETTINGS=DashboardSettings(), TIMINGS=deque(maxlen=10))
    auth.install(server, users)
    i18n.install(server)
    return server


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
    add_user(path, "admin", PASSWORDS["admin"], "admin")
    return path


# The login throttling of the served app: a short window, so that a test can wait for a
# lockout to expire (tests/dashboard/test_security_http.py).
LOGIN_LIMITS = "5 per 3 seconds"


@pytest.fixture(scope="session")
def live_server(dashboard_warehouse, users_file, monkeypatch_session, tmp_path_factory):
    """(base url, app) of the dashboard served by werkzeug on a free local port, its
    audit trail in a temporary folder."""
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request

    from dashboards.app import create_app

    monkeypatch_session.setenv("CREDIT_SCOREBOARD_SECRET_KEY", "test-secret-key")
    app = create_app(dashboard_warehouse, users_file, DashboardSettings(
        version_check_seconds=1.0, login_limits=LOGIN_LIMITS,
        login_limits_per_address="100 per 3 seconds",
        audit_db=tmp_path_factory.mktemp("audit") / "audit.sqlite"))
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


# Module scope: Playwright's sync API keeps an asyncio loop running in this thread while
# it is open, and Flask's test client (asgiref) refuses to run beside it in later modules.
@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                              headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def http(live_server) -> Session:
    return Session(live_server[0])


@pytest.fixture
def open_as(browser, live_server):
    """A function: a fresh browser context (1440 px wide) logged in as `username`,
    returning its page. Any JavaScript error on its pages fails the test."""
    contexts, errors = [], []

    def login(username: str, height: int = 1000):
        # Playwright's string predicates (wait_for_function) run through eval, which the
        # content security policy refuses: these contexts bypass it. The policy itself
        # is checked without bypass in test_security_browser.py.
        context = browser.new_context(viewport={"width": 1440, "height": height},
                                      accept_downloads=True, bypass_csp=True)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(live_server[0] + "/")
        assert "/login" in page.url  # nothing before signing in
        page.fill("#username", username)
        page.fill("#password", PASSWORDS[username])
        page.click("#login-button")
        page.wait_for_selector("#page-scoreboard")
        return page

    yield login
    for context in contexts:
        context.close()
    assert errors == []

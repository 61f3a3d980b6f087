"""Issue 19 over plain HTTP: login throttling (429, expiry, unlock), the security headers
of every route, the audit trail (logins, failures, lockouts, PDF downloads, admins only,
append-only, outside the warehouse) and the password policy and change."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import time
import urllib.parse
import urllib.request
from collections import deque
from pathlib import Path

import flask
import pytest
from conftest import LOGIN_LIMITS
from dashboard_support import ARTIFACTS, PASSWORDS, Session, query

from dashboards import audit, auth, security, users
from dashboards.settings import DashboardSettings

HEADERS = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
           "Referrer-Policy": "same-origin"}
LOCKOUT_WINDOW = int(LOGIN_LIMITS.split()[-2])  # "5 per 3 seconds": 3
CLERK, CLERK_PASSWORD = "clerk", "clerk-password-19"


def trail(app) -> list[dict]:
    frame = audit.read(app.server.config["AUDIT_DB"]).astype(object)
    return frame.where(frame.notna(), None).to_dict("records")[::-1]  # oldest first


def rows_after(app, last_id: int) -> list[dict]:
    return [row for row in trail(app) if row["id"] > last_id]


def last_id(app) -> int:
    rows = trail(app)
    return rows[-1]["id"] if rows else 0


def post_login(session: Session, username: str, password: str) -> tuple[int, dict, str]:
    _, _, form = session.request("GET", "/login")
    token = form.split('name="csrf_token" value="')[1].split('"')[0]
    body = urllib.parse.urlencode({"username": username, "password": password,
                                   "csrf_token": token, "next": "/"}).encode()
    return session.request("POST", "/login", body, "application/x-www-form-urlencoded")


def assert_security_headers(headers: dict, where: str) -> None:
    for name, value in HEADERS.items():
        assert headers.get(name) == value, (where, name, headers.get(name))
    policy = headers.get("Content-Security-Policy", "")
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["frame-ancestors"] == "'none'", where
    assert directives["default-src"] == "'self'", where
    assert "'unsafe-inline'" not in directives["script-src"], where
    assert "'unsafe-eval'" not in directives["script-src"], where


# --- headers --------------------------------------------------------------------------

ANONYMOUS = ["/login", "/assets/login.css", "/logout", "/", "/aged?bucket=1-30",
             "/_dash-layout", "/_dash-dependencies", "/assets/10_scoreboard.css",
             "/account/password", "/call-sheet/C1.pdf", "/no-such-page"]
SIGNED_IN = ["/", "/audit", "/_dash-layout", "/_dash-dependencies",
             "/assets/10_scoreboard.css", "/assets/scoreboard.js", "/account/password",
             "/call-sheet/NO-SUCH-CUSTOMER.pdf", "/logout"]


@pytest.mark.parametrize("path", ANONYMOUS)
def test_every_route_sends_the_security_headers_to_anonymous_visitors(http, path):
    status, headers, _ = http.request("GET", path)
    assert status in (200, 302, 401, 404), (path, status)
    assert_security_headers(headers, path)


def test_every_route_sends_the_security_headers_when_signed_in(http, live_server):
    assert http.login("cfo", PASSWORDS["cfo"]) == 302
    for path in SIGNED_IN:
        status, headers, _ = http.request("GET", path)
        assert status in (200, 302, 404), (path, status)
        assert_security_headers(headers, path)
    assert http.login("cfo", PASSWORDS["cfo"]) == 302
    assert http.render_page("/")[0] == 200
    _, headers, _ = http.request("POST", "/_dash-update-component", b"{}", "application/json")
    assert_security_headers(headers, "a callback")


def test_every_inline_script_of_the_dash_page_is_allowed_by_its_hash_and_no_other(
        http, live_server):
    assert http.login("cfo", PASSWORDS["cfo"]) == 302
    _, headers, page = http.request("GET", "/")
    policy = headers["Content-Security-Policy"]
    script_src = next(part for part in policy.split(";")
                      if part.strip().startswith("script-src")).split()[1:]
    page = re.sub(r"<!--.*?-->", "", page, flags=re.S)  # Dash's IE notice: a comment
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", page, re.S)
    executable = [body for attributes, body in inline if "application/json" not in attributes]
    assert executable, "Dash's page has inline scripts (its renderer): they must be hashed"
    for body in executable:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in script_src, body[:80]
    assert set(script_src) == {"'self'"} | {
        f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'"
        for body in executable} | set(live_server[1].csp_hashes())


def test_the_login_page_has_no_inline_style_or_script(http):
    _, _, page = http.request("GET", "/login")
    assert "<style" not in page and "<script" not in page and "style=" not in page
    assert '<link rel="stylesheet" href="/assets/login.css">' in page
    status, headers, css = http.request("GET", "/assets/login.css")
    assert status == 200 and headers["Content-Type"].startswith("text/css")
    assert "#1f4e79" in css


# --- throttling -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def clerk(users_file) -> str:
    users.add_user(users_file, CLERK, CLERK_PASSWORD, "collector", collector_ids=["COL1"])
    return CLERK


def test_the_sixth_wrong_password_is_refused_with_429_until_the_lockout_expires(
        live_server, clerk):
    base_url, app = live_server
    since = last_id(app)
    session = Session(base_url)
    started = time.monotonic()
    statuses = [post_login(session, clerk, f"wrong-{attempt}")[0] for attempt in range(5)]
    status, headers, page = post_login(session, clerk, "wrong-6")
    elapsed = time.monotonic() - started
    assert elapsed < LOCKOUT_WINDOW, "the attempts did not fit in the window: test too slow"
    assert statuses == [401] * 5
    assert status == 429
    assert "Too many failed sign-ins" in page and "ask an administrator" in page
    assert 'id="login-form"' in page or 'name="password"' in page  # the form, not a bare page
    assert 1 <= int(headers["Retry-After"]) <= LOCKOUT_WINDOW
    # Locked out: even the right password is refused, from another connection too.
    assert post_login(Session(base_url), clerk, CLERK_PASSWORD)[0] == 429
    time.sleep(int(headers["Retry-After"]) + 0.5)
    status, headers, _ = post_login(session, clerk, CLERK_PASSWORD)
    assert status == 302 and headers["Location"] == "/"
    events = [(row["event"], row["username"]) for row in rows_after(app, since)]
    assert events.count(("login_failed", clerk)) == 5
    assert ("login_locked", clerk) in events
    assert events[-1] == ("login", clerk)


def plain_server(tmp_path: Path, settings: DashboardSettings) -> flask.Flask:
    """The login, the throttling, the headers and the audit on a bare Flask server (no
    pages): limits of any length without touching the session's live server."""
    path = tmp_path / "users.yaml"
    users.add_user(path, "alice", "alice-password", "cfo")
    server = flask.Flask("security-test")
    server.config.update(SECRET_KEY="test", DASHBOARD_SETTINGS=settings,
                         TIMINGS=deque(maxlen=10))
    audit.install(server, tmp_path / "audit.sqlite")
    auth.install(server, path)
    security.install_limiter(server, settings)
    security.install_headers(server, settings)
    return server


def client_post_login(client, username: str, password: str, address: str = "10.0.0.1"):
    client.get("/login", environ_base={"REMOTE_ADDR": address})
    with client.session_transaction() as session:
        token = session["csrf_token"]
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token, "next": "/"},
                       environ_base={"REMOTE_ADDR": address})


def test_one_address_trying_many_names_is_locked_out_too(tmp_path):
    settings = DashboardSettings(login_limits="5 per minute",
                                 login_limits_per_address="3 per minute")
    client = plain_server(tmp_path, settings).test_client()
    statuses = [client_post_login(client, f"user{number}", "nope").status_code
                for number in range(4)]
    assert statuses == [401, 401, 401, 429]
    # another address is not concerned, nor is a right password from it
    assert client_post_login(client, "alice", "alice-password", "10.0.0.2").status_code == 302


def test_an_admin_unlocks_a_user_name_and_a_right_password_is_never_counted(tmp_path):
    settings = DashboardSettings(login_limits="2 per hour", login_limits_per_address="50 per hour")
    server = plain_server(tmp_path, settings)
    client = server.test_client()
    for _ in range(6):  # successes do not count
        assert client_post_login(client, "alice", "alice-password").status_code == 302
    assert [client_post_login(client, "Alice", "bad").status_code
            for _ in range(3)] == [401, 401, 429]  # the name's case does not matter
    security.unlock(settings, "ALICE", limiter=server.config["LIMITER"])
    assert client_post_login(client, "alice", "alice-password").status_code == 302


def test_the_unlock_command_needs_shared_storage(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CREDIT_SCOREBOARD_DASHBOARD_CONFIG", str(tmp_path / "none.yaml"))
    monkeypatch.delenv("CREDIT_SCOREBOARD_RATE_LIMIT_STORAGE", raising=False)
    assert users.main(["unlock", "alice"]) == 1
    assert "Audit page" in capsys.readouterr().err


def test_tls_makes_the_session_cookie_secure_and_asks_for_https(tmp_path):
    client = plain_server(tmp_path, DashboardSettings(tls=True)).test_client()
    response = client.get("/login")
    assert "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    plain = plain_server(tmp_path / "plain", DashboardSettings()).test_client().get("/login")
    assert "Secure" not in plain.headers["Set-Cookie"]
    assert "Strict-Transport-Security" not in plain.headers


# --- the audit trail ------------------------------------------------------------------

def test_a_login_and_a_failed_login_leave_one_row_each_never_a_password(http, live_server):
    app = live_server[1]
    since = last_id(app)
    assert http.login("sme_manager", PASSWORDS["sme_manager"]) == 302
    assert post_login(Session(live_server[0]), "cfo", "not-the-cfo-password")[0] == 401
    assert post_login(Session(live_server[0]), "sme-password", "typed-in-the-wrong-box")[0] \
        == 401
    rows = rows_after(app, since)
    assert [(row["event"], row["username"], row["role"]) for row in rows] == [
        ("login", "sme_manager", "credit_manager"), ("login_failed", "cfo", "cfo"),
        ("login_failed", audit.UNKNOWN_USER, None)]
    login = rows[0]
    assert json.loads(login["scope"])["segments"] == ["SME"]
    assert login["client_address"] == "127.0.0.1" and login["path"] == "/login"
    assert all(row["at_utc"].endswith("+00:00") for row in rows)
    stored = b"".join(path.read_bytes() for path in Path(app.server.config["AUDIT_DB"]).parent
                      .glob("audit.sqlite*"))
    for secret in (*PASSWORDS.values(), "not-the-cfo-password", "sme-password",
                   "typed-in-the-wrong-box", "test-secret-key"):
        assert secret.encode() not in stored, secret
    jar = next(handler.cookiejar for handler in http.opener.handlers
               if isinstance(handler, urllib.request.HTTPCookieProcessor))
    session_cookie = next(cookie.value for cookie in jar if cookie.name == "session")
    assert session_cookie.encode() not in stored


def test_a_logout_is_audited(http, live_server):
    since = last_id(live_server[1])
    assert http.login("cfo", PASSWORDS["cfo"]) == 302
    assert http.request("GET", "/logout")[0] == 302
    assert [row["event"] for row in rows_after(live_server[1], since)] == ["login", "logout"]


def test_the_trail_is_append_only_and_survives_two_publishes(http, live_server):
    base_url, app = live_server
    database = Path(app.server.config["AUDIT_DB"])
    published = Path(app.server.config["WAREHOUSE"])
    assert database.parent != published.parent  # outside the published warehouse
    assert http.login("cfo", PASSWORDS["cfo"]) == 302
    before = trail(app)
    for _ in range(2):  # a publish: a staged copy renamed over the warehouse
        staged = published.with_suffix(".staged")
        shutil.copy(published, staged)
        os.replace(staged, published)
        assert http.render_page("/")[0] == 200
    assert http.login("cfo", PASSWORDS["cfo"]) == 302
    after = trail(app)
    assert after[:len(before)] == before and after[-1]["event"] == "login"
    connection = sqlite3.connect(database)
    try:
        for statement in ("update audit_log set username = 'x'", "delete from audit_log"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                connection.execute(statement)
    finally:
        connection.close()
    assert trail(app) == after


@pytest.mark.parametrize("username", ["cfo", "sme_manager"])
def test_only_an_admin_reads_the_trail(live_server, username):
    session = Session(live_server[0])
    assert session.login(username, PASSWORDS[username]) == 302
    status, page = session.render_page("/audit")
    assert status == 200 and "audit-refused" in page
    assert "login_failed" not in page and "table-audit-trail" not in page
    assert not re.search(r'"href":\s*"/audit', page)  # no menu link either
    # a crafted unlock callback is refused too
    body = json.dumps({
        "output": "unlock-result.children",
        "outputs": {"id": "unlock-result", "property": "children"},
        "inputs": [{"id": "unlock-button", "property": "n_clicks", "value": 1}],
        "state": [{"id": "unlock-username", "property": "value", "value": "cfo"}],
        "changedPropIds": ["unlock-button.n_clicks"]}).encode()
    status, _, text = session.request("POST", "/_dash-update-component", body,
                                      "application/json")
    assert status == 200 and "Only administrators" in text


def test_the_export_of_the_trail_is_empty_for_others(live_server):
    from dashboards import components

    fetch = components.EXPORTS["audit-trail"]
    app = live_server[1]
    with app.server.test_request_context("/"):
        flask.session[auth.SESSION_USER] = "sme_manager"
        assert fetch(None, None, None, {}).empty
        flask.session[auth.SESSION_USER] = "admin"
        assert len(fetch(None, None, None, {})) == len(trail(app))


def test_an_admin_reads_the_trail_and_unlocks_a_user(live_server):
    session = Session(live_server[0])
    assert session.login("admin", PASSWORDS["admin"]) == 302
    status, page = session.render_page("/audit")
    assert status == 200 and "audit-refused" not in page
    assert "table-audit-trail" in page and '"login"' in page
    body = json.dumps({
        "output": "unlock-result.children",
        "outputs": {"id": "unlock-result", "property": "children"},
        "inputs": [{"id": "unlock-button", "property": "n_clicks", "value": 1}],
        "state": [{"id": "unlock-username", "property": "value", "value": CLERK}],
        "changedPropIds": ["unlock-button.n_clicks"]}).encode()
    status, _, text = session.request("POST", "/_dash-update-component", body,
                                      "application/json")
    assert status == 200 and f"{CLERK}: unlocked." in text
    last = trail(live_server[1])[-1]
    assert (last["event"], last["username"], last["target"]) == ("unlock", "admin", CLERK)


def customer_of(warehouse, segment_clause: str) -> str:
    return query(warehouse, "select customer_id from marts.customers where "
                 f"{segment_clause} order by customer_id limit 1")[0][0]


@pytest.mark.browser
def test_a_call_sheet_pdf_download_is_rendered_and_audited(live_server, dashboard_warehouse):
    base_url, app = live_server
    customer_id = customer_of(dashboard_warehouse, "segment = 'SME'")
    as_of = query(dashboard_warehouse, "select max(as_of_date) from marts.aged_balance")[0][0]
    session = Session(base_url)
    assert session.login("sme_manager", PASSWORDS["sme_manager"]) == 302
    since = last_id(app)
    request = urllib.request.Request(f"{base_url}/call-sheet/{customer_id}.pdf?as_of={as_of}")
    with session.opener.open(request, timeout=120) as response:
        document = response.read()
        assert response.headers["Content-Type"] == "application/pdf"
        assert "attachment" in response.headers["Content-Disposition"]
    assert document.startswith(b"%PDF")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "call_sheet_download.pdf").write_bytes(document)
    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(document)).pages)
    text = PdfReader(io.BytesIO(document)).pages[0].extract_text()
    assert customer_id in text
    rows = [row for row in rows_after(app, since) if row["event"] == "pdf_download"]
    assert len(rows) == 1
    row = rows[0]
    assert (row["username"], row["role"], row["target"], row["file_format"]) == (
        "sme_manager", "credit_manager", customer_id, "pdf")
    assert json.loads(row["filters"]) == {"as_of": str(as_of)}
    assert json.loads(row["scope"])["segments"] == ["SME"]
    assert json.loads(row["detail"])["pages"] == pages >= 1
    # outside the scope: nothing rendered, nothing logged as a download
    other = customer_of(dashboard_warehouse, "segment <> 'SME'")
    assert session.request("GET", f"/call-sheet/{other}.pdf")[0] == 404
    assert [row["event"] for row in rows_after(app, since)].count("pdf_download") == 1


# --- passwords ------------------------------------------------------------------------

@pytest.mark.parametrize("password, problem", [
    ("short-one", "at least 12 characters"),
    ("bob-the-collector", "must not contain the user name"),
    ("password1234", "common password"),
    ("Iloveyou123456!", "common password"),
])
def test_the_users_command_refuses_a_weak_password(tmp_path, monkeypatch, capsys, password,
                                                   problem):
    path = tmp_path / "users.yaml"
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    assert users.main(["--file", str(path), "add", "Bob", "--role", "cfo",
                       "--password-stdin"]) == 1
    assert problem in capsys.readouterr().err
    assert not path.exists()


def test_a_user_changes_their_password_with_the_current_one(live_server, users_file):
    base_url, app = live_server
    users.add_user(users_file, "changer", "first-password-19", "cfo")
    session = Session(base_url)
    assert session.login("changer", "first-password-19") == 302
    since = last_id(app)
    status, _, form = session.request("GET", "/account/password")
    assert status == 200 and 'name="current_password"' in form

    def change(current: str, new: str, confirm: str | None = None) -> tuple[int, str]:
        token = form.split('name="csrf_token" value="')[1].split('"')[0]
        body = urllib.parse.urlencode({
            "csrf_token": token, "current_password": current, "new_password": new,
            "confirm_password": new if confirm is None else confirm}).encode()
        status, _, page = session.request("POST", "/account/password", body,
                                          "application/x-www-form-urlencoded")
        return status, page

    assert change("wrong-current-pw", "a-brand-new-secret")[0] == 403
    assert change("first-password-19", "a-brand-new-secret", "another-secret-x")[0] == 400
    status, page = change("first-password-19", "changer-2026-pass")
    assert status == 400 and "user name" in page
    status, page = change("first-password-19", "a-brand-new-secret")
    assert status == 200 and "Your password was changed." in page
    assert Session(base_url).login("changer", "first-password-19") == 401
    assert Session(base_url).login("changer", "a-brand-new-secret") == 302
    events = [row["event"] for row in rows_after(app, since) if row["username"] == "changer"]
    assert events[:4] == ["password_change_failed", "password_change_failed",
                          "password_change", "login_failed"]
    stored = Path(app.server.config["AUDIT_DB"]).read_bytes()
    assert b"a-brand-new-secret" not in stored and b"first-password-19" not in stored
    # the form needs its token and a session
    assert Session(base_url).request("GET", "/account/password")[0] == 302

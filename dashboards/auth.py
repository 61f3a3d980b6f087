"""Login for every page, callback and download (Flask session, hashed passwords).

The users file (YAML, see config/users.example.yaml) is re-read when it changes, and
the user's scope is looked up again on every request: removing a user or narrowing a
restriction takes effect without a restart.
"""

from __future__ import annotations

import html
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import flask
import yaml
from werkzeug.security import check_password_hash

from dashboards import audit
from dashboards.data import Scope
from dashboards.settings import LOCALES

ROLES = ("admin", "cfo", "credit_manager", "collector")
# Reachable without a session: the login form, its stylesheet and the logout.
PUBLIC_PATHS = ("/login", "/logout", "/assets/login.css")
SESSION_USER = "username"


@dataclass(frozen=True)
class User:
    username: str
    role: str
    password_hash: str
    segments: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    collector_ids: tuple[str, ...] = ()
    locale: str | None = None  # the language the user chose (top bar), None: the default

    @property
    def scope(self) -> Scope:
        """admin and cfo see everything; a credit manager's segments/regions and a
        collector's own customers restrict every query (data.conditions)."""
        if self.role in ("admin", "cfo"):
            return Scope()
        if self.role == "credit_manager":
            return Scope(segments=self.segments, regions=self.regions,
                         can_see_rows_in_quarantine=False)
        return Scope(collector_ids=self.collector_ids, can_see_rows_in_quarantine=False)


class UsersFileError(ValueError):
    pass


def _as_tuple(value: object, path: Path, username: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise UsersFileError(f"{path}: user {username!r}: {key} must be a list of names")
    return tuple(value)


def parse_users(text: str, path: Path) -> dict[str, User]:
    document = yaml.safe_load(text) or {}
    users: dict[str, User] = {}
    for number, entry in enumerate(document.get("users") or [], start=1):
        if not isinstance(entry, dict) or not entry.get("username"):
            raise UsersFileError(f"{path}: user entry {number} has no username")
        username = str(entry["username"])
        role = entry.get("role")
        if role not in ROLES:
            raise UsersFileError(f"{path}: user {username!r}: role {role!r} not one of {ROLES}")
        if not str(entry.get("password_hash", "")).startswith(("scrypt:", "pbkdf2:")):
            raise UsersFileError(
                f"{path}: user {username!r}: password_hash must be a werkzeug hash "
                "(use `credit-scoreboard users add`), never a plain password")
        locale = entry.get("locale")
        if locale is not None and locale not in LOCALES:
            raise UsersFileError(f"{path}: user {username!r}: locale {locale!r} not one of "
                                 f"{LOCALES}")
        users[username] = User(
            username=username, role=role, password_hash=entry["password_hash"],
            segments=_as_tuple(entry.get("segments"), path, username, "segments"),
            regions=_as_tuple(entry.get("regions"), path, username, "regions"),
            collector_ids=_as_tuple(entry.get("collector_ids"), path, username,
                                    "collector_ids"),
            locale=locale,
        )
    return users


class UserDirectory:
    """The users file, re-parsed only when its modification time changes."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._stamp: int | None = None
        self._users: dict[str, User] = {}

    def users(self) -> dict[str, User]:
        stamp = self.path.stat().st_mtime_ns if self.path.exists() else None
        if stamp != self._stamp:
            self._users = (parse_users(self.path.read_text(encoding="utf-8"), self.path)
                           if stamp is not None else {})
            self._stamp = stamp
        return self._users

    def authenticate(self, username: str, password: str) -> User | None:
        user = self.users().get(username)
        if user is None or not check_password_hash(user.password_hash, password):
            return None
        return user


def current_user() -> User | None:
    """The logged-in user of this request, or None."""
    directory: UserDirectory = flask.current_app.config["USER_DIRECTORY"]
    username = flask.session.get(SESSION_USER)
    return directory.users().get(username) if username else None


def current_scope() -> Scope:
    user = current_user()
    if user is None:  # the before_request guard makes this unreachable; fail closed
        flask.abort(401)
    return user.scope


# The page's looks come from a stylesheet (public, like the form): the content security
# policy allows no inline script and the form needs none.
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Credit scoreboard: {title}</title>
<link rel="stylesheet" href="{stylesheet}"></head><body>
{body}
</body></html>"""
LOGIN_STYLESHEET = "/assets/login.css"
LOGIN_FORM = """<form method="post" action="/login">
 <h2>Credit scoreboard</h2>
 <input type="hidden" name="next" value="{next}">
 <input type="hidden" name="csrf_token" value="{csrf_token}">
 <label>User <input id="username" name="username" autocomplete="username" autofocus></label>
 <label>Password <input id="password" name="password" type="password"
   autocomplete="current-password"></label>
 <button id="login-button" type="submit">Sign in</button>
 {error}
</form>"""
PASSWORD_FORM = """<form method="post" action="/account/password">
 <h2>Change your password</h2>
 <p class="hint">Signed in as {username}. At least {length} characters, not your user name,
 not a common password.</p>
 <input type="hidden" name="csrf_token" value="{csrf_token}">
 <label>Current password <input id="current-password" name="current_password" type="password"
   autocomplete="current-password" autofocus></label>
 <label>New password <input id="new-password" name="new_password" type="password"
   autocomplete="new-password"></label>
 <label>New password again <input id="confirm-password" name="confirm_password"
   type="password" autocomplete="new-password"></label>
 <button id="password-button" type="submit">Change password</button>
 {message}
 <p class="back"><a href="/" id="password-back">Back to the dashboard</a></p>
</form>"""


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to another host."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _csrf_token() -> str:
    return flask.session.setdefault("csrf_token", secrets.token_urlsafe(16))


def _csrf_ok(form) -> bool:
    expected = flask.session.get("csrf_token")
    return bool(expected) and secrets.compare_digest(form.get("csrf_token", ""), expected)


def login_form(next_url: str, error: str = "", status: int = 200) -> flask.Response:
    body = LOGIN_FORM.format(
        next=html.escape(next_url), csrf_token=_csrf_token(),
        error=f'<p class="error" id="login-error">{html.escape(error)}</p>' if error else "")
    page = PAGE.format(title="sign in", stylesheet=LOGIN_STYLESHEET, body=body)
    return flask.Response(page, status=status, mimetype="text/html")


def password_form(user: User, message: str = "", status: int = 200,
                  kind: str = "error") -> flask.Response:
    from dashboards.users import MIN_PASSWORD_LENGTH

    body = PASSWORD_FORM.format(
        username=html.escape(user.username), length=MIN_PASSWORD_LENGTH,
        csrf_token=_csrf_token(),
        message=f'<p class="{kind}" id="password-message">{html.escape(message)}</p>'
        if message else "")
    page = PAGE.format(title="password", stylesheet=LOGIN_STYLESHEET, body=body)
    return flask.Response(page, status=status, mimetype="text/html")


def current_directory() -> UserDirectory:
    return flask.current_app.config["USER_DIRECTORY"]


def install(server: flask.Flask, users_file: Path) -> None:
    """Add the login routes and the guard that refuses every unauthenticated request."""
    server.config["USER_DIRECTORY"] = UserDirectory(users_file)

    @server.before_request
    def require_login():
        if flask.request.path in PUBLIC_PATHS or current_user() is not None:
            return None
        if flask.request.method == "GET" and not flask.request.path.startswith("/_dash"):
            return flask.redirect(f"/login?next={flask.request.full_path.rstrip('?')}")
        # Callbacks, downloads, component suites and any non-GET: a plain refusal.
        return flask.Response("Login required", status=401, mimetype="text/plain")

    @server.route("/login", methods=["GET", "POST"])
    def login():
        if flask.request.method == "GET":
            return login_form(safe_next(flask.request.args.get("next")))
        form = flask.request.form
        next_url = safe_next(form.get("next"))
        if not _csrf_ok(form):
            return login_form(next_url, "The form expired: please sign in again.", 400)
        directory = server.config["USER_DIRECTORY"]
        username = form.get("username", "")
        user = directory.authenticate(username, form.get("password", ""))
        if user is None:
            # 401 is what dashboards.security counts as a failed attempt.
            known = directory.users().get(username)
            audit.record("login_failed",
                         username=known.username if known else audit.UNKNOWN_USER,
                         role=known.role if known else None,
                         detail=None if known else {"reason": "unknown user name"})
            return login_form(next_url, "Unknown user or wrong password.", 401)
        flask.session.clear()  # a fresh session on login (no fixation)
        flask.session.permanent = True
        flask.session[SESSION_USER] = user.username
        audit.record_user("login", user)
        return flask.redirect(next_url)

    @server.route("/logout")
    def logout():
        user = current_user()
        if user is not None:
            audit.record_user("logout", user)
        flask.session.clear()
        return flask.redirect("/login")

    @server.route("/account/password", methods=["GET", "POST"])
    def change_password():
        """The signed-in user's own password: the current one, the new one twice, the
        policy of the users command (dashboards.users.check_password)."""
        from dashboards import users

        user = current_user()  # the guard above let only signed-in users in
        if flask.request.method == "GET":
            return password_form(user)
        form = flask.request.form
        if not _csrf_ok(form):
            return password_form(user, "The form expired: please try again.", 400)
        directory = server.config["USER_DIRECTORY"]
        if directory.authenticate(user.username, form.get("current_password", "")) is None:
            audit.record_user("password_change_failed", user,
                              detail={"reason": "wrong current password"})
            return password_form(user, "The current password is wrong.", 403)
        new = form.get("new_password", "")
        if new != form.get("confirm_password", ""):
            return password_form(user, "The two new passwords differ.", 400)
        try:
            users.set_password(directory.path, user.username, new)
        except ValueError as problem:
            audit.record_user("password_change_failed", user,
                              detail={"reason": "password policy"})
            return password_form(user, str(problem), 400)
        audit.record_user("password_change", user)
        return password_form(user, "Your password was changed.", 200, kind="success")

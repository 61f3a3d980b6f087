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

from dashboards.data import Scope
from dashboards.settings import LOCALES

ROLES = ("admin", "cfo", "credit_manager", "collector")
# Reachable without a session: the login form itself and the logout.
PUBLIC_PATHS = ("/login", "/logout")
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


LOGIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Credit scoreboard: sign in</title>
<style>
 body {{font-family: system-ui, sans-serif; background: #f4f6f9; display: flex;
       justify-content: center; padding-top: 12vh}}
 form {{background: white; padding: 2rem 2.5rem; border-radius: 8px;
        box-shadow: 0 2px 8px rgba(0,0,0,.1); width: 20rem}}
 label {{display: block; margin-top: 1rem; font-size: .9rem}}
 input {{width: 100%; padding: .5rem; margin-top: .25rem; box-sizing: border-box}}
 button {{margin-top: 1.5rem; width: 100%; padding: .6rem; background: #1f4e79;
          color: white; border: 0; border-radius: 4px; font-size: 1rem}}
 .error {{color: #b00020; margin-top: 1rem}}
</style></head><body>
<form method="post" action="/login">
 <h2>Credit scoreboard</h2>
 <input type="hidden" name="next" value="{next}">
 <input type="hidden" name="csrf_token" value="{csrf_token}">
 <label>User <input id="username" name="username" autocomplete="username" autofocus></label>
 <label>Password <input id="password" name="password" type="password"
   autocomplete="current-password"></label>
 <button id="login-button" type="submit">Sign in</button>
 {error}
</form></body></html>"""


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to another host."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _login_form(next_url: str, error: str = "", status: int = 200) -> flask.Response:
    flask.session.setdefault("csrf_token", secrets.token_urlsafe(16))
    page = LOGIN_PAGE.format(
        next=html.escape(next_url), csrf_token=flask.session["csrf_token"],
        error=f'<p class="error">{html.escape(error)}</p>' if error else "")
    return flask.Response(page, status=status, mimetype="text/html")


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
            return _login_form(safe_next(flask.request.args.get("next")))
        form = flask.request.form
        next_url = safe_next(form.get("next"))
        expected_token = flask.session.get("csrf_token")
        if not expected_token or not secrets.compare_digest(form.get("csrf_token", ""),
                                                            expected_token):
            return _login_form(next_url, "The form expired: please sign in again.", 400)
        user = server.config["USER_DIRECTORY"].authenticate(
            form.get("username", ""), form.get("password", ""))
        if user is None:
            return _login_form(next_url, "Unknown user or wrong password.", 401)
        flask.session.clear()  # a fresh session on login (no fixation)
        flask.session.permanent = True
        flask.session[SESSION_USER] = user.username
        return flask.redirect(next_url)

    @server.route("/logout")
    def logout():
        flask.session.clear()
        return flask.redirect("/login")

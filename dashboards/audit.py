"""The audit trail: who signed in (or failed to, or was locked out), signed out, changed a
password, exported which table with which filters and how many rows, downloaded which PDF.

One SQLite file (settings `audit_db`, env CREDIT_SCOREBOARD_AUDIT_DB, default
`var/audit/audit.sqlite`), outside the published warehouse: a publish replaces the
warehouse file and never touches it. Append-only: triggers refuse UPDATE and DELETE, so
the application cannot rewrite its own history (archiving is a file operation, see
SECURITY.md). WAL mode: several gunicorn workers append at once.

Never written: a password, a session cookie or token, a form body. A failed sign-in
under a name that is no user is logged as "(unknown user)": people type their password
into the user field by mistake.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3
from collections.abc import Mapping
from pathlib import Path

import flask
import pandas as pd

EVENTS = ("login", "login_failed", "login_locked", "logout", "password_change",
          "password_change_failed", "export", "pdf_download", "unlock")
COLUMNS = ("id", "at_utc", "event", "username", "role", "scope", "client_address", "path",
           "target", "file_format", "filters", "row_count", "detail")
UNKNOWN_USER = "(unknown user)"

SCHEMA = """
create table if not exists audit_log (
    id integer primary key autoincrement,
    at_utc text not null,            -- ISO 8601, UTC
    event text not null,
    username text,
    role text,
    scope text,                      -- JSON: the user's restriction at the time
    client_address text,
    path text,                       -- the HTTP route that did it
    target text,                     -- the table key, or the customer of a PDF
    file_format text,                -- csv | xlsx | pdf
    filters text,                    -- JSON: page query and grid filter model
    row_count integer,
    detail text                      -- JSON: anything else (pages of a PDF, a reason)
);
create index if not exists audit_log_at on audit_log (at_utc);
create trigger if not exists audit_log_no_update before update on audit_log
begin select raise(abort, 'the audit trail is append-only'); end;
create trigger if not exists audit_log_no_delete before delete on audit_log
begin select raise(abort, 'the audit trail is append-only'); end;
"""


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=30)
    connection.execute("pragma busy_timeout = 30000")
    return connection


def initialise(path: Path) -> Path:
    """Create the file, its table and its triggers (idempotent)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = _connect(path)
    try:
        connection.execute("pragma journal_mode = wal")
        connection.executescript(SCHEMA)
    finally:
        connection.close()
    return path


def install(server: flask.Flask, path: Path) -> None:
    server.config["AUDIT_DB"] = initialise(path)


def _json(value: object) -> str | None:
    if value is None:
        return None
    if dataclasses.is_dataclass(value):
        value = dataclasses.asdict(value)
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)


def record(event: str, *, username: str | None = None, role: str | None = None,
           scope: object = None, target: str | None = None, file_format: str | None = None,
           filters: Mapping | None = None, row_count: int | None = None,
           detail: Mapping | None = None, path: Path | None = None) -> None:
    """Append one row; the client address and route come from the current request.
    A server built without `install` (the framework's unit-test servers) records nothing;
    `dashboards.app.create_app` always installs it."""
    if event not in EVENTS:
        raise ValueError(f"audit event {event!r} is not one of {EVENTS}")
    in_request = flask.has_request_context()
    database = path or flask.current_app.config.get("AUDIT_DB")
    if database is None:
        return
    row = (dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"), event, username, role,
           _json(scope), flask.request.remote_addr if in_request else None,
           flask.request.path if in_request else None, target, file_format, _json(filters),
           row_count, _json(detail))
    connection = _connect(database)
    try:
        with connection:
            connection.execute(
                f"insert into audit_log ({', '.join(COLUMNS[1:])}) "
                f"values ({', '.join('?' * (len(COLUMNS) - 1))})", row)
    finally:
        connection.close()


def record_user(event: str, user, **values) -> None:
    """`record` for a signed-in user (dashboards.auth.User): name, role and scope."""
    record(event, username=user.username, role=user.role, scope=user.scope, **values)


def read(path: Path, limit: int | None = None) -> pd.DataFrame:
    """The trail, newest first (all of it, or the `limit` latest rows)."""
    connection = _connect(path)
    try:
        sql = f"select {', '.join(COLUMNS)} from audit_log order by id desc"
        if limit:
            sql += f" limit {int(limit)}"
        return pd.read_sql_query(sql, connection)
    finally:
        connection.close()

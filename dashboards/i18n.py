"""French and English: the strings of the interface and each user's choice of language.

Code is written in English; `translate(text, "fr")` looks `text` up in the French
strings of `dashboards/locales/*.yaml` (every file merged, each a flat mapping
`"English text": "Texte français"`, `str.format` placeholders kept as they are), and
falls back to the English text when a string has no French yet.

The language is chosen in the top bar (FR | EN): `/locale/<code>` keeps it in the
session and in the user's entry of the users file, so it follows the user to the next
session, without a server restart.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import flask
import yaml

from dashboards import auth, users
from dashboards.settings import LOCALES

LOCALES_FOLDER = Path(__file__).parent / "locales"
SESSION_LOCALE = "locale"

_lock = threading.Lock()
_french: dict[str, str] = {}
_french_stamp: tuple | None = None


def _stamp(folder: Path) -> tuple:
    return tuple((path.name, path.stat().st_mtime_ns) for path in sorted(folder.glob("*.yaml")))


def french(folder: Path | None = None) -> dict[str, str]:
    """English -> French, from every file of the folder (re-read when one changes)."""
    global _french, _french_stamp
    folder = folder or LOCALES_FOLDER
    stamp = (str(folder), _stamp(folder))
    with _lock:
        if stamp != _french_stamp:
            merged: dict[str, str] = {}
            for path in sorted(folder.glob("*.yaml")):
                strings = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
                if not isinstance(strings, dict):
                    raise ValueError(f"{path}: expected a mapping 'English text': 'French text'")
                merged.update({str(key): str(value) for key, value in strings.items()
                               if value is not None})
            _french, _french_stamp = merged, stamp
        return _french


def translate(text: str, locale: str = "en", **values: object) -> str:
    """`text` (English) in the user's language, with its placeholders filled."""
    if locale == "fr":
        text = french().get(text, text)
    return text.format(**values) if values else text


def current_locale() -> str:
    """The session's choice, else the one saved for the user, else the app's default."""
    if not flask.has_app_context():
        return "en"
    settings = flask.current_app.config["DASHBOARD_SETTINGS"]
    if not flask.has_request_context():
        return settings.locale
    chosen = flask.session.get(SESSION_LOCALE)
    if chosen in LOCALES:
        return chosen
    user = auth.current_user()
    if user is not None and user.locale in LOCALES:
        return user.locale
    return settings.locale


def install(server: flask.Flask) -> None:
    """The language switch: `/locale/fr?next=/aged?...` (after the login guard)."""

    @server.route("/locale/<code>")
    def switch_locale(code: str):
        next_url = auth.safe_next(flask.request.args.get("next"))
        if code not in LOCALES:
            return flask.redirect(next_url)
        flask.session[SESSION_LOCALE] = code
        user = auth.current_user()
        if user is not None and user.locale != code:
            directory: auth.UserDirectory = server.config["USER_DIRECTORY"]
            try:
                users.set_locale(directory.path, user.username, code)
            except (OSError, ValueError) as error:  # a read-only users file: session only
                logging.getLogger(__name__).warning("language not saved for %s: %s",
                                                    user.username, error)
        return flask.redirect(next_url)

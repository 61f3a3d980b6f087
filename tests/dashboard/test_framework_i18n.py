"""French and English: translations with an English fallback, and each user's choice of
language, kept in the session and in the users file (i18n.py, users.py)."""

from __future__ import annotations

import re
import time

import flask
import pytest
import yaml
from dashboard_support import PASSWORDS

from dashboards import auth, i18n, users
from dashboards.auth import UserDirectory, UsersFileError, parse_users
from dashboards.settings import DashboardSettings


def write(path, mapping) -> None:
    path.write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")


def test_a_string_without_french_falls_back_to_english(tmp_path, monkeypatch):
    write(tmp_path / "fr_a.yaml", {"Overdue": "Échu", "Hello {name}": "Bonjour {name}"})
    write(tmp_path / "fr_b.yaml", {"Columns": "Colonnes"})
    monkeypatch.setattr(i18n, "LOCALES_FOLDER", tmp_path)
    assert i18n.translate("Overdue", "fr") == "Échu"
    assert i18n.translate("Columns", "fr") == "Colonnes"  # every file is merged
    assert i18n.translate("Not translated yet", "fr") == "Not translated yet"
    assert i18n.translate("Hello {name}", "fr", name="Anne") == "Bonjour Anne"
    assert i18n.translate("Hello {name}", "en", name="Anne") == "Hello Anne"
    assert i18n.translate("Overdue", "en") == "Overdue"


def test_an_edited_locale_file_is_read_again_without_a_restart(tmp_path, monkeypatch):
    monkeypatch.setattr(i18n, "LOCALES_FOLDER", tmp_path)
    write(tmp_path / "fr.yaml", {"Overdue": "En retard"})
    assert i18n.translate("Overdue", "fr") == "En retard"
    time.sleep(0.01)  # a new modification time
    write(tmp_path / "fr.yaml", {"Overdue": "Échu"})
    assert i18n.translate("Overdue", "fr") == "Échu"


def test_every_french_string_keeps_the_placeholders_of_its_english_key():
    """All the project's locale files parse, and no translation loses or invents a
    `{placeholder}` (which would raise or show a raw brace on screen)."""
    strings = i18n.french()
    assert strings["Sign out"] == "Déconnexion"
    for english, french in strings.items():
        assert set(re.findall(r"{(\w*)}", english)) == set(re.findall(r"{(\w*)}", french)), \
            english


def login(client, username: str) -> None:
    form = client.get("/login").get_data(as_text=True)
    token = form.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/login", data={"username": username, "csrf_token": token,
                                           "password": PASSWORDS[username], "next": "/"})
    assert response.status_code == 302


def test_the_language_switch_is_kept_in_the_session_and_the_users_file(framework_server):
    directory: UserDirectory = framework_server.config["USER_DIRECTORY"]
    client = framework_server.test_client()
    login(client, "sme_manager")
    response = client.get("/locale/fr?next=/aged%3Fsegment%3DSME%26as_of%3D2026-10-31")
    assert response.status_code == 302
    assert response.headers["Location"] == "/aged?segment=SME&as_of=2026-10-31"
    with client.session_transaction() as session:
        assert session[i18n.SESSION_LOCALE] == "fr"
    assert directory.users()["sme_manager"].locale == "fr"
    assert directory.users()["cfo"].locale is None  # nobody else's choice changes
    # A new session (another browser, or after signing out) starts in French.
    other = framework_server.test_client()
    login(other, "sme_manager")
    with framework_server.test_request_context("/"):
        flask.session[auth.SESSION_USER] = "sme_manager"
        assert i18n.current_locale() == "fr"
    # And back to English.
    client.get("/locale/en?next=/")
    assert directory.users()["sme_manager"].locale == "en"


def test_the_switch_refuses_other_sites_and_unknown_languages(framework_server):
    client = framework_server.test_client()
    assert client.get("/locale/fr").status_code == 302  # anonymous: to the login
    assert "/login" in client.get("/locale/fr").headers["Location"]
    login(client, "cfo")
    assert client.get("/locale/fr?next=https://evil.example/").headers["Location"] == "/"
    assert client.get("/locale/de?next=/aged").headers["Location"] == "/aged"
    with client.session_transaction() as session:
        assert session[i18n.SESSION_LOCALE] == "fr"


def test_the_session_choice_comes_before_the_user_s_and_the_default(framework_server):
    framework_server.config["DASHBOARD_SETTINGS"] = DashboardSettings(locale="fr")
    directory: UserDirectory = framework_server.config["USER_DIRECTORY"]
    users.set_locale(directory.path, "cfo", "en")
    with framework_server.test_request_context("/"):
        assert i18n.current_locale() == "fr"  # nobody signed in: the site's default
        flask.session[auth.SESSION_USER] = "sme_manager"
        assert i18n.current_locale() == "fr"  # no choice saved: the default
        flask.session[auth.SESSION_USER] = "cfo"
        assert i18n.current_locale() == "en"  # the user's saved choice
        flask.session[i18n.SESSION_LOCALE] = "fr"
        assert i18n.current_locale() == "fr"  # this session's switch


def test_a_users_file_that_cannot_be_written_keeps_the_choice_for_the_session(
        framework_server, monkeypatch):
    def read_only(*_):
        raise PermissionError("read-only file system")

    monkeypatch.setattr(users, "set_locale", read_only)
    client = framework_server.test_client()
    login(client, "cfo")
    assert client.get("/locale/fr?next=/").headers["Location"] == "/"
    with client.session_transaction() as session:
        assert session[i18n.SESSION_LOCALE] == "fr"
    assert framework_server.config["USER_DIRECTORY"].users()["cfo"].locale is None


def test_a_new_password_keeps_the_chosen_language(tmp_path):
    path = tmp_path / "users.yaml"
    users.add_user(path, "alice", "first", "cfo")
    users.set_locale(path, "alice", "fr")
    users.add_user(path, "alice", "second", "credit_manager", segments=["SME"])
    alice = UserDirectory(path).authenticate("alice", "second")
    assert alice.locale == "fr" and alice.scope.segments == ("SME",)
    with pytest.raises(ValueError, match="no user 'bob'"):
        users.set_locale(path, "bob", "fr")
    with pytest.raises(ValueError, match="locale 'de'"):
        users.set_locale(path, "alice", "de")


def test_an_unknown_locale_in_the_users_file_is_refused(tmp_path):
    with pytest.raises(UsersFileError, match="locale 'de' not one of"):
        parse_users("users:\n  - {username: bob, role: cfo, password_hash: 'scrypt:x', "
                    "locale: de}", tmp_path / "users.yaml")

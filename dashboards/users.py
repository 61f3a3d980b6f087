"""`credit-scoreboard users add|list|unlock`: manage the dashboard's users file.

    credit-scoreboard users add alice --role credit_manager --segments SME,Retail
    credit-scoreboard users list
    credit-scoreboard users unlock alice [--address 10.0.0.7]

The password is read from the terminal (or from stdin with --password-stdin), checked
against the password policy (`check_password`: length, not the user name, not a common
password) and only its werkzeug hash is written. `unlock` forgets a user name's failed
sign-ins (dashboards/security.py) in the configured shared storage.
"""

from __future__ import annotations

import argparse
import getpass
import os
import secrets
import sys
import tempfile
import threading
from pathlib import Path

import yaml
from werkzeug.security import generate_password_hash

from dashboards.auth import ROLES, parse_users
from dashboards.settings import LOCALES, default_users_file, load_settings

MIN_PASSWORD_LENGTH = 12

# The web app writes the file too (a user's language): one writer at a time per process.
_write_lock = threading.Lock()


def _names(text: str | None) -> list[str]:
    return [name.strip() for name in (text or "").split(",") if name.strip()]


def _read(path: Path) -> dict:
    if not path.exists():
        return {"users": []}
    text = path.read_text(encoding="utf-8")
    parse_users(text, path)  # refuse to extend a broken file
    return yaml.safe_load(text) or {"users": []}


def _write(path: Path, document: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # A temporary file of its own, then one rename: a reader never sees half a file.
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent,
                                     prefix=f".{path.name}.", delete=False) as temporary:
        temporary.write(yaml.safe_dump(document, sort_keys=False))
    os.chmod(temporary.name, 0o600)  # hashes are still secrets worth protecting
    os.replace(temporary.name, path)


def _common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords of leaked lists, as zxcvbn ships them."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def check_password(username: str, password: str) -> None:
    """The password policy of the users command and of the password change form:
    ValueError saying what is wrong."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    lowered = password.lower()
    if username and username.lower() in lowered:
        raise ValueError("the password must not contain the user name")
    common = _common_passwords()
    if lowered in common or lowered.rstrip("0123456789!?.") in common:
        raise ValueError("the password is a common password: choose another")


def add_user(path: Path, username: str, password: str, role: str,
             segments: list[str] = (), regions: list[str] = (),
             collector_ids: list[str] = (), check_policy: bool = False) -> None:
    """Add or replace one user (its password stored hashed). The CLI and the password
    form check the policy; programs that create users (tests, benches) may not."""
    if role not in ROLES:
        raise ValueError(f"role {role!r} is not one of {ROLES}")
    if not password:
        raise ValueError("the password is empty")
    if check_policy:
        check_password(username, password)
    entry: dict = {"username": username, "role": role,
                   "password_hash": generate_password_hash(password)}
    for key, values in (("segments", segments), ("regions", regions),
                        ("collector_ids", collector_ids)):
        if values:
            entry[key] = list(values)
    with _write_lock:
        document = _read(path)
        others = []
        for user in document.get("users") or []:
            if user.get("username") != username:
                others.append(user)
            elif user.get("locale"):  # a new password or role keeps the chosen language
                entry["locale"] = user["locale"]
        document["users"] = others + [entry]
        _write(path, document)


def set_locale(path: Path, username: str, locale: str) -> None:
    """Remember a user's language (the top bar's FR | EN) in their entry."""
    if locale not in LOCALES:
        raise ValueError(f"locale {locale!r} is not one of {LOCALES}")
    with _write_lock:
        document = _read(path)
        entries = [user for user in document.get("users") or []
                   if user.get("username") == username]
        if not entries:
            raise ValueError(f"{path}: no user {username!r}")
        entries[0]["locale"] = locale
        _write(path, document)


def set_password(path: Path, username: str, password: str) -> None:
    """A user's new password (the policy checked), the rest of their entry kept."""
    check_password(username, password)
    with _write_lock:
        document = _read(path)
        entries = [user for user in document.get("users") or []
                   if user.get("username") == username]
        if not entries:
            raise ValueError(f"{path}: no user {username!r}")
        entries[0]["password_hash"] = generate_password_hash(password)
        _write(path, document)


def ensure_demo_users(path: Path) -> None:
    """First start without a users file: create one with an `admin` user whose password
    comes from env CREDIT_SCOREBOARD_ADMIN_PASSWORD or is generated and printed once."""
    if path.exists():
        return
    password = os.environ.get("CREDIT_SCOREBOARD_ADMIN_PASSWORD")
    generated = not password
    password = password or secrets.token_urlsafe(12)
    add_user(path, "admin", password, "admin")
    print(f"credit-scoreboard: created {path} with user 'admin'", file=sys.stderr)
    if generated:
        print(f"credit-scoreboard: admin password (shown once): {password}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="credit-scoreboard users", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", type=Path, default=None,
                        help=f"users file (default {default_users_file()})")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="add or replace a user")
    add.add_argument("username")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--segments", help="credit_manager: comma-separated segments allowed")
    add.add_argument("--regions", help="credit_manager: comma-separated regions allowed")
    add.add_argument("--collectors", help="collector: comma-separated collector ids")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from the first line of stdin")
    commands.add_parser("list", help="list users, roles and restrictions")
    unlock = commands.add_parser(
        "unlock", help="forget a user name's failed sign-ins (the login lockout)")
    unlock.add_argument("username")
    unlock.add_argument("--address", help="also forget a client address's failed sign-ins")
    args = parser.parse_args(argv)
    path = args.file or default_users_file()
    try:
        if args.command == "add":
            password = (sys.stdin.readline().rstrip("\n") if args.password_stdin
                        else getpass.getpass(f"Password for {args.username}: "))
            add_user(path, args.username, password, args.role, _names(args.segments),
                     _names(args.regions), _names(args.collectors), check_policy=True)
            print(f"{path}: user {args.username!r} saved")
            return 0
        if args.command == "unlock":
            return _unlock(args.username, args.address)
        users = parse_users(path.read_text(encoding="utf-8"), path) if path.exists() else {}
        for user in users.values():
            limits = ", ".join(f"{key}={','.join(values)}" for key, values in (
                ("segments", user.segments), ("regions", user.regions),
                ("collectors", user.collector_ids)) if values) or "no restriction"
            print(f"{user.username}\t{user.role}\t{limits}"
                  + (f"\tlocale={user.locale}" if user.locale else ""))
        return 0
    except (OSError, ValueError) as error:
        print(f"credit-scoreboard users: {error}", file=sys.stderr)
        return 1


def _unlock(username: str, address: str | None) -> int:
    from dashboards import security

    settings = load_settings()
    if settings.rate_limit_storage.startswith("memory"):
        print("credit-scoreboard users: the login counters live in the dashboard's memory "
              "(rate_limit_storage memory://): unlock with the button of the Audit page, or "
              "restart the dashboard", file=sys.stderr)
        return 1
    security.unlock(settings, username, address)
    print(f"unlocked {username!r}" + (f" and address {address}" if address else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())

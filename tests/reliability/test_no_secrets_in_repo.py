"""Issue 9, item 5 (part): secrets come from the environment, none in the repository."""

from __future__ import annotations

import re
import subprocess

from credit_scoreboard.settings import PROJECT_ROOT

# Shapes of real secrets; `change-me` placeholders and env lookups do not match.
SECRET_SHAPES = {
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "AWS access key": re.compile(r"AKIA[0-9A-Z]{16}"),
    "GitHub token": re.compile(r"gh[pousr]_[A-Za-z0-9]{30,}"),
    "secret assigned a literal": re.compile(
        r"(?i)(secret_key|fernet_key|jwt_secret|_password)\s*[=:]\s*['\"]?"
        r"(?!change-me)(?!\$\{)(?!\{\{)[A-Za-z0-9+/_\-]{16,}"
    ),
}


def tracked_files() -> list[str]:
    return subprocess.run(["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, check=True).stdout.splitlines()


def test_no_tracked_file_holds_a_secret():
    found = []
    for name in tracked_files():
        path = PROJECT_ROOT / name
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        found += [f"{name}: {kind}" for kind, shape in SECRET_SHAPES.items()
                  if shape.search(text)]
    assert found == []


def test_secret_holding_files_are_git_ignored():
    for name in (".env", "config/users.yaml"):
        ignored = subprocess.run(["git", "check-ignore", "-q", name], cwd=PROJECT_ROOT)
        assert ignored.returncode == 0, f"{name} is not git-ignored"
    assert ".env" not in tracked_files() and "config/users.yaml" not in tracked_files()

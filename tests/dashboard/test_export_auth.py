"""Exports safe from formula injection, the users file and its command."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from dashboards import export, users
from dashboards.auth import UserDirectory, UsersFileError, parse_users

ROWS = pd.DataFrame([
    {"customer_name": "=HYPERLINK(\"http://evil\")", "note": "+33 1 23", "amount": -120.5},
    {"customer_name": "@SUM(A1)", "note": "-2+3", "amount": 1234.56},
    {"customer_name": "Plain SA", "note": "\tcmd", "amount": 0}])
COLUMNS = [export.Column("customer_name", "customer_name"), export.Column("note", "note"),
           export.Column("amount", "amount", "amount")]


def test_csv_export_neutralises_formula_cells_and_keeps_numbers():
    text = export.to_csv(ROWS, COLUMNS)
    lines = text.splitlines()
    assert lines[1] == "\"'=HYPERLINK(\"\"http://evil\"\")\",'+33 1 23,-120.5"
    assert lines[2] == "'@SUM(A1),'-2+3,1234.56"
    assert lines[3].startswith("Plain SA,'\tcmd,0")


def test_french_csv_uses_semicolons_and_decimal_commas():
    assert export.to_csv(ROWS, COLUMNS, "fr").splitlines()[2] == "'@SUM(A1);'-2+3;1234,56"


def test_a_header_label_is_neutralised_too():
    text = export.to_csv(ROWS, [export.Column("amount", "-Amount", "amount")])
    assert text.splitlines()[0] == "'-Amount"


def test_xlsx_export_writes_text_never_formulas():
    workbook = openpyxl.load_workbook(io.BytesIO(export.to_xlsx(ROWS, COLUMNS)))
    sheet = workbook.active
    assert sheet["A2"].value == "'=HYPERLINK(\"http://evil\")"
    assert sheet["A2"].data_type == "s"
    assert sheet["B3"].value == "'-2+3"
    assert sheet["C2"].value == -120.5 and sheet["C2"].data_type == "n"


def test_users_command_adds_hashed_users_and_lists_them(tmp_path, monkeypatch, capsys):
    path = tmp_path / "users.yaml"
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-ledger-lamp\n"))
    assert users.main(["--file", str(path), "add", "alice", "--role", "credit_manager",
                       "--segments", "SME, Retail", "--password-stdin"]) == 0
    assert "s3cret" not in path.read_text()
    assert users.main(["--file", str(path), "list"]) == 0
    assert "alice\tcredit_manager\tsegments=SME,Retail" in capsys.readouterr().out
    directory = UserDirectory(path)
    assert directory.authenticate("alice", "wrong") is None
    alice = directory.authenticate("alice", "s3cret-ledger-lamp")
    assert alice.scope.segments == ("SME", "Retail") and alice.scope.restricted


def test_a_plain_password_or_unknown_role_in_the_users_file_is_refused(tmp_path):
    path = tmp_path / "users.yaml"
    with pytest.raises(UsersFileError, match="user 'bob': password_hash must be a werkzeug"):
        parse_users("users:\n  - {username: bob, role: cfo, password_hash: hunter2}", path)
    with pytest.raises(UsersFileError, match="role 'boss' not one of"):
        parse_users("users:\n  - {username: bob, role: boss, password_hash: 'scrypt:x'}", path)


def test_first_start_creates_an_admin_with_the_given_password(tmp_path, monkeypatch):
    path = tmp_path / "config" / "users.yaml"
    monkeypatch.setenv("CREDIT_SCOREBOARD_ADMIN_PASSWORD", "first-start")
    users.ensure_demo_users(path)
    assert UserDirectory(path).authenticate("admin", "first-start").role == "admin"

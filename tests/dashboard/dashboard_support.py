"""Helpers shared by the dashboard tests: users' passwords, where artifacts go, a
plain-HTTP client that speaks to the served app like a browser would, and a small
warehouse with the KPI catalogue for the framework's unit tests."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import duckdb

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
PASSWORDS = {"cfo": "cfo-password", "sme_manager": "sme-password",
             "admin": "admin-password"}


class Session:
    """Plain HTTP requests with a cookie jar (no browser), for the security tests."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect())

    def request(self, method: str, path: str, body: bytes | None = None,
                content_type: str | None = None) -> tuple[int, dict, str]:
        request = urllib.request.Request(self.base_url + path, data=body, method=method)
        if content_type:
            request.add_header("Content-Type", content_type)
        try:
            with self.opener.open(request) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()

    def login(self, username: str, password: str) -> int:
        _, _, form = self.request("GET", "/login")
        token = form.split('name="csrf_token" value="')[1].split('"')[0]
        body = urllib.parse.urlencode({"username": username, "password": password,
                                       "csrf_token": token, "next": "/"}).encode()
        status, _, _ = self.request("POST", "/login", body, "application/x-www-form-urlencoded")
        return status

    def render_page(self, pathname: str, search: str = "") -> tuple[int, str]:
        """Call the pages router callback as the browser does: the page's whole layout."""
        body = json.dumps({
            "output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"},
                        {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": pathname},
                       {"id": "_pages_location", "property": "search", "value": search}],
            "changedPropIds": ["_pages_location.pathname"], "state": [],
        }).encode()
        status, _, text = self.request("POST", "/_dash-update-component", body,
                                       "application/json")
        return status, text


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


# --- a small warehouse for the framework's unit tests ----------------------------------
# The catalogue tables as the dbt seeds publish them (a few rows, hand-written, so the
# tests do not move when a seed's wording does), two month ends of company KPIs, a few
# customers and open items, and dbt descriptions as DuckDB comments.

KPI_CATALOGUE = [
    # kpi, en, fr, unit, decimals, higher is better, target, headline, tile order
    ("total_ar", "Total AR", "Encours total", "amount", 0, False, None, True, 1),
    ("overdue_rate", "Overdue rate", "Taux d'échu", "rate", 1, False, 0.20, True, 3),
    ("dso_simple", "DSO (simple)", "DSO (simple)", "days", 1, False, 50.0, True, 2),
    ("cei", "CEI", "CEI", "index", 1, True, 80.0, True, 4),
    ("promise_kept_rate", "Promises kept", "Promesses tenues", "rate", 1, True, 0.75, False,
     None),
]
AGING_BUCKETS = [
    # bucket, min, max, en, fr, order, colour
    ("not_due", None, 0, "Not due", "Non échu", 1, "#4c9f70"),
    ("1-30", 1, 30, "1-30 days", "1 à 30 jours", 2, "#f2c14e"),
    (">120", 121, None, "Over 120 days", "Plus de 120 jours", 3, "#6d1a17"),
    ("unapplied", None, None, "Unapplied", "Non lettré", 4, "#9aa5b1"),
]
COLUMN_LABELS = [
    ("customer_id", "Customer ID", "N° client", "text", None),
    ("customer_name", "Customer", "Client", "text", None),
    ("segment", "Segment", "Segment", "text", None),
    ("region", "Region", "Région", "text", None),
    ("business_unit", "Business unit", "Activité", "text", None),
    ("collector_id", "Collector", "Chargé de recouvrement", "text", None),
    ("open_amount", "Open amount (EUR)", "Montant ouvert (EUR)", "amount", 2),
    ("days_past_due", "Days past due", "Jours de retard", "days", 0),
    ("due_date", "Due date", "Échéance", "date", None),
    ("aging_bucket", "Aging bucket", "Tranche d'âge", "text", None),
    ("outcome", "Outcome", "Résultat", "text", None),
]
VALUE_LABELS = [
    ("outcome", "promise_to_pay", "Promise to pay", "Promesse de paiement"),
    ("outcome", "no_answer", "No answer", "Pas de réponse"),
]
FRAMEWORK_CUSTOMERS = [
    ("C1", "Alpha SA", "Key accounts", "North", "FR", "Industry", "COL1"),
    ("C2", "Beta SARL", "SME", "North", "FR", "Industry", "COL1"),
    ("C3", "Gamma SAS", "SME", "South", "FR", "Services", "COL2"),
]
# as_of, total_ar, overdue_rate, dso_simple, cei, promise_kept_rate
FRAMEWORK_KPIS = [("2026-09-30", 1800.0, 0.25, 45.0, 70.0, 0.80),
                  ("2026-10-31", 28451975.4, 0.256, 52.5, 82.0, 0.70)]
DESCRIPTIONS = {("kpi_monthly", "dso_simple"): "Days sales outstanding, simple method.",
                ("aged_balance", "open_amount"): "Open amount of the item at the as-of date."}


def build_framework_warehouse(path: Path) -> Path:
    import duckdb

    connection = duckdb.connect(str(path))
    try:
        connection.execute("create schema marts")
        for table, columns, rows in (
                ("kpi_catalogue", "kpi varchar, label_en varchar, label_fr varchar, "
                 "unit varchar, decimals integer, higher_is_better boolean, target double, "
                 "is_headline boolean, tile_order integer", KPI_CATALOGUE),
                ("aging_buckets", "bucket varchar, min_days_past_due integer, "
                 "max_days_past_due integer, label_en varchar, label_fr varchar, "
                 "sort_order integer, colour varchar", AGING_BUCKETS),
                ("column_labels", "column_name varchar, label_en varchar, label_fr varchar, "
                 "unit varchar, decimals integer", COLUMN_LABELS),
                ("value_labels", "field varchar, code varchar, label_en varchar, "
                 "label_fr varchar", VALUE_LABELS),
                ("customers", "customer_id varchar, customer_name varchar, segment varchar, "
                 "region varchar, country varchar, business_unit varchar, "
                 "collector_id varchar", FRAMEWORK_CUSTOMERS),
                ("kpi_monthly", "as_of_date date, total_ar double, overdue_rate double, "
                 "dso_simple double, cei double, promise_kept_rate double", FRAMEWORK_KPIS)):
            connection.execute(f"create table marts.{table} ({columns})")
            placeholders = ", ".join("?" * len(rows[0]))
            connection.executemany(f"insert into marts.{table} values ({placeholders})", rows)
        connection.execute("""
            create table marts.aged_balance as
            select date '2026-10-31' as as_of_date, 'C1' as customer_id, 'INV1' as document_id,
                   date '2026-09-30' as due_date, 31 as days_past_due,
                   '1-30' as aging_bucket, 1000.0 as open_amount""")
        for (table, column), text in DESCRIPTIONS.items():
            connection.execute(f"comment on column marts.{table}.{column} is '{text}'")
    finally:
        connection.close()
    return path


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Rows of a read-only query on a warehouse file (what the page should show)."""
    connection = duckdb.connect(str(warehouse), read_only=True)
    try:
        return connection.execute(sql, params or []).fetchall()
    finally:
        connection.close()

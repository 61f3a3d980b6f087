"""The served dashboard over plain HTTP: login required everywhere, restriction enforced
on the server, a refresh published under load never errors, callback timings."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import statistics
import threading
import time

import duckdb
import pytest
from dashboard_support import ARTIFACTS, PASSWORDS

from dashboards import formatting

LISTS = ("overdue", "over_limit", "worsening", "broken_promises", "to_reconcile",
         "open_disputes")


def other_segment_customer(warehouse) -> tuple[str, str]:
    connection = duckdb.connect(str(warehouse), read_only=True)
    try:
        return connection.execute(
            "select customer_id, customer_name from marts.customers where segment <> 'SME' "
            "order by customer_id limit 1").fetchone()
    finally:
        connection.close()


@pytest.mark.parametrize("method, path", [
    ("GET", "/_dash-layout"), ("GET", "/_dash-dependencies"),
    ("POST", "/_dash-update-component"), ("GET", "/_dash-component-suites/dash/deps/x.js"),
])
def test_dash_endpoints_refuse_anonymous_requests(http, method, path):
    body = b"{}" if method == "POST" else None
    status, _, text = http.request(method, path, body, "application/json")
    assert status == 401 and text == "Login required"


@pytest.mark.parametrize("path", ["/", "/aged?bucket=1-30", "/customer/CUS-0000001",
                                  "/assets/10_scoreboard.css"])
def test_pages_and_assets_redirect_anonymous_users_to_the_login(http, path):
    status, headers, _ = http.request("GET", path)
    assert status == 302 and headers["Location"].startswith("/login?next=")


def test_a_page_render_needs_a_session_and_a_right_password(http):
    assert http.render_page("/")[0] == 401
    assert http.login("cfo", "wrong password") == 401
    assert http.render_page("/")[0] == 401
    assert http.login("cfo", PASSWORDS["cfo"]) == 302
    status, text = http.render_page("/")
    assert status == 200 and "scoreboard-tile-total_ar" in text


def test_login_refuses_a_form_without_its_token(http):
    status, _, _ = http.request("POST", "/login", b"username=cfo&password=cfo-password",
                                "application/x-www-form-urlencoded")
    assert status == 400


def test_a_crafted_request_for_another_segment_returns_no_data(http, live_server,
                                                              dashboard_warehouse):
    customer_id, customer_name = other_segment_customer(dashboard_warehouse)
    http.login("sme_manager", PASSWORDS["sme_manager"])
    status, text = http.render_page(f"/customer/{customer_id}")
    assert status == 200
    assert "customer-not-found" in text and customer_name not in text
    # The same customer through a filter and a drill-down URL: nothing either.
    status, text = http.render_page(f"/call-sheet/{customer_id}")
    assert status == 200
    assert "customer-not-found" in text and customer_name not in text
    for path, search in (("/aged", f"?segment=Retail&bucket=not_due&customer={customer_id}"),
                         ("/segments", f"?dimension=segment&value=Retail&customer={customer_id}"),
                         ("/worklist", ""), ("/disputes", ""),
                         *(("/lists", f"?list={name}") for name in LISTS)):
        status, text = http.render_page(path, search)
        # (the id may echo in the page's own address, e.g. the language switch's link)
        assert status == 200 and customer_name not in text, path
        assert f'"customer_id":"{customer_id}"' not in text.replace(" ", ""), path


def test_a_missing_warehouse_shows_how_to_build_one(http, live_server, tmp_path):
    app = live_server[1]
    http.login("cfo", PASSWORDS["cfo"])
    published = app.server.config["WAREHOUSE"]
    app.server.config["WAREHOUSE"] = tmp_path / "not-built-yet.duckdb"
    try:
        status, text = http.render_page("/")
    finally:
        app.server.config["WAREHOUSE"] = published
    assert status == 200
    assert "warehouse-missing" in text and "credit-scoreboard run --landing" in text


def test_refreshes_published_while_pages_render_never_error(http, live_server, tmp_path):
    """Publish (copy + os.replace, as the pipeline does) in a loop while pages render."""
    app = live_server[1]
    published = app.server.config["WAREHOUSE"]
    http.login("cfo", PASSWORDS["cfo"])
    stop = threading.Event()
    publishes = []

    def publish_repeatedly():
        while not stop.is_set():
            staged = published.with_suffix(".staged")
            shutil.copy(published, staged)
            os.replace(staged, published)
            publishes.append(time.monotonic())

    publisher = threading.Thread(target=publish_repeatedly)
    publisher.start()
    try:
        statuses = [http.render_page(path)[0] for path in
                    ("/", "/aged", "/segments", "/disputes", "/collections", "/worklist") * 3]
    finally:
        stop.set()
        publisher.join()
    assert len(publishes) >= 3
    assert statuses == [200] * len(statuses)


def test_callback_timings_on_the_generated_book(http, live_server, dashboard_warehouse):
    """p50/p95 of every page render (the callback that reads the warehouse) with varied
    filters; written to artifacts/callback_timings.json for the report."""
    http.login("cfo", PASSWORDS["cfo"])
    connection = duckdb.connect(str(dashboard_warehouse), read_only=True)
    try:
        as_of_dates = [row[0].isoformat() for row in connection.execute(
            "select as_of_date from marts.kpi_monthly order by 1 desc limit 12").fetchall()]
        segments = [r[0] for r in connection.execute(
            "select distinct segment from marts.customers").fetchall()]
        regions = [r[0] for r in connection.execute(
            "select distinct region from marts.customers").fetchall()]
        customers = [r[0] for r in connection.execute(
            "select customer_id from marts.customers limit 20").fetchall()]
    finally:
        connection.close()
    generator = random.Random(3)
    pages = {
        "scoreboard": lambda q: ("/", q), "aged": lambda q: ("/aged", q + "&bucket=31-60"),
        "segments": lambda q: ("/segments", q + "&dimension=region"),
        "customer": lambda q: (f"/customer/{generator.choice(customers)}", q),
        "disputes": lambda q: ("/disputes", q), "collections": lambda q: ("/collections", q),
        "worklist": lambda q: ("/worklist", q), "quality": lambda q: ("/quality", q),
        "lists": lambda q: ("/lists", q + f"&list={generator.choice(LISTS)}"),
        "call_sheet": lambda q: (f"/call-sheet/{generator.choice(customers)}", q),
    }
    timings: dict[str, list[float]] = {name: [] for name in pages}
    for _ in range(10):
        query = f"?as_of={generator.choice(as_of_dates)}"
        query += generator.choice(["", f"&segment={generator.choice(segments)}",
                                   f"&region={generator.choice(regions)}"])
        for name, route in pages.items():
            path, search = route(query)
            started = time.perf_counter()
            status, _ = http.render_page(path, search)
            timings[name].append(time.perf_counter() - started)
            assert status == 200, (path, search)
    report = {name: {"p50_ms": round(statistics.median(values) * 1000),
                     "p95_ms": round(statistics.quantiles(values, n=20)[18] * 1000),
                     "calls": len(values)} for name, values in timings.items()}
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "callback_timings.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    # A shared 2-core machine: a loose bound that still catches an unindexed blow-up.
    assert max(item["p95_ms"] for item in report.values()) < 2000


def query(warehouse, sql: str, params: list | None = None) -> list[tuple]:
    connection = duckdb.connect(str(warehouse), read_only=True)
    try:
        return connection.execute(sql, params or []).fetchall()
    finally:
        connection.close()


def test_the_new_pages_render_for_every_list_and_the_call_sheet(http, live_server,
                                                                dashboard_warehouse):
    http.login("cfo", PASSWORDS["cfo"])
    for name in LISTS:
        status, text = http.render_page("/lists", f"?list={name}")
        assert status == 200 and f"table-list-{name}" in text, name
    (customer_id, reason), = query(dashboard_warehouse, "select customer_id, reason from "
                                   "marts.collection_worklist order by priority_rank limit 1")
    status, text = http.render_page(f"/call-sheet/{customer_id}")
    assert status == 200 and "call-sheet-open-items" in text
    assert json.dumps(reason)[1:-1] in text  # the worklist's reason, in words
    status, text = http.render_page(f"/customer/{customer_id}")
    assert status == 200 and "call-sheet-reason" in text  # the tab holds the sheet too


def test_the_collections_page_shows_the_marts_kept_rate_and_cash(http, live_server,
                                                                 dashboard_warehouse):
    """kept / matured as kpi_monthly sums it, cash as reminder_effectiveness sums it, over
    the 12 calendar months to the run date."""
    (as_of,), = query(dashboard_warehouse, "select max(as_of_date) from marts.kpi_monthly")
    (kept, matured, collected), = query(dashboard_warehouse, """
        with window_start as (select last_day(cast(? as date) - interval 12 month) as d)
        select (select sum(promises_kept) from marts.kpi_monthly, window_start
                where as_of_date > d and as_of_date <= ?
                  and (as_of_date = last_day(as_of_date) or as_of_date = ?)),
               (select sum(promises_matured) from marts.kpi_monthly, window_start
                where as_of_date > d and as_of_date <= ?
                  and (as_of_date = last_day(as_of_date) or as_of_date = ?)),
               (select sum(collected_30d) from marts.reminder_effectiveness, window_start
                where month > d and month <= ?)""", [as_of] * 6)
    assert matured > 0 and collected > 0
    http.login("cfo", PASSWORDS["cfo"])
    status, text = http.render_page("/collections", f"?as_of={as_of.isoformat()}")
    assert status == 200
    layout = json.loads(text)
    tiles = {}

    def walk(node):
        if isinstance(node, dict):
            props = node.get("props", {})
            if isinstance(props.get("id"), str) and props["id"].endswith("-value"):
                tiles[props["id"]] = props.get("children")
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(layout)
    assert tiles["collections-tile-promise_kept_rate-value"] == formatting.percent(
        float(kept) / float(matured), 1)
    assert tiles["collections-tile-collected_30d-value"] == formatting.amount(float(collected))
    # each payment once: the cash attributed never exceeds the cash received
    (received,), = query(dashboard_warehouse, "select sum(credit) from marts.account_statement "
                         "where entry_type = 'payment'")
    assert float(collected) <= float(received)


def test_customer_links_carry_the_as_of_date(http, live_server, dashboard_warehouse):
    (as_of,), = query(dashboard_warehouse, "select max(as_of_date) from marts.aged_balance "
                      "where as_of_date < (select max(as_of_date) from marts.aged_balance) "
                      "and aging_bucket = '>120'")
    http.login("cfo", PASSWORDS["cfo"])
    status, text = http.render_page("/aged", f"?as_of={as_of.isoformat()}&bucket=%3E120")
    assert status == 200
    text = json.dumps(json.loads(text))  # plain slashes (Dash writes them as \u002f)
    links = re.findall(r"/customer/[^\"?]+\?[^\"]+", text)
    assert links and all(f"as_of={as_of.isoformat()}" in link for link in links)


def test_every_registered_export_honours_the_scope(live_server, dashboard_warehouse):
    """The whole selection a CSV/XLSX button exports, for a manager restricted to SME."""
    from dashboards import components, data

    allowed = {row[0] for row in query(dashboard_warehouse, "select customer_id from "
                                       "marts.customers where segment = 'SME'")}
    scope = data.Scope(segments=("SME",), can_see_rows_in_quarantine=False)
    assert {f"list-{name}" for name in LISTS} <= set(components.EXPORTS)
    with data.open_warehouse(dashboard_warehouse) as warehouse:
        filters = data.resolve_as_of(warehouse, data.Filters())
        for name, fetch in components.EXPORTS.items():
            if not fetch.__module__.startswith("dashboards."):
                continue  # a test's own registration (framework tests' pages)
            rows = fetch(warehouse, filters, scope, {"bucket": ">120"})
            assert set(rows.get("customer_id", [])) <= allowed, name

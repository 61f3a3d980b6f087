"""The framework in a real headless Chromium, on its small warehouse and two test pages
(no dependence on pages/): grid values formatted in the browser in both languages, the
language switch, the column chooser, headers never cut at 1440 px, French month names in
charts, and exports that follow the grid's sort and filter over the whole selection.

The app runs in its own process: Dash's page registry is global, and these test pages
must not mix with the real ones of test_browser.py."""

from __future__ import annotations

import csv
import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from dashboard_support import PASSWORDS, SCREENSHOTS

from dashboards.users import add_user

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
NNBSP = "\u202f"

TEST_PAGES = '''
import dash
import pandas as pd
from dash import html

from dashboards import components

ROWS = 1200
SHOWN = 40


def items(warehouse, filters, scope, query):
    """The whole selection: 1 200 items, amounts 0..1 199, every 3rd a promise."""
    return pd.DataFrame({
        "customer_id": [f"C{n:04d}" for n in range(ROWS)],
        "customer_name": [f"Customer with a rather long name {n}" for n in range(ROWS)],
        "open_amount": [1000.5 * n for n in range(ROWS)],
        "days_past_due": [n % 200 for n in range(ROWS)],
        "due_date": pd.to_datetime("2026-01-01") + pd.to_timedelta(
            [n % 300 for n in range(ROWS)], unit="D"),
        "outcome": ["promise_to_pay" if n % 3 == 0 else "no_answer" for n in range(ROWS)],
        "overdue_rate": [0.256] * ROWS,
    })


components.register_export("framework-items", items)
'''

SCOREBOARD_PAGE = TEST_PAGES + '''
dash.register_page(__name__, path="/", name="Scoreboard", order=0)


def layout(**query):
    return components.render("scoreboard", "/", query, body)


def body(page):
    kpis = page.warehouse.df("select * from marts.kpi_monthly order by as_of_date")
    current = kpis[kpis["as_of_date"] <= pd.Timestamp(page.filters.as_of)].iloc[-1].to_dict()
    frame = items(None, None, None, {}).head(SHOWN)
    frame.attrs["rows_in_selection"] = ROWS
    frame["customer_href"] = [page.customer_href(c) for c in frame["customer_id"]]
    trend = components.figure([{"type": "scatter", "x": components.iso(kpis["as_of_date"]),
                                "y": components.values(kpis["dso_simple"])}],
                              page.t("DSO"), page, xaxis={"tickformat": "%b %Y"},
                              shapes=[components.target_shape(50, page.t("Target"))])
    return [components.kpi_tiles(page, "scoreboard", current, None,
                                 [spec.kpi for spec in page.catalogue.headline_kpis()]),
            components.graph("framework-trend", trend, page),
            components.table("items", frame, page, links={"customer_id": "customer_href"},
                             columns=["open_amount", "days_past_due", "due_date", "outcome"],
                             export="framework-items")]
'''

SECOND_PAGE = '''
import dash
from dash import html

from dashboards import components

dash.register_page(__name__, path="/second", name="Aged balance", order=1)


def layout(**query):
    return components.render("second", "/second", query, lambda page: [html.P("second")])
'''

SERVE = '''
import logging
import sys
from pathlib import Path

from werkzeug.serving import make_server

from dashboards.app import create_app
from dashboards.settings import DashboardSettings

logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
warehouse, users, pages, port = sys.argv[1:5]
app = create_app(Path(warehouse), Path(users), DashboardSettings(version_check_seconds=600),
                 pages_folder=Path(pages))
make_server("127.0.0.1", int(port), app.server, threaded=True).serve_forever()
'''


@pytest.fixture(scope="module")
def framework_app(framework_warehouse, tmp_path_factory):
    """Base URL of the framework test app, served by its own process."""
    folder = tmp_path_factory.mktemp("framework_app")
    pages = folder / "framework_pages"
    pages.mkdir()
    (pages / "scoreboard.py").write_text(SCOREBOARD_PAGE)
    (pages / "second.py").write_text(SECOND_PAGE)
    users = folder / "users.yaml"
    add_user(users, "cfo", PASSWORDS["cfo"], "cfo")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {**os.environ, "CREDIT_SCOREBOARD_SECRET_KEY": "framework-test",
                   "CREDIT_SCOREBOARD_AUDIT_DB": str(folder / "audit.sqlite"),
                   "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([sys.executable, "-c", SERVE, str(framework_warehouse),
                               str(users), str(pages), str(port)], cwd=folder, env=environment)
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base_url + "/login", timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise RuntimeError("the framework test app did not start") from None
            time.sleep(0.3)
    yield base_url
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def signed_in(browser, framework_app):
    """A page at 1440 px, signed in as the CFO; any JavaScript error fails the test."""
    context = browser.new_context(viewport={"width": 1440, "height": 900},
                                  accept_downloads=True, bypass_csp=True)  # see conftest
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(framework_app + "/")
    page.fill("#username", "cfo")
    page.fill("#password", PASSWORDS["cfo"])
    page.click("#login-button")
    page.wait_for_selector("#page-scoreboard")
    page.wait_for_selector(".table-items .ag-row")
    yield page
    context.close()
    assert errors == []


def cell(page, column: str, row: int = 0) -> str:
    return page.inner_text(f'.table-items .ag-center-cols-container [row-index="{row}"] '
                           f'[col-id="{column}"]').strip()


def test_grid_values_are_formatted_in_the_browser_in_both_languages(signed_in, framework_app):
    page = signed_in
    assert cell(page, "open_amount", 1) == "1,000.50"
    assert cell(page, "due_date", 1) == "2026-01-02"
    assert cell(page, "outcome", 0) == "Promise to pay"
    assert page.inner_text("#scoreboard-tile-total_ar-value") == "€28,451,975"
    page.click("#locale-fr")
    page.wait_for_function("document.querySelector('#scoreboard-tile-total_ar-value')"
                           f"?.innerText === '28{NNBSP}451{NNBSP}975{NNBSP}€'")
    page.wait_for_selector(".table-items .ag-row")
    assert cell(page, "open_amount", 1) == f"1{NNBSP}000,50"
    assert cell(page, "due_date", 1) == "02/01/2026"
    assert cell(page, "outcome", 0) == "Promesse de paiement"
    assert page.inner_text("#nav-second") == "Balance âgée"
    page.screenshot(path=SCREENSHOTS / "framework_french.png", full_page=True)
    page.click("#locale-en")
    page.wait_for_function("document.querySelector('#scoreboard-tile-total_ar-value')"
                           "?.innerText === '€28,451,975'")


def tick_labels(page, graph: str) -> list[str]:
    page.wait_for_selector(f"#{graph} .xtick text")
    return page.evaluate(f"[...document.querySelectorAll('#{graph} .xtick text')]"
                         ".map(label => label.textContent)")


def test_charts_show_french_month_names(signed_in):
    page = signed_in
    english = tick_labels(page, "framework-trend")
    assert any("Oct" in label for label in english), english
    page.click("#locale-fr")
    page.wait_for_selector("#locale-fr.active")
    french = tick_labels(page, "framework-trend")
    assert any("oct." in label for label in french), french
    assert page.evaluate("document.querySelector('#framework-trend .shape-group') !== null")
    page.click("#locale-en")
    page.wait_for_selector("#locale-en.active")


def test_no_header_is_cut_at_1440_px(signed_in):
    page = signed_in
    page.click(".table-items .column-chooser")  # every column shown: the widest case
    for label in page.locator(".column-chooser-items input[type=checkbox]").all():
        if not label.is_checked():
            label.check()
    page.keyboard.press("Escape")
    page.wait_for_selector('.table-items .ag-header-cell[col-id="overdue_rate"]')
    cut = page.evaluate("""() => [...document.querySelectorAll(
        '.table-items .ag-header-cell-text')].filter(
        label => label.scrollWidth > label.clientWidth || label.scrollHeight >
                 label.clientHeight + 1).map(label => label.innerText)""")
    assert cut == []
    page.screenshot(path=SCREENSHOTS / "framework_all_columns.png", full_page=True)


def test_the_column_chooser_shows_and_hides_columns(signed_in):
    page = signed_in
    header = '.table-items .ag-header-cell[col-id="overdue_rate"]'
    assert page.locator(header).count() == 0
    page.click(".table-items .column-chooser")
    page.locator(".column-chooser-items label", has_text="Overdue rate").click()
    page.wait_for_selector(header)
    page.locator(".column-chooser-items label", has_text="Days past due").click()
    page.wait_for_selector('.table-items .ag-header-cell[col-id="days_past_due"]',
                           state="detached")


def test_filters_survive_every_top_menu_link_and_row_links_carry_them(signed_in,
                                                                      framework_app):
    page = signed_in
    page.goto(framework_app + "/?as_of=2026-09-30&segment=SME")
    page.wait_for_selector("#page-scoreboard")
    page.click("#nav-second")
    page.wait_for_selector("#page-second")
    assert "as_of=2026-09-30" in page.url and "segment=SME" in page.url
    page.click("#nav-scoreboard")
    page.wait_for_selector(".table-items .ag-row")
    assert "as_of=2026-09-30" in page.url and "segment=SME" in page.url
    href = page.get_attribute(".table-items a.grid-link >> nth=0", "href")
    assert href == "/customer/C0000?as_of=2026-09-30&segment=SME"


def download_csv(page, selector: str) -> list[list[str]]:
    with page.expect_download() as download_info:
        page.click(selector)
    text = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    delimiter = ";" if text.splitlines()[0].count(";") else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def test_an_export_sends_the_whole_selection_with_the_grid_s_sort_and_filter(signed_in):
    page = signed_in
    assert page.inner_text(".table-items .export-csv") == "CSV (1,200 rows)"
    # Sort by days past due (descending: two clicks) and keep promises only.
    header = '.table-items .ag-header-cell[col-id="days_past_due"] .ag-header-cell-label'
    page.click(header)
    page.click(header)
    page.wait_for_selector('.table-items .ag-header-cell[col-id="days_past_due"]'
                           '[aria-sort="descending"]')
    page.evaluate("""async () => {
        const api = await dash_ag_grid.getApiAsync({type: 'grid', table: 'items'});
        api.setFilterModel({outcome: {filterType: 'text', type: 'equals',
                                      filter: 'Promise to pay'}});
    }""")
    page.wait_for_function("document.querySelectorAll('.table-items .ag-center-cols-container "
                           "[col-id=outcome]').length > 0 && [...document.querySelectorAll("
                           "'.table-items .ag-center-cols-container [col-id=outcome]')]"
                           ".every(cell => cell.innerText === 'Promise to pay')")
    time.sleep(0.5)  # the grid reports its filter model and column state to Dash
    rows = download_csv(page, ".table-items .export-csv")
    assert rows[0] == ["Customer ID", "Customer", "Open amount (EUR)", "Days past due",
                       "Due date", "Outcome"]
    assert len(rows) - 1 == 400  # every 3rd of the 1 200 items, not the 40 on screen
    days = [int(row[3]) for row in rows[1:]]
    assert days == sorted(days, reverse=True)
    assert {row[5] for row in rows[1:]} == {"Promise to pay"}

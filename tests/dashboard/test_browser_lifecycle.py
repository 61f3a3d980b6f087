"""The e-invoicing lifecycle views (issue 16) in a real headless Chromium, on the
hand-made fixture warehouse (fixture_warehouse.py works out every number), served by its
own process: the funnel and its tiles hold the fixture's numbers, the reasons of the
platforms sit next to the dispute log's, the coverage warns about the platform dispute the
log never recorded, French shows French, and a customer's call sheet flags the overdue
invoice the platform never made available (do not chase it). Screenshots at 1440 px in
artifacts/screenshots/."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from dashboard_support import ARTIFACTS, PASSWORDS, SCREENSHOTS

from dashboards import formatting

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:  # the browser tests are skipped without Playwright
    PlaywrightTimeout = TimeoutError

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
SERVE = '''
import logging
import sys
from pathlib import Path

from werkzeug.serving import make_server

from dashboards.app import create_app
from dashboards.settings import DashboardSettings

logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
warehouse, users, audit, port = sys.argv[1:5]
app = create_app(Path(warehouse), Path(users), DashboardSettings(
    version_check_seconds=600, audit_db=Path(audit)))
make_server("127.0.0.1", int(port), app.server, threaded=True).serve_forever()
'''
# Grid header labels that do not fit their cell, and the page's width beyond the window.
CUT_HEADERS = """() => [...document.querySelectorAll('.data-table .ag-header-cell-text')]
    .filter(label => label.offsetParent !== null
            && (label.scrollWidth > label.clientWidth
                || label.scrollHeight > label.clientHeight + 1))
    .map(label => label.closest('.data-table').className + ': ' + label.innerText)"""
OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"
SETTLED = "() => document.documentElement.scrollWidth <= window.innerWidth"
GRID_ROWS = """async (table) => {
    const api = await dash_ag_grid.getApiAsync({table: table, type: "grid"});
    const rows = [];
    api.forEachNodeAfterFilterAndSort(node => rows.push(node.data));
    return rows;
}"""


@pytest.fixture(scope="module")
def live_server(fixture_warehouse, tmp_path_factory):
    """(base url, None): the dashboard on the fixture warehouse, in its own process (the
    session's app serves the pipeline's warehouse); `open_as` logs in to it."""
    from dashboards.users import add_user

    folder = tmp_path_factory.mktemp("lifecycle_app")
    users = folder / "users.yaml"
    add_user(users, "cfo", PASSWORDS["cfo"], "cfo")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {**os.environ, "CREDIT_SCOREBOARD_SECRET_KEY": "lifecycle-test",
                   "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([sys.executable, "-c", SERVE, str(fixture_warehouse),
                               str(users), str(folder / "audit.sqlite"), str(port)],
                              env=environment, cwd=ROOT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base_url + "/login", timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, "the dashboard process ended"
                time.sleep(0.1)
        yield base_url, None
    finally:
        server.terminate()
        server.wait(timeout=10)


def show(page, base_url: str, path: str, name: str):
    """Open a page and wait until its charts and grids are drawn."""
    page.goto(base_url + path)
    page.wait_for_selector(f"#page-{name}", timeout=20_000)
    if page.locator(".js-plotly-plot").count():
        page.wait_for_selector(".js-plotly-plot .main-svg", state="attached")
    if page.locator(".ag-root").count():
        page.wait_for_selector(".ag-root .ag-header-cell-text")
    page.wait_for_timeout(400)
    try:  # the grids size their columns to fit after the first paint
        page.wait_for_function(SETTLED, timeout=5_000)
    except PlaywrightTimeout:
        pass  # asserted where it matters
    return page


def _pdf_pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def test_the_lifecycle_page_the_reasons_the_warning_and_the_call_sheets_flag(
        open_as, live_server):
    base_url = live_server[0]
    page = show(open_as("cfo"), base_url, "/lifecycle", "lifecycle")
    assert "active" in page.get_attribute("#nav-lifecycle", "class")
    assert page.inner_text("#nav-lifecycle") == "E-invoicing"
    # the funnel of the 12 months to 31 Oct: 6 issued, 4 with statuses, deposited 4, made
    # available 3, approved 2, payment transmitted 1, cashed 1 (shares of the deposited)
    for tile, text in (("invoices_issued", "6"), ("coverage", formatting.percent(4 / 6, 0)),
                       ("made_available", "3"),
                       ("avg_days_to_approval", formatting.kpi(7.5, "days", 1)),
                       ("disputed", "2"), ("rejected", "0")):
        assert page.inner_text(f"#lifecycle-tile-{tile}-value") == text, tile
    funnel = page.text_content("#lifecycle-funnel")
    for label, text in (("Deposited (200)", "4 (100%)"),
                        ("Made available to the buyer (203)", "3 (75%)"),
                        ("Approved (205)", "2 (50%)"), ("Payment transmitted (211)", "1 (25%)"),
                        ("Cashed (212)", "1 (25%)")):
        assert label in funnel and text in funnel, label
    assert page.locator("#lifecycle-coverage-by-month g.trace.bars").count() == 2
    # days to approval by customer: linked to the customer's page
    customers = page.evaluate(GRID_ROWS, "lifecycle-by-customer")
    assert [row["customer_name"] for row in customers] == ["Alpha SA", "=Delta Ltd"]
    assert customers[0]["avg_days_to_approval"] == 7.5
    # the platforms' reasons next to the dispute log's, in words
    reasons = page.evaluate(GRID_ROWS, "lifecycle-reasons")
    assert [(row["source"], row["reason"], row["invoices"]) for row in reasons] == [
        ("E-invoicing platform", "Unit price error", 1),
        ("E-invoicing platform", "Incomplete delivery", 1),
        ("Dispute log", "Wrong price", 1), ("Dispute log", "Delivery not made", 1),
        ("Dispute log", "Other", 1), ("Dispute log", "Billing error", 1)]
    assert (reasons[0]["status_code"], reasons[0]["requested_action"]) == (
        "Refused", "Reissue the invoice")
    # the coverage warning: INV2, refused on the platform, is not in the dispute log
    alert = page.inner_text("#lifecycle-not-in-log-alert")
    assert "missing from the dispute log: 1, at 1 customer(s)" in alert
    warned = page.evaluate(GRID_ROWS, "lifecycle-not-in-log")
    assert [(row["customer_name"], row["platform_disputes_not_in_log"]) for row in warned] \
        == [("Alpha SA", 1)]
    page.screenshot(path=SCREENSHOTS / "lifecycle.png", full_page=True)
    assert page.evaluate(CUT_HEADERS) == [] and page.evaluate(OVERFLOW) <= 0

    # the customer whose invoices went through the platforms, statuses in words
    show(page, base_url, "/customer/C1", "customer")
    page.wait_for_selector(".table-customer-open-items .ag-row")
    items = page.evaluate(GRID_ROWS, "customer-open-items")
    assert [(row["document_id"], row["lifecycle_status_code"]) for row in items] == [
        ("INV1", "In dispute"), ("INV2", "Refused")]
    page.screenshot(path=SCREENSHOTS / "customer_lifecycle.png", full_page=True)
    assert page.evaluate(CUT_HEADERS) == [] and page.evaluate(OVERFLOW) <= 0

    # the disputes page: the platforms' reasons next to the log's, and the same warning
    show(page, base_url, "/disputes", "disputes")
    assert len(page.evaluate(GRID_ROWS, "disputes-lifecycle-reasons")) == 6
    assert "missing from the dispute log: 1" in page.inner_text("#disputes-not-in-log-alert")
    page.locator("#disputes-lifecycle").scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "disputes_lifecycle.png", full_page=True)

    page.click("#locale-fr")
    page.wait_for_selector("#locale-fr.active")
    try:
        show(page, base_url, "/lifecycle", "lifecycle")
        assert page.inner_text("#nav-lifecycle") == "Facturation électronique"
        assert page.inner_text("#page-lifecycle h3") == \
            "Cycle de vie des factures électroniques"
        assert page.inner_text("#lifecycle-tile-avg_days_to_approval-value") == \
            formatting.kpi(7.5, "days", 1, "fr")
        assert "Mise à disposition (203)" in page.text_content("#lifecycle-funnel")
        assert "Qualité des données" in page.inner_text("#lifecycle-not-in-log-alert")
        page.screenshot(path=SCREENSHOTS / "lifecycle_fr.png", full_page=True)
        assert page.evaluate(CUT_HEADERS) == []
        assert page.evaluate(OVERFLOW) <= 0  # the French menu on one line
        # C4's INV5: deposited on 1 Oct, never made available, 10 days overdue
        show(page, base_url, "/call-sheet/C4", "call-sheet")
        flag = page.inner_text("#call-sheet-lifecycle-flags-never_made_available")
        assert "INV5" in flag and "Ne pas relancer, vérifier la plateforme" in flag
        row = page.locator("#call-sheet-open-items tbody tr", has_text="INV5")
        assert "⚠ Déposée" in row.inner_text() and "01/10/2026" in row.inner_text()
        page.screenshot(path=SCREENSHOTS / "call_sheet_lifecycle_fr.png", full_page=True)
        # still one A4 page (as tests/dashboard/test_browser_pages.py prints it)
        page.emulate_media(media="print")
        page.set_viewport_size({"width": 718, "height": 1047})
        assert page.evaluate("document.documentElement.scrollWidth") <= 718
        pdf = page.pdf(format="A4", print_background=True,
                       margin={side: "1cm" for side in ("top", "right", "bottom", "left")})
        (ARTIFACTS / "call_sheet_lifecycle.pdf").write_bytes(pdf)
        assert _pdf_pages(pdf) == 1
    finally:  # the choice is saved for the user: leave it in English
        page.emulate_media(media="screen")
        page.goto(base_url + "/locale/en?next=/lifecycle")
        page.wait_for_selector("#locale-en.active")

"""Issue 19 in a real Chromium: every page of the top menu, its charts and its AG Grid
tables work under the content security policy (no violation on the console), the audit
page as an admin sees it (screenshot), a restricted user's CSV export is audited, and
the call sheet's "Download PDF" link."""

from __future__ import annotations

import csv
import io
import json

import dash
import pytest
from dashboard_support import ARTIFACTS, PASSWORDS, SCREENSHOTS

from dashboards import audit

pytestmark = pytest.mark.browser
VIOLATION = ("Content Security Policy", "Refused to", "unsafe-eval", "unsafe-inline")


def rows_after(app, last: int) -> list[dict]:
    frame = audit.read(app.server.config["AUDIT_DB"]).astype(object)
    frame = frame.where(frame.notna(), None)
    return [row for row in frame.to_dict("records")[::-1] if row["id"] > last]


def last_id(app) -> int:
    frame = audit.read(app.server.config["AUDIT_DB"], limit=1)
    return int(frame["id"].iloc[0]) if len(frame) else 0


@pytest.fixture
def watched(browser, live_server):
    """A function: a fresh context signed in as `username` whose console is watched from
    the login page on; returns (page, messages)."""
    contexts = []

    def sign_in(username: str):
        context = browser.new_context(viewport={"width": 1440, "height": 1000},
                                      accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        messages: list[str] = []
        page.on("console", lambda message: messages.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: messages.append(f"pageerror: {error}"))
        page.goto(live_server[0] + "/login")
        page.fill("#username", username)
        page.fill("#password", PASSWORDS[username])
        page.click("#login-button")
        page.wait_for_selector("#page-scoreboard")
        return page, messages

    yield sign_in
    for context in contexts:
        context.close()


def menu_pages() -> dict[str, str]:
    return {page["module"].split(".")[-1]: page["relative_path"]
            for page in dash.page_registry.values() if page.get("nav", True)}


def test_every_menu_page_and_its_grids_load_without_a_policy_violation(watched, live_server):
    base_url = live_server[0]
    page, messages = watched("admin")
    pages = menu_pages()
    assert "audit" in pages and len(pages) >= 9
    for module, path in pages.items():
        # the menu link itself (admins see the Audit link)
        assert page.locator(f"#nav-{module}").count() == 1, module
        page.goto(base_url + path)
        page.wait_for_selector(f"#page-{module}", timeout=30_000)  # module = its PAGE
        if page.locator(".js-plotly-plot").count():
            page.wait_for_selector(".js-plotly-plot .main-svg", state="attached")
        if page.locator(".ag-root").count():
            page.wait_for_selector(".ag-row", timeout=20_000)
        page.wait_for_load_state("networkidle")
    # the grid pages: a cell rendered by AG Grid's own code and dash-ag-grid's functions
    page.goto(base_url + "/worklist")
    page.wait_for_selector(".table-worklist .ag-row")
    assert page.locator(".table-worklist .ag-header-cell-text").count() > 3
    page.goto(base_url + "/account/password")
    page.wait_for_selector("#password-button")
    violations = [message for message in messages if any(word in message for word in VIOLATION)]
    assert violations == []
    assert [message for message in messages if message.startswith(("error", "pageerror"))] \
        == []


def test_the_audit_page_as_an_admin_sees_it(watched, live_server):
    page, messages = watched("admin")
    page.click("#nav-audit")
    page.wait_for_selector(".table-audit-trail .ag-row")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=SCREENSHOTS / "audit.png", full_page=False)
    first = " ".join(page.locator(".table-audit-trail .ag-row[row-index='0']").all_inner_texts())
    assert "login" in first and "admin" in first  # newest first: this sign-in
    assert page.locator("#unlock-button").is_visible()
    assert not [message for message in messages if any(word in message for word in VIOLATION)]


def test_a_restricted_user_s_csv_export_is_audited(watched, live_server):
    base_url, app = live_server
    page, _ = watched("sme_manager")
    assert page.locator("#nav-audit").count() == 0  # not in a restricted user's menu
    page.goto(base_url + "/worklist")
    page.wait_for_selector(".table-worklist .ag-row")
    since = last_id(app)
    with page.expect_download() as download_info:
        page.click(".table-worklist .export-csv")
    target = ARTIFACTS / "exports" / "audited_worklist.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    download_info.value.save_as(target)
    exported = list(csv.DictReader(io.StringIO(target.read_text())))
    rows = [row for row in rows_after(app, since) if row["event"] == "export"]
    assert len(rows) == 1
    row = rows[0]
    assert (row["username"], row["role"], row["target"], row["file_format"]) == (
        "sme_manager", "credit_manager", "worklist", "csv")
    assert row["row_count"] == len(exported) > 0
    assert json.loads(row["scope"])["segments"] == ["SME"]
    filters = json.loads(row["filters"])
    assert filters["whole_selection"] is True and "as_of" in filters["query"]
    assert filters["grid"] == {}


def test_the_call_sheet_offers_its_pdf(watched, live_server):
    page, _ = watched("cfo")
    page.goto(live_server[0] + "/worklist")
    page.wait_for_selector(".table-worklist .ag-row")
    href = page.locator(".table-worklist a[href^='/call-sheet/']").first.get_attribute("href")
    page.goto(live_server[0] + href)
    link = page.wait_for_selector("#call-sheet-pdf")
    assert ".pdf?as_of=" in link.get_attribute("href")
    assert link.is_visible()
    page.emulate_media(media="print")
    assert not page.locator("#call-sheet-pdf").is_visible()  # not printed

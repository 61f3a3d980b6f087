"""The dashboard in a real headless Chromium, on the warehouse the pipeline published
from the generated 3-year book. Screenshots of each page go to artifacts/screenshots/."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil

import duckdb
import pytest
from dashboard_support import ARTIFACTS, PASSWORDS, SCREENSHOTS

from dashboards import formatting

pytestmark = pytest.mark.browser
PAGES = {"scoreboard": "/", "aged": "/aged?bucket=31-60", "segments": "/segments?dimension=region",
         "disputes": "/disputes", "collections": "/collections", "worklist": "/worklist",
         "quality": "/quality"}


def query(warehouse, sql: str, params: list | None = None) -> list[tuple]:
    connection = duckdb.connect(str(warehouse), read_only=True)
    try:
        return connection.execute(sql, params or []).fetchall()
    finally:
        connection.close()


@pytest.fixture
def open_as(browser, live_server):
    """A function: a fresh browser context logged in as `username`, returning its page.
    Any JavaScript error on the page fails the test."""
    contexts, errors = [], []

    def login(username: str):
        context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                      accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(live_server[0] + "/")
        assert "/login" in page.url  # nothing before signing in
        page.fill("#username", username)
        page.fill("#password", PASSWORDS[username])
        page.click("#login-button")
        page.wait_for_selector("#page-scoreboard")
        return page

    yield login
    for context in contexts:
        context.close()
    assert errors == []


def show(page, base_url: str, path: str, name: str, charts: bool = True):
    page.goto(base_url + path)
    page.wait_for_selector(f"#page-{name}", timeout=20_000)
    if charts and page.locator(".js-plotly-plot").count():
        page.wait_for_selector(".js-plotly-plot .main-svg")
    return page


def test_every_page_opens_with_its_charts_and_tables(open_as, live_server, dashboard_warehouse):
    base_url = live_server[0]
    page = open_as("cfo")
    for name, path in PAGES.items():
        show(page, base_url, path, name)
        assert page.locator("#warehouse-missing").count() == 0
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
    customer_id = query(dashboard_warehouse, "select customer_id from marts.collection_worklist "
                                             "order by priority_rank limit 1")[0][0]
    show(page, base_url, f"/customer/{customer_id}", "customer", charts=False)
    page.wait_for_selector("#customer-statement .ag-row")  # grids fill in asynchronously
    page.screenshot(path=SCREENSHOTS / "customer_statement.png", full_page=True)
    page.click("text=Calls and promises")  # its chart draws once the tab is shown
    page.wait_for_selector("#customer-timeline .main-svg")
    page.screenshot(path=SCREENSHOTS / "customer_calls.png", full_page=True)
    page.click("text=Payer profile and risk")
    assert re.fullmatch("[A-E]", page.inner_text("#customer-risk-grade").strip())
    page.screenshot(path=SCREENSHOTS / "customer_profile.png", full_page=True)


def test_each_kpi_shows_its_definition_card_from_the_dbt_docs(open_as, live_server,
                                                              dashboard_warehouse):
    definition = query(dashboard_warehouse, "select comment from duckdb_columns() where "
                       "schema_name = 'marts' and table_name = 'kpi_monthly' "
                       "and column_name = 'dso_countback'")[0][0]
    page = show(open_as("cfo"), live_server[0], "/", "scoreboard")
    page.hover("#scoreboard-tile-dso_countback")
    card = page.wait_for_selector("#scoreboard-tile-dso_countback-definition")
    assert definition and definition[:60] in card.inner_text()
    page.screenshot(path=SCREENSHOTS / "scoreboard_definition_card.png")


def test_drill_from_the_scoreboard_to_a_customer_statement_in_clicks(open_as, live_server):
    page = show(open_as("cfo"), live_server[0], "/", "scoreboard")
    # The latest bar of the "1-30" bucket (second trace) of the aged balance over time.
    bar = page.locator("#scoreboard-aged-over-time g.trace.bars").nth(1).locator(
        "g.point path").last
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    # In-app navigation (history API): no page load to wait for, only the new address.
    page.wait_for_function("location.pathname === '/aged' && "
                           "location.search.includes('bucket=1-30')")
    page.wait_for_selector(".table-bucket-customers .ag-row")
    page.locator(".table-bucket-customers a.grid-link").first.click()  # its open items
    page.wait_for_selector(".table-open-items .ag-row")
    page.click("#aged-statement-link")
    page.wait_for_function("location.pathname.startsWith('/customer/')")
    page.wait_for_selector("#customer-statement .ag-row")
    assert page.locator("#customer-not-found").count() == 0
    page.screenshot(path=SCREENSHOTS / "drill_customer_statement.png", full_page=True)


def test_a_segment_filter_changes_the_numbers_as_the_warehouse_says(open_as, live_server,
                                                                    dashboard_warehouse):
    as_of, company, sme = query(dashboard_warehouse, """
        select monthly.as_of_date, monthly.total_ar, segment.total_ar
        from marts.kpi_monthly as monthly join marts.kpi_by_dimension as segment
          on segment.as_of_date = monthly.as_of_date and segment.dimension = 'segment'
         and segment.dimension_value = 'SME'
        order by monthly.as_of_date desc limit 1""")[0]
    page = show(open_as("cfo"), live_server[0], "/", "scoreboard")
    tile = "#scoreboard-tile-total_ar-value"
    assert page.inner_text(tile) == formatting.amount(float(company))
    page.click("#filter-segment")
    page.get_by_role("option", name="SME", exact=True).click()
    page.wait_for_function("location.search.includes('segment=SME')")
    page.wait_for_function(f"document.querySelector('{tile}')?.innerText === "
                           f"'{formatting.amount(float(sme))}'")
    assert f"as_of={as_of.isoformat()}" in page.url  # the view is a shareable link
    page.screenshot(path=SCREENSHOTS / "scoreboard_sme.png", full_page=True)


def test_a_table_exports_to_csv_with_the_rows_it_shows(open_as, live_server,
                                                       dashboard_warehouse):
    expected = query(dashboard_warehouse, """
        select count(distinct customer_id) from marts.aged_balance
        where aging_bucket = '31-60'
          and as_of_date = (select max(as_of_date) from marts.kpi_monthly)""")[0][0]
    page = show(open_as("cfo"), live_server[0], "/aged?bucket=31-60", "aged")
    with page.expect_download() as download_info:
        page.click(".table-bucket-customers .export-csv")
    download = download_info.value
    target = ARTIFACTS / "exports" / download.suggested_filename
    target.parent.mkdir(parents=True, exist_ok=True)
    download.save_as(target)
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert len(rows) == expected > 0
    assert {"customer_id", "customer_name", "open_amount"} <= set(rows[0])
    assert "items_href" not in rows[0]  # link targets are not data


def test_a_restricted_manager_cannot_reach_other_segments_even_by_url(open_as, live_server,
                                                                      dashboard_warehouse):
    base_url = live_server[0]
    retail_id, retail_name = query(dashboard_warehouse, "select customer_id, customer_name "
                                   "from raw.customers where segment = 'Retail' limit 1")[0]
    page = show(open_as("sme_manager"), base_url, "/", "scoreboard")
    page.click("#filter-segment")
    options = page.get_by_role("option").all_inner_texts()
    assert [option.strip() for option in options] == ["SME"]
    page.keyboard.press("Escape")
    show(page, base_url, f"/customer/{retail_id}", "customer", charts=False)
    assert page.locator("#customer-not-found").is_visible()
    assert retail_name not in page.content()
    page.screenshot(path=SCREENSHOTS / "restricted_customer_not_allowed.png")
    # A Retail filter typed in the URL: the server answers with no Retail row (the
    # segment dropdown, which offers SME only, then drops the value: SME rows show).
    show(page, base_url, "/aged?segment=Retail&bucket=not_due", "aged")
    page.wait_for_selector(".table-bucket-customers .ag-row")
    segments = page.locator('.table-bucket-customers .ag-cell[col-id="segment"]')
    assert set(segments.all_inner_texts()) == {"SME"}
    assert retail_name not in page.content()
    show(page, base_url, "/segments?dimension=segment", "segments")
    page.wait_for_selector(".table-kpis-by-segment a.grid-link")
    values = page.locator(".table-kpis-by-segment a.grid-link").all_inner_texts()
    assert values == ["SME"]


def test_a_refresh_published_while_browsing_is_announced_not_mixed_in(open_as, live_server):
    page = show(open_as("cfo"), live_server[0], "/", "scoreboard")
    before = page.inner_text("#scoreboard-tile-total_ar-value")
    published = live_server[1].server.config["WAREHOUSE"]
    staged = published.with_suffix(".staged")
    shutil.copy(published, staged)
    os.replace(staged, published)  # how the pipeline publishes
    page.wait_for_selector("#reload-link", timeout=10_000)
    assert page.inner_text("#scoreboard-tile-total_ar-value") == before
    page.click("#reload-link")
    page.wait_for_selector("#page-scoreboard")
    assert page.locator("#reload-link").count() == 0

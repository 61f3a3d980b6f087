"""The dashboard in a real headless Chromium, on the warehouse the pipeline published
from the generated 3-year book. Screenshots of each page go to artifacts/screenshots/."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
from urllib.parse import parse_qs, urlsplit

import pytest
from dashboard_support import ARTIFACTS, SCREENSHOTS, query

from dashboards import formatting

pytestmark = pytest.mark.browser
PAGES = {"scoreboard": "/", "aged": "/aged?bucket=31-60", "segments": "/segments?dimension=region",
         "disputes": "/disputes", "collections": "/collections", "worklist": "/worklist",
         "lists": "/lists", "quality": "/quality"}
GLOBAL_FILTERS = ("as_of", "segment", "region", "business_unit", "collector_id")



def past_month_end(warehouse):
    """A month end at least two months before the run's as-of date."""
    return query(warehouse, "select max(as_of_date) from marts.kpi_monthly "
                            "where as_of_date = last_day(as_of_date) and as_of_date < "
                            "(select max(as_of_date) - 60 from marts.kpi_monthly)")[0][0]


def kpi_text(warehouse, kpi: str, value, locale: str = "en") -> str:
    """A KPI value as a tile shows it: in the catalogue's unit and decimals."""
    unit, decimals = query(warehouse, "select unit, decimals from marts.kpi_catalogue "
                                      "where kpi = ?", [kpi])[0]
    return formatting.kpi(float(value), unit, decimals, locale)


def column_label(warehouse, column: str) -> str:
    return query(warehouse, "select label_en from marts.column_labels where column_name = ?",
                 [column])[0][0]




def show(page, base_url: str, path: str, name: str, charts: bool = True):
    page.goto(base_url + path)
    page.wait_for_selector(f"#page-{name}", timeout=20_000)
    if charts and page.locator(".js-plotly-plot").count():
        page.wait_for_selector(".js-plotly-plot .main-svg", state="attached")
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
    page.click("#customer-tabs >> text=Calls and promises")  # its chart draws once shown
    page.wait_for_selector("#customer-timeline .main-svg")
    page.screenshot(path=SCREENSHOTS / "customer_calls.png", full_page=True)
    page.click("#customer-tabs >> text=Payer profile and risk")
    assert re.search("[A-E]", page.inner_text("#customer-risk-grade"))
    page.screenshot(path=SCREENSHOTS / "customer_profile.png", full_page=True)


def test_each_kpi_shows_its_definition_card_from_the_dbt_docs(open_as, live_server,
                                                              dashboard_warehouse):
    kpi, definition = query(dashboard_warehouse, """
        select catalogue.kpi, columns.comment from marts.kpi_catalogue as catalogue
        join duckdb_columns() as columns
          on columns.schema_name = 'marts' and columns.table_name = 'kpi_monthly'
         and columns.column_name = catalogue.kpi
        where catalogue.is_headline and columns.comment is not null
        order by catalogue.tile_order limit 1""")[0]
    page = show(open_as("cfo"), live_server[0], "/", "scoreboard")
    page.hover(f"#scoreboard-tile-{kpi}")
    card = page.wait_for_selector(f"#scoreboard-tile-{kpi}-definition")
    assert definition[:60] in card.inner_text()
    page.screenshot(path=SCREENSHOTS / "scoreboard_definition_card.png")


def test_filters_survive_every_top_menu_link(open_as, live_server, dashboard_warehouse):
    """As-of (a past month end), segment, region, business unit and collector, set once,
    are still in the address and in the filter bar after each link of the top menu."""
    as_of = past_month_end(dashboard_warehouse)
    segment, region, business_unit, collector = query(dashboard_warehouse, """
        select segment, region, business_unit, collector_id from marts.customers
        where business_unit is not null and collector_id is not null
        group by all order by count(*) desc limit 1""")[0]
    chosen = {"as_of": as_of.isoformat(), "segment": segment, "region": region,
              "business_unit": business_unit, "collector_id": collector}
    search = "&".join(f"{name}={value}" for name, value in chosen.items())
    page = show(open_as("cfo"), live_server[0], f"/?{search}", "scoreboard", charts=False)
    links = page.locator(".top-bar .nav-link")
    names = [link.get_attribute("id") for link in links.all()]
    assert len(names) >= 7, names  # every page of the menu
    for link_id in names:
        page.click(f"#{link_id}")
        page.wait_for_function(  # the new page drawn, its own link marked as the current
            f"document.querySelector('#{link_id}')?.classList.contains('active')")
        found = {name: values[0] for name, values in parse_qs(urlsplit(page.url).query).items()}
        assert {name: found.get(name) for name in GLOBAL_FILTERS} == chosen, link_id
        if page.locator("#filter-segment").count():  # data quality has no filter bar
            assert segment in page.inner_text("#filter-segment"), link_id
    page.screenshot(path=SCREENSHOTS / "filters_after_menu_links.png", full_page=True)


def test_the_french_switch_changes_a_tile_to_french_format_and_back(open_as, live_server,
                                                                    dashboard_warehouse):
    total = query(dashboard_warehouse, "select total_ar from marts.kpi_monthly "
                                       "order by as_of_date desc limit 1")[0][0]
    english = kpi_text(dashboard_warehouse, "total_ar", total, "en")
    french = kpi_text(dashboard_warehouse, "total_ar", total, "fr")
    assert "\u202f" in french and french.endswith("€")
    page = show(open_as("cfo"), live_server[0], "/?segment=SME", "scoreboard")
    tile = "#scoreboard-tile-total_ar-value"
    sme_total = query(dashboard_warehouse, "select total_ar from marts.kpi_by_dimension "
                                           "where dimension = 'segment' and dimension_value "
                                           "= 'SME' order by as_of_date desc limit 1")[0][0]
    assert page.inner_text(tile) == kpi_text(dashboard_warehouse, "total_ar", sme_total)
    page.goto(live_server[0] + "/")
    page.wait_for_selector(tile)
    assert page.inner_text(tile) == english
    try:
        page.click("#locale-fr")
        page.wait_for_function(f"document.querySelector('{tile}')?.innerText === '{french}'")
        assert page.inner_text("#nav-aged") == "Balance âgée"
        page.wait_for_selector("#scoreboard-aged-over-time .main-svg")
        page.screenshot(path=SCREENSHOTS / "scoreboard_french.png", full_page=True)
    finally:
        page.click("#locale-en")  # the choice is saved for the user: leave it in English
    page.wait_for_function(f"document.querySelector('{tile}')?.innerText === '{english}'")


def test_a_restricted_manager_sees_the_scope_and_cannot_reach_other_segments(
        open_as, live_server, dashboard_warehouse):
    base_url = live_server[0]
    retail_id, retail_name = query(dashboard_warehouse, "select customer_id, customer_name "
                                   "from marts.customers where segment = 'Retail' limit 1")[0]
    page = show(open_as("sme_manager"), base_url, "/", "scoreboard")
    scope = f"Your scope: {column_label(dashboard_warehouse, 'segment')} SME"
    assert page.inner_text("#filter-scope") == scope
    page.click("#filter-segment")
    options = page.get_by_role("option").all_inner_texts()
    assert [option.strip() for option in options] == ["SME"]
    page.keyboard.press("Escape")
    show(page, base_url, f"/customer/{retail_id}", "customer", charts=False)
    assert page.locator("#customer-not-found").is_visible()
    assert retail_name not in page.content()
    page.screenshot(path=SCREENSHOTS / "restricted_customer_not_allowed.png")
    # A Retail filter typed in the URL: one "not in your scope" alert, and no Retail row.
    show(page, base_url, "/aged?segment=Retail&bucket=not_due", "aged")
    page.wait_for_selector("#filter-out-of-scope")
    assert page.locator("#filter-out-of-scope").count() == 1
    assert "not in your scope" in page.inner_text("#filter-out-of-scope")
    assert page.inner_text("#filter-scope") == scope
    assert retail_name not in page.content()
    page.screenshot(path=SCREENSHOTS / "restricted_out_of_scope.png", full_page=True)
    show(page, base_url, "/segments?dimension=segment", "segments")
    page.wait_for_selector(".table-kpis-by-segment a.grid-link")
    values = page.locator(".table-kpis-by-segment a.grid-link").all_inner_texts()
    assert values == ["SME"]


CUT_HEADERS = """() => [...document.querySelectorAll('.data-table .ag-header-cell-text')]
    .filter(label => label.offsetParent !== null
            && (label.scrollWidth > label.clientWidth
                || label.scrollHeight > label.clientHeight + 1))
    .map(label => label.closest('.data-table').className + ': ' + label.innerText)"""


def headers_shown(page) -> int:
    return page.evaluate("[...document.querySelectorAll('.data-table .ag-header-cell-text')]"
                         ".filter(label => label.offsetParent !== null).length")


def test_no_table_header_is_cut_at_1440_px(open_as, live_server, dashboard_warehouse):
    """Segments, worklist and customer tables: each header label fits its cell (measured
    in the browser: scrollWidth <= clientWidth), with the default columns and with every
    column of the KPI table shown."""
    base_url = live_server[0]
    page = open_as("cfo")
    customer_id = query(dashboard_warehouse, "select customer_id from marts.collection_worklist "
                                             "order by priority_rank limit 1")[0][0]
    views = [("segments", "/segments?dimension=collector_id", ".table-kpis-by-collector_id"),
             ("segments", "/segments?dimension=segment&value=SME", ".table-segment-customers"),
             ("worklist", "/worklist", ".table-worklist"),
             ("customer", f"/customer/{customer_id}", ".table-customer-open-items")]
    for name, path, grid in views:
        show(page, base_url, path, name, charts=False)
        page.wait_for_selector(f"{grid} .ag-header-cell-text")
        assert page.evaluate(CUT_HEADERS) == [], path
        assert headers_shown(page) >= 4, path
    for tab in ("Disputes", "Calls and promises"):
        page.click(f"#customer-tabs >> text={tab}")
        page.wait_for_timeout(500)
        assert page.evaluate(CUT_HEADERS) == [], tab
    # Every KPI by collector at once: the table scrolls sideways, no header is cut.
    show(page, base_url, "/segments?dimension=collector_id", "segments", charts=False)
    page.click(".table-kpis-by-collector_id .column-chooser")
    for box in page.locator(".column-chooser-kpis-by-collector_id input[type=checkbox]").all():
        if not box.is_checked():
            box.check()
    page.keyboard.press("Escape")
    page.wait_for_timeout(500)
    grid = page.locator(".table-kpis-by-collector_id .ag-body-horizontal-scroll-viewport")
    for position in (0, 1500, 3000, 6000):  # columns render as they scroll into view
        grid.evaluate(f"viewport => viewport.scrollLeft = {position}")
        page.wait_for_timeout(300)
        assert page.evaluate(CUT_HEADERS) == [], position
    page.screenshot(path=SCREENSHOTS / "segments_all_columns.png", full_page=True)


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
    assert page.inner_text(tile) == kpi_text(dashboard_warehouse, "total_ar", company)
    page.click("#filter-segment")
    page.get_by_role("option", name="SME", exact=True).click()
    page.wait_for_function("location.search.includes('segment=SME')")
    page.wait_for_function(f"document.querySelector('{tile}')?.innerText === "
                           f"'{kpi_text(dashboard_warehouse, 'total_ar', sme)}'")
    assert f"as_of={as_of.isoformat()}" in page.url  # the view is a shareable link
    page.screenshot(path=SCREENSHOTS / "scoreboard_sme.png", full_page=True)


def test_a_table_exports_to_csv_the_whole_selection_with_labels(open_as, live_server,
                                                                dashboard_warehouse):
    expected = query(dashboard_warehouse, """
        select count(distinct customer_id) from marts.aged_balance
        where aging_bucket = '31-60'
          and as_of_date = (select max(as_of_date) from marts.kpi_monthly)""")[0][0]
    page = show(open_as("cfo"), live_server[0], "/aged?bucket=31-60", "aged")
    page.wait_for_selector(".table-bucket-customers .ag-row")
    with page.expect_download() as download_info:
        page.click(".table-bucket-customers .export-csv")
    download = download_info.value
    target = ARTIFACTS / "exports" / download.suggested_filename
    target.parent.mkdir(parents=True, exist_ok=True)
    download.save_as(target)
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert len(rows) == expected > 0
    assert {column_label(dashboard_warehouse, "customer_id"),
            column_label(dashboard_warehouse, "open_amount")} <= set(rows[0])
    assert not any("href" in header for header in rows[0])  # link targets are not data


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

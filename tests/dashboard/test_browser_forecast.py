"""The cash forecast page (issue 15) in a real headless Chromium, on the warehouse the
pipeline publishes from the generated book (its forecast marts included): the tiles and
charts hold the marts' numbers, a change of as-of date changes them, a week's bar lists
its invoices whose customer link keeps the filters, the metric dropdown switches the
accuracy chart, French shows French; screenshots at 1440 px in artifacts/screenshots/."""

from __future__ import annotations

import csv
import io

import pytest
from dashboard_support import ARTIFACTS, SCREENSHOTS, query

from dashboards import formatting

pytestmark = pytest.mark.browser
TOTAL_TILE = "#forecast-tile-total-value"
# Grid header labels that do not fit their cell (as in test_browser.py), and the page's
# width beyond the 1440 px window (the menu on one line, nothing sideways).
CUT_HEADERS = """() => [...document.querySelectorAll('.data-table .ag-header-cell-text')]
    .filter(label => label.offsetParent !== null
            && (label.scrollWidth > label.clientWidth
                || label.scrollHeight > label.clientHeight + 1))
    .map(label => label.closest('.data-table').className + ': ' + label.innerText)"""
OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"
# How far a table's column runs past the table's right edge (> 0: the reader must scroll
# sideways to see it).
PAST_THE_EDGE = """([table, column]) => {
    const grid = document.querySelector(`.table-${table} .ag-root-wrapper`);
    const header = grid.querySelector(`.ag-header-cell[col-id="${column}"]`);
    return header.getBoundingClientRect().right - grid.getBoundingClientRect().right;
}"""
REASONS = ["forecast-week-invoices", "forecast_reasons"]  # the week's last default column


def show(page, base_url: str, path: str):
    """Open the forecast page (or another) and wait until its charts are drawn."""
    page.goto(base_url + path)
    page.wait_for_selector("[id^=page-]", timeout=20_000)
    if page.locator(".js-plotly-plot").count():
        page.wait_for_selector(".js-plotly-plot .main-svg", state="attached")
    page.wait_for_timeout(300)
    return page


def forecast_dates(warehouse) -> tuple:
    """The run's as-of date and a month end at least 4 months before it, whose 13-week
    totals differ."""
    run, past = query(warehouse, """
        with totals as (select as_of_date, sum(expected_cash) as total
                        from marts.cash_forecast group by all)
        select (select max(as_of_date) from totals), max(past.as_of_date)
        from totals as past
        where past.as_of_date = last_day(past.as_of_date)
          and past.as_of_date < (select max(as_of_date) from totals) - 120
          and past.total <> (select total from totals order by as_of_date desc limit 1)""")[0]
    return run, past


def company_total(warehouse, as_of) -> float:
    return float(query(warehouse, "select sum(expected_cash) from marts.cash_forecast "
                                  "where as_of_date = ?", [as_of])[0][0])


def test_the_page_shows_the_marts_weeks_and_tiles_and_follows_the_as_of_date(
        open_as, live_server, dashboard_warehouse):
    run, past = forecast_dates(dashboard_warehouse)
    week_1, promised, disputed, litigation = query(dashboard_warehouse, """
        select sum(expected_cash) filter (where week_number = 1), sum(promised_cash),
               sum(disputed_cash), max(litigation_amount)
        from marts.cash_forecast where as_of_date = ?""", [run])[0]
    (open_amount,), = query(dashboard_warehouse, "select sum(open_amount) from "
                            "marts.invoice_payment_forecast where as_of_date = ?", [run])
    page = show(open_as("cfo"), live_server[0], "/forecast")
    assert page.locator("#nav-forecast").get_attribute("class").count("active")
    assert page.inner_text(TOTAL_TILE) == formatting.amount(company_total(
        dashboard_warehouse, run))
    for tile, value in (("open", open_amount), ("week-1", week_1), ("promised", promised),
                        ("disputed", disputed), ("litigation", litigation)):
        assert page.inner_text(f"#forecast-tile-{tile}-value") == formatting.amount(
            float(value)), tile
    # 13 weeks of bars (promised, disputed, other) and the P10-P90 whiskers
    assert page.locator("#forecast-weeks g.trace.bars").count() == 3
    assert page.locator("#forecast-weeks g.trace.bars").first.locator(
        "g.point").count() == 13
    assert page.locator("#forecast-weeks g.errorbar").count() == 13
    for chart in ("#forecast-vs-actual-chart", "#forecast-accuracy-chart"):
        page.wait_for_selector(f"{chart} .main-svg", state="attached")
        assert page.locator(f"{chart} g.trace").count() >= 4, chart
    page.screenshot(path=SCREENSHOTS / "forecast.png", full_page=True)
    # an earlier as-of date, chosen in the filter bar: that date's forecast
    page.click("#filter-as_of")
    page.get_by_role("option", name=formatting.date(past), exact=True).click()
    page.wait_for_function(f"location.search.includes('as_of={past.isoformat()}')")
    expected = formatting.amount(company_total(dashboard_warehouse, past))
    page.wait_for_function(
        f"document.querySelector('{TOTAL_TILE}')?.innerText === '{expected}'")
    assert formatting.date(past) in page.inner_text("#forecast-as-of")


def test_a_weeks_bar_lists_its_invoices_whose_customer_link_keeps_the_filters(
        open_as, live_server, dashboard_warehouse):
    (segment,), = query(dashboard_warehouse, "select segment from marts.customers "
                        "group by all order by count(*) desc limit 1")
    run, _ = forecast_dates(dashboard_warehouse)
    # the week whose "other invoices" bar is the tallest: easy to click
    (week,), = query(dashboard_warehouse, """
        select week_number from marts.cash_forecast_by_dimension
        where as_of_date = ? and dimension = 'segment' and dimension_value = ?
        order by expected_cash - promised_cash - disputed_cash desc limit 1""", [run, segment])
    probability = f"p_week_{week}"
    invoices, top_document = query(dashboard_warehouse, f"""
        select count(*) over (), document_id from marts.invoice_payment_forecast
        where as_of_date = ? and segment = ? and not is_litigation and {probability} > 0
        order by expected_cash_amount * {probability} desc, document_id limit 1""",
                                   [run, segment])[0]
    page = show(open_as("cfo"), live_server[0], f"/forecast?segment={segment}")
    bar = page.locator("#forecast-weeks g.trace.bars").nth(2).locator("g.point path").nth(
        week - 1)
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function(f"location.search.includes('week={week}')")
    page.wait_for_selector(".table-forecast-week-invoices .ag-row")
    assert f"segment={segment}" in page.url
    assert page.inner_text("#forecast-week-title").startswith(f"Invoices behind week {week} ")
    first_row = page.locator(".table-forecast-week-invoices .ag-center-cols-container "
                             ".ag-row[row-index='0']")
    assert first_row.locator('.ag-cell[col-id="document_id"]').inner_text() == top_document
    assert first_row.locator(f'.ag-cell[col-id="{probability}"]').count() == 1
    assert page.evaluate(CUT_HEADERS) == []
    assert page.evaluate(OVERFLOW) <= 0 and page.evaluate(PAST_THE_EDGE, REASONS) <= 0
    page.wait_for_timeout(400)  # the list is brought into view
    top = page.evaluate("document.getElementById('forecast-week-invoices')"
                        ".getBoundingClientRect().top")
    assert -5 <= top < 600
    page.screenshot(path=SCREENSHOTS / "forecast_week.png", full_page=True)
    # the CSV holds the whole selection
    with page.expect_download() as download_info:
        page.click(".table-forecast-week-invoices .export-csv")
    target = ARTIFACTS / "exports" / download_info.value.suggested_filename
    target.parent.mkdir(parents=True, exist_ok=True)
    download_info.value.save_as(target)
    assert len(list(csv.DictReader(io.StringIO(target.read_text())))) == invoices
    # the customer's page at that date, the filters kept, the invoice's expected date there
    (customer_id, expected_date), = query(dashboard_warehouse, """
        select customer_id, expected_payment_date from marts.invoice_payment_forecast
        where as_of_date = ? and document_id = ?""", [run, top_document])
    page.locator(".table-forecast-week-invoices .ag-pinned-left-cols-container "
                 ".ag-row[row-index='0'] a.grid-link").click()
    page.wait_for_function(f"location.pathname === '/customer/{customer_id}'")
    assert f"as_of={run.isoformat()}" in page.url and f"segment={segment}" in page.url
    page.wait_for_selector("#customer-statement .table-customer-open-items .ag-row")
    row_index = page.evaluate("""async (document) => {
        const api = await dash_ag_grid.getApiAsync({table: "customer-open-items",
                                                    type: "grid"});
        let found = null;
        api.forEachNode(node => { if (node.data.document_id === document) found = node; });
        api.ensureNodeVisible(found, "middle");
        return found.rowIndex;
    }""", top_document)
    cell = page.locator(".table-customer-open-items .ag-center-cols-container "
                        f".ag-row[row-index='{row_index}'] "
                        '.ag-cell[col-id="expected_payment_date"]')
    assert cell.inner_text() == formatting.date(expected_date)


def test_choosing_a_week_and_a_metric_in_their_dropdowns(open_as, live_server,
                                                         dashboard_warehouse):
    (label_mae,), = query(dashboard_warehouse, "select label_en from "
                          "marts.forecast_metric_catalogue where metric = 'mae_days'")
    (label_wape,), = query(dashboard_warehouse, "select label_en from "
                           "marts.forecast_metric_catalogue where metric = 'wape_13w'")
    page = show(open_as("cfo"), live_server[0], "/forecast")
    title = "#forecast-accuracy-chart .gtitle"
    assert page.text_content(title) == label_wape  # the default metric
    assert "chosen" in page.get_attribute("#forecast-metric-wape_13w", "class")
    page.click("#forecast-metric-choice")
    page.get_by_role("option", name=label_mae, exact=True).click()
    page.wait_for_function("location.search.includes('metric=mae_days')")
    page.wait_for_function(f"document.querySelector('{title}')?.textContent === "
                           f"{label_mae!r}")
    assert "chosen" in page.get_attribute("#forecast-metric-mae_days", "class")
    assert page.locator("#forecast-accuracy-chart g.trace").count() >= 4  # model, baselines
    page.click("#forecast-week-choice")
    page.get_by_role("option", name="Week 2: ").click()
    page.wait_for_function("location.search.includes('week=2')")
    assert "metric=mae_days" in page.url  # the other choices kept
    page.wait_for_selector(".table-forecast-week-invoices .ag-row")
    assert page.inner_text("#forecast-week-title").startswith("Invoices behind week 2 ")


def test_a_restricted_manager_sees_their_segment_and_no_company_figures(
        open_as, live_server, dashboard_warehouse):
    run, _ = forecast_dates(dashboard_warehouse)
    (sme_total,), = query(dashboard_warehouse, """
        select sum(expected_cash) from marts.cash_forecast_by_dimension
        where as_of_date = ? and dimension = 'segment' and dimension_value = 'SME'""", [run])
    page = show(open_as("sme_manager"), live_server[0], "/forecast?week=1")
    assert page.inner_text(TOTAL_TILE) == formatting.amount(float(sme_total))
    page.wait_for_selector(".table-forecast-week-invoices .ag-row")
    segments = page.evaluate("""async () => {
        const api = await dash_ag_grid.getApiAsync({table: "forecast-week-invoices",
                                                    type: "grid"});
        const found = new Set();
        api.forEachNode(node => found.add(node.data.segment));
        return Array.from(found);
    }""")
    assert segments == ["SME"]
    assert "published for the whole company only" in page.inner_text("#forecast-vs-actual")
    assert "published for the whole company only" in page.inner_text("#forecast-accuracy")


def test_french_shows_french_labels_and_numbers(open_as, live_server, dashboard_warehouse):
    run, _ = forecast_dates(dashboard_warehouse)
    (label_fr,), = query(dashboard_warehouse, "select label_fr from "
                         "marts.forecast_metric_catalogue where metric = 'wape_13w'")
    page = show(open_as("cfo"), live_server[0], "/forecast")
    page.click("#locale-fr")
    page.wait_for_selector("#locale-fr.active")
    try:
        page.wait_for_selector("#forecast-accuracy-chart .main-svg", state="attached")
        assert page.inner_text("#nav-forecast") == "Trésorerie"
        assert page.inner_text("#page-forecast h3") == "Prévision de trésorerie à 13 semaines"
        assert page.inner_text(TOTAL_TILE) == formatting.amount(
            company_total(dashboard_warehouse, run), "fr")
        assert page.inner_text("#forecast-tile-total .tile-label").lower() == \
            "13 prochaines semaines"
        assert page.text_content("#forecast-accuracy-chart .gtitle") == label_fr
        assert "Semaine 1" in page.inner_text("#forecast-weeks")
        show(page, live_server[0], "/forecast?week=1")
        page.wait_for_selector(".table-forecast-week-invoices .ag-header-cell-text")
        assert page.evaluate(CUT_HEADERS) == [] and page.evaluate(PAST_THE_EDGE, REASONS) <= 0
        assert page.evaluate(OVERFLOW) <= 0  # the French menu on one line
        # a customer's open items, their forecast columns in view
        (customer_id,), = query(dashboard_warehouse, "select customer_id from "
                                "marts.collection_worklist order by priority_rank limit 1")
        show(page, live_server[0], f"/customer/{customer_id}")
        page.wait_for_selector(".table-customer-open-items .ag-header-cell-text")
        assert page.evaluate(CUT_HEADERS) == []
        assert page.evaluate(PAST_THE_EDGE, ["customer-open-items", "forecast_basis"]) <= 0
        page.screenshot(path=SCREENSHOTS / "customer_fr.png", full_page=True)
        page.screenshot(path=SCREENSHOTS / "forecast_fr.png", full_page=True)
    finally:  # the choice is saved for the user: leave it in English
        page.goto(live_server[0] + "/locale/en?next=/forecast")
        page.wait_for_selector("#locale-en.active")

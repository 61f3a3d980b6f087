"""The pages of issue 14 in a real headless Chromium, on the warehouse the pipeline
publishes from the generated book: customer links that keep a past as-of date, the call
sheet on one A4 page, the selection in view after a click, a collector's queue from 1, and
screenshots of every page at 1440 px (artifacts/screenshots/, looked at by people)."""

from __future__ import annotations

import io
import re

import pytest
from dashboard_support import ARTIFACTS, SCREENSHOTS, query

from dashboards import formatting

pytestmark = pytest.mark.browser
LISTS = ("overdue", "over_limit", "worsening", "broken_promises", "to_reconcile",
         "open_disputes")





def show(page, base_url: str, path: str, name: str):
    """Open a page and wait until its charts and grids are drawn."""
    page.goto(base_url + path)
    page.wait_for_selector(f"#page-{name}", timeout=20_000)
    if page.locator(".js-plotly-plot").count():
        page.wait_for_selector(".js-plotly-plot .main-svg", state="attached")
    if page.locator(".ag-root").count():
        page.wait_for_selector(".ag-root .ag-header-cell-text")
    page.wait_for_timeout(300)  # grids size their columns after the first paint
    return page


def test_a_customer_link_from_a_past_as_of_opens_the_customer_at_that_date(
        open_as, live_server, dashboard_warehouse):
    """The issue's case: from `/aged?as_of=<past>&bucket=>120` a customer's name opens
    its page at that date, with that date's balance (not the run date's)."""
    # a customer of the >120 bucket at a past month end whose balance changed since
    as_of, customer_id, name, bucket_amount, past_total = query(dashboard_warehouse, """
        with run as (select max(as_of_date) as d from marts.customer_profile_history),
        candidates as (
            select aged.as_of_date, aged.customer_id, sum(aged.open_amount) as bucket_amount,
                   row_number() over (partition by aged.as_of_date
                                      order by sum(aged.open_amount) desc) as position
            from marts.aged_balance as aged, run
            where aged.aging_bucket = '>120' and aged.as_of_date < run.d
              and aged.as_of_date = last_day(aged.as_of_date)
            group by aged.as_of_date, aged.customer_id
        )
        select candidates.as_of_date, candidates.customer_id, customers.customer_name,
               candidates.bucket_amount, past.total_ar
        from candidates
        join marts.customers as customers using (customer_id)
        join marts.customer_profile_history as past
          on past.customer_id = candidates.customer_id
         and past.as_of_date = candidates.as_of_date
        join marts.customer_profile_history as now
          on now.customer_id = candidates.customer_id
         and now.as_of_date = (select d from run)
        where candidates.position <= 5 and now.total_ar <> past.total_ar
        order by candidates.as_of_date desc, candidates.position limit 1""")[0]
    base_url = live_server[0]
    page = show(open_as("cfo"), base_url,
                f"/aged?as_of={as_of.isoformat()}&bucket=%3E120", "aged")
    page.wait_for_selector(".table-bucket-customers .ag-row")
    link = page.locator(".table-bucket-customers a.grid-link", has_text=name).first
    assert f"as_of={as_of.isoformat()}" in link.get_attribute("href")
    link.click()
    page.wait_for_function(f"location.pathname === '/customer/{customer_id}'")
    page.wait_for_selector("#page-customer #customer-statement .ag-row")
    assert f"as_of={as_of.isoformat()}" in page.url
    # the balance of that date, as the profile history and the open items hold it
    assert page.inner_text("#customer-tile-total_ar-value") == formatting.amount(
        float(past_total))
    assert formatting.date(as_of) in page.inner_text("#customer-as-of")
    bucket_rows = page.locator('.table-customer-open-items .ag-center-cols-container '
                               '.ag-cell[col-id="aging_bucket"]').all_inner_texts()
    (bucket_label,), = query(dashboard_warehouse, "select label_en from marts.aging_buckets "
                             "where bucket = '>120'")
    (items,), = query(dashboard_warehouse, "select count(*) from marts.aged_balance where "
                      "as_of_date = ? and customer_id = ? and aging_bucket = '>120'",
                      [as_of, customer_id])
    assert bucket_rows.count(bucket_label) == items > 0
    assert float(bucket_amount) > 0
    page.screenshot(path=SCREENSHOTS / "customer_from_past_as_of.png", full_page=True)


def _pdf_pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def test_the_page_count_sees_every_page(browser):
    """The PDF page count itself: a 3 000 px page prints on three A4 pages."""
    page = browser.new_page()
    try:
        page.set_content("<div style='height: 3000px'>tall</div>")
        assert _pdf_pages(page.pdf(format="A4")) == 3
    finally:
        page.close()


def test_the_call_sheet_prints_on_one_a4_page(open_as, live_server, dashboard_warehouse):
    """The busiest sheet of the worklist (most open items, promises and open disputes),
    printed by Chromium with a browser's usual 1 cm margins: one A4 page, at full size
    (nothing wider than the page, which Chromium would shrink), without the top bar or
    the buttons."""
    (customer_id,), = query(dashboard_warehouse, """
        select worklist.customer_id
        from marts.collection_worklist as worklist
        left join (select customer_id, count(document_id) as items from marts.aged_balance
                   where as_of_date = (select max(as_of_date) from marts.aged_balance)
                   group by all) as items using (customer_id)
        left join (select customer_id, count(*) as promises from marts.promises
                   group by all) as promises using (customer_id)
        left join (select customer_id, count(*) as disputes from marts.open_disputes
                   where as_of_date = (select max(as_of_date) from marts.open_disputes)
                   group by all) as disputes using (customer_id)
        order by least(coalesce(items, 0), 12) + least(coalesce(promises, 0), 5)
                 + coalesce(disputes, 0) desc, worklist.priority_rank
        limit 1""")
    page = show(open_as("cfo"), live_server[0], f"/call-sheet/{customer_id}", "call-sheet")
    page.wait_for_selector("#call-sheet-open-items")
    page.screenshot(path=SCREENSHOTS / "call_sheet.png", full_page=True)
    page.emulate_media(media="print")
    assert not page.locator(".top-bar").is_visible()
    assert not page.locator("#call-sheet-print").is_visible()
    # A4 is 794 x 1123 CSS pixels; 1 cm margins leave 718 x 1047
    page.set_viewport_size({"width": 718, "height": 1047})
    assert page.evaluate("document.documentElement.scrollWidth") <= 718
    pdf = page.pdf(format="A4", print_background=True,
                   margin={side: "1cm" for side in ("top", "right", "bottom", "left")})
    (ARTIFACTS / "call_sheet.pdf").write_bytes(pdf)
    assert _pdf_pages(pdf) == 1


def test_a_click_on_a_bucket_or_a_customer_keeps_the_answer_in_view(open_as, live_server):
    page = show(open_as("cfo", height=900), live_server[0], "/aged", "aged")
    page.click("#aged-bucket-1-30")
    page.wait_for_selector("#aged-selection .table-bucket-customers .ag-row")
    page.wait_for_timeout(500)
    top = page.evaluate("document.getElementById('aged-selection').getBoundingClientRect().top")
    assert -5 <= top < 900 * 0.6  # the list's title in the upper part of the window
    page.locator(".table-bucket-customers a.grid-link").first.click()  # its open items
    page.wait_for_selector(".table-open-items .ag-row")
    page.wait_for_timeout(500)
    top = page.evaluate("document.querySelector('.table-open-items').getBoundingClientRect()"
                        ".top")
    assert -5 <= top < 900 * 0.6


def test_a_collectors_queue_starts_at_one_with_reasons_in_words(open_as, live_server,
                                                               dashboard_warehouse):
    (collector,), = query(dashboard_warehouse, "select collector_id from "
                          "marts.collection_worklist group by all order by min(priority_rank) "
                          "desc limit 1")  # the collector whose first call ranks lowest
    page = show(open_as("cfo"), live_server[0], f"/worklist?collector_id={collector}",
                "worklist")
    page.wait_for_selector(".table-worklist .ag-row")
    ranks = page.locator('.table-worklist .ag-cell[col-id="collector_rank"]').all_inner_texts()
    assert ranks[:3] == ["1", "2", "3"][:len(ranks)]
    reason = page.locator('.table-worklist .ag-cell[col-id="reason"]').first.inner_text()
    assert re.search(r"EUR [\d,]+ overdue", reason)  # "EUR 134,740 overdue", not 134739.85
    page.locator('.table-worklist .ag-cell[col-id="reason"] a.grid-link').first.click()
    page.wait_for_selector("#call-sheet-reason")


def test_a_restricted_manager_sees_only_their_segment_on_every_list(open_as, live_server):
    base_url = live_server[0]
    page = open_as("sme_manager")
    for name in LISTS:
        show(page, base_url, f"/lists?list={name}", "lists")
        segments = set(page.locator(f'.table-list-{name} .ag-cell[col-id="segment"]')
                       .all_inner_texts())
        assert segments <= {"SME"}, name


def test_screenshots_of_every_page_at_1440_px(open_as, live_server, dashboard_warehouse):
    """For people to look at: every page and tab, a restricted manager's view, French."""
    base_url = live_server[0]
    (customer_id,), = query(dashboard_warehouse, "select customer_id from "
                            "marts.collection_worklist order by priority_rank limit 1")
    (collector,), = query(dashboard_warehouse, "select collector_id from "
                          "marts.collection_worklist order by priority_rank limit 1")
    pages = {
        "scoreboard": ("/", "scoreboard"),
        "aged": ("/aged", "aged"),
        "aged_bucket": ("/aged?bucket=%3E120", "aged"),
        "segments": ("/segments", "segments"),
        "segments_collectors": ("/segments?dimension=collector_id", "segments"),
        "segments_customers": ("/segments?dimension=segment&value=SME", "segments"),
        "disputes": ("/disputes", "disputes"),
        "collections": ("/collections", "collections"),
        "worklist": ("/worklist", "worklist"),
        "worklist_collector": (f"/worklist?collector_id={collector}", "worklist"),
        "quality": ("/quality", "quality"),
        **{f"list_{name}": (f"/lists?list={name}", "lists") for name in LISTS},
        "call_sheet_page": (f"/call-sheet/{customer_id}", "call-sheet"),
    }
    page = open_as("cfo")
    for name, (path, page_name) in pages.items():
        show(page, base_url, path, page_name)
        assert page.locator("#warehouse-missing").count() == 0, name
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
    show(page, base_url, f"/customer/{customer_id}", "customer")
    page.wait_for_selector("#customer-statement .ag-row")
    page.screenshot(path=SCREENSHOTS / "customer_statement.png", full_page=True)
    for tab, label in (("call_sheet", "Call sheet"), ("disputes", "Disputes"),
                       ("calls", "Calls and promises"), ("profile", "Payer profile and risk")):
        page.get_by_role("tab", name=re.compile(f"^{re.escape(label)}")).click()
        page.wait_for_timeout(700)
        page.screenshot(path=SCREENSHOTS / f"customer_{tab}.png", full_page=True)
    assert re.fullmatch("[A-E]", page.inner_text("#customer-risk-grade").strip())
    # French: the switch in the top bar (saved for the user: switched back at the end)
    page.click("#locale-fr")  # back to the same page, in French
    page.wait_for_selector("#locale-fr.active")
    try:
        for name, (path, page_name) in (("scoreboard_fr", ("/", "scoreboard")),
                                        ("lists_fr", ("/lists?list=overdue", "lists")),
                                        ("call_sheet_fr", (f"/call-sheet/{customer_id}",
                                                           "call-sheet"))):
            show(page, base_url, path, page_name)
            page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
        assert page.inner_text("#call-sheet-title").startswith("Fiche de relance")
    finally:
        page.click("#locale-en")
        page.wait_for_selector("#locale-en.active")
    # a manager restricted to SME: the scope in the filter bar
    manager = show(open_as("sme_manager"), base_url, "/lists?list=over_limit", "lists")
    manager.screenshot(path=SCREENSHOTS / "restricted_list.png", full_page=True)


def test_the_overdue_and_over_limit_tiles_open_their_lists(open_as, live_server,
                                                           dashboard_warehouse):
    (over_limit,), = query(dashboard_warehouse, """
        select customers_over_limit from marts.kpi_by_dimension
        where dimension = 'segment' and dimension_value = 'SME'
        order by as_of_date desc limit 1""")
    page = show(open_as("cfo"), live_server[0], "/?segment=SME", "scoreboard")
    page.click("#scoreboard-tile-over_limit_amount")
    page.wait_for_function("location.pathname === '/lists' && "
                           "location.search.includes('list=over_limit') && "
                           "location.search.includes('segment=SME')")
    page.wait_for_selector("#lists-title")
    # the list holds the customers the KPI counts, within the filter
    assert page.inner_text("#lists-title").endswith(f": {over_limit}")
    show(page, live_server[0], "/?segment=SME", "scoreboard")
    page.click("#scoreboard-tile-overdue_ar")
    page.wait_for_function("location.search.includes('list=overdue')")
    page.wait_for_selector(".table-list-overdue .ag-row")

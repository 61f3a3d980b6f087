"""The page frame, tiles and grids drawn from the catalogue (components.py), rendered as
a page body would be, on the framework's small warehouse."""

from __future__ import annotations

import dash
import flask
import pandas as pd
import pytest
from dash.development.base_component import Component

from dashboards import auth, components, i18n, ids

NNBSP = "\u202f"


def walk(component):
    yield component
    children = getattr(component, "children", None)
    if isinstance(children, (list, tuple)):
        for child in children:
            yield from walk(child)
    elif children is not None:
        yield from walk(children)


def by_id(tree, wanted):
    found = [c for c in walk(tree) if isinstance(c, Component) and getattr(c, "id", None) == wanted]
    return found[0] if found else None


def text(component) -> str:
    return " ".join(str(c) for c in walk(component) if isinstance(c, str))


@pytest.fixture
def signed_in(framework_server):
    """A function: a request context signed in as `username`, in `locale`."""
    contexts = []

    def enter(username: str = "cfo", locale: str | None = None):
        context = framework_server.test_request_context("/")
        context.push()
        contexts.append(context)
        flask.session[auth.SESSION_USER] = username
        if locale:
            flask.session[i18n.SESSION_LOCALE] = locale
        return framework_server

    yield enter
    for context in reversed(contexts):
        context.pop()


@pytest.fixture
def top_menu(monkeypatch):
    """Two pages in the top menu and one outside it (as pages/ registers them)."""
    registry = {
        "pages.scoreboard": {"module": "pages.scoreboard", "name": "Scoreboard",
                             "relative_path": "/"},
        "pages.aged": {"module": "pages.aged", "name": "Aged balance",
                       "relative_path": "/aged"},
        "pages.customer": {"module": "pages.customer", "name": "Customer",
                           "relative_path": "/customer/none", "nav": False},
    }
    monkeypatch.setattr(dash, "page_registry", registry)


def draw(query: dict, body=lambda page: [], path: str = "/aged"):
    captured = {}

    def keep(page):
        captured["page"] = page
        return body(page)

    return components.render("test", path, query, keep), captured.get("page")


def test_top_menu_links_keep_the_global_filters_but_not_the_page_s_own(signed_in, top_menu):
    signed_in("cfo")
    tree, _ = draw({"as_of": "2026-09-30", "segment": "SME", "collector_id": "COL1",
                    "country": "FR", "bucket": "1-30"})
    assert by_id(tree, "nav-scoreboard").href == "/?as_of=2026-09-30&segment=SME&collector_id=COL1"
    assert by_id(tree, "nav-aged").href == "/aged?as_of=2026-09-30&segment=SME&collector_id=COL1"
    assert by_id(tree, "nav-aged").active and not by_id(tree, "nav-scoreboard").active
    assert by_id(tree, "nav-customer") is None  # not in the menu
    # The language switch comes back to this very view.
    assert by_id(tree, "locale-fr").href == (
        "/locale/fr?next=%2Faged%3Fas_of%3D2026-09-30%26segment%3DSME%26collector_id%3DCOL1"
        "%26country%3DFR%26bucket%3D1-30")


def test_without_an_as_of_the_links_carry_the_date_shown(signed_in, top_menu):
    signed_in("cfo")
    tree, page = draw({})
    assert page.filters.as_of.isoformat() == "2026-10-31"
    assert by_id(tree, "nav-aged").href == "/aged?as_of=2026-10-31"


def test_customer_and_call_sheet_links_carry_the_as_of_and_the_filters(signed_in):
    signed_in("cfo")
    _, page = draw({"as_of": "2026-09-30", "segment": "SME"})
    assert page.customer_href("C 1/2") == "/customer/C%201%2F2?as_of=2026-09-30&segment=SME"
    assert page.customer_href("C1", tab="calls") == \
        "/customer/C1?as_of=2026-09-30&segment=SME&tab=calls"
    assert page.call_sheet_href("C1") == "/call-sheet/C1?as_of=2026-09-30&segment=SME"


def test_a_restricted_user_sees_the_scope_and_one_alert_for_a_value_outside_it(signed_in):
    signed_in("sme_manager")
    tree, _ = draw({})
    assert text(by_id(tree, ids.SCOPE_NOTE)) == "Your scope: Segment SME"
    assert by_id(tree, ids.OUT_OF_SCOPE) is None
    assert [o["value"] for o in by_id(tree, ids.filter_id("segment")).options] == ["SME"]
    tree, _ = draw({"segment": "Retail", "region": "South"})
    alerts = [c for c in walk(tree) if getattr(c, "id", None) == ids.OUT_OF_SCOPE]
    assert len(alerts) == 1
    assert text(alerts[0]) == "Segment Retail: not in your scope, so nothing is shown for it."
    # The dropdown keeps the value (offered disabled), so it does not silently reset it.
    segment = by_id(tree, ids.filter_id("segment"))
    assert segment.value == "Retail"
    assert {"label": "Retail", "value": "Retail", "disabled": True} in segment.options


def test_the_filter_bar_in_french(signed_in):
    signed_in("sme_manager", "fr")
    tree, page = draw({})
    assert page.locale == "fr"
    assert text(by_id(tree, ids.SCOPE_NOTE)) == "Votre périmètre : Segment SME"
    as_of = by_id(tree, ids.filter_id("as_of"))
    assert as_of.options[0] == {"label": "31/10/2026", "value": "2026-10-31"}
    assert by_id(tree, ids.filter_id("collector_id")).placeholder == "Tous"


def test_an_unrestricted_user_has_no_scope_note(signed_in):
    signed_in("cfo")
    tree, _ = draw({})
    assert by_id(tree, ids.SCOPE_NOTE) is None


# --- tiles ----------------------------------------------------------------------------------

def tiles(locale: str = "en", links=None):
    def body(page):
        current = {"total_ar": 28451975.4, "dso_simple": 52.5, "cei": 82.0,
                   "overdue_rate": 0.256}
        previous = {"total_ar": 1800.0, "dso_simple": 45.0, "cei": 70.0,
                    "overdue_rate": 0.25}
        return [components.kpi_tiles(page, "board", current, previous,
                                     [spec.kpi for spec in page.catalogue.headline_kpis()],
                                     links=links)]
    return body


def tile_class(tree, kpi: str) -> str:
    holder = by_id(tree, f"board-tile-{kpi}")
    card = holder.children
    return card.className


def test_tiles_are_formatted_and_coloured_against_their_target(signed_in):
    signed_in("cfo")
    tree, _ = draw({}, tiles())
    assert text(by_id(tree, "board-tile-total_ar-value")) == "€28,451,975"
    assert text(by_id(tree, "board-tile-overdue_rate-value")) == "25.6%"
    assert "tile-bad" in tile_class(tree, "dso_simple")  # 52.5 d above a 50 d target
    assert "tile-good" in tile_class(tree, "cei")  # 82 above 80, higher is better
    assert "tile-bad" in tile_class(tree, "overdue_rate")  # 25.6% above 20%
    assert "tile-good" not in tile_class(tree, "total_ar") \
        and "tile-bad" not in tile_class(tree, "total_ar")  # no target: neutral
    # The change is coloured by direction: DSO up is worse, CEI up is better.
    dso_change = [c for c in walk(by_id(tree, "board-tile-dso_simple"))
                  if "tile-change" in (getattr(c, "className", "") or "")][0]
    assert "text-danger" in dso_change.className and "▲ 7.5 d" in text(dso_change)
    cei_change = [c for c in walk(by_id(tree, "board-tile-cei"))
                  if "tile-change" in (getattr(c, "className", "") or "")][0]
    assert "text-success" in cei_change.className
    rate_change = [c for c in walk(by_id(tree, "board-tile-overdue_rate"))
                   if "tile-change" in (getattr(c, "className", "") or "")][0]
    assert text(rate_change) == "▲ 0.6 pt vs previous month"
    definition = by_id(tree, "board-tile-dso_simple-definition")
    assert "Days sales outstanding, simple method." in text(definition)


def test_tiles_in_french_and_as_links(signed_in):
    signed_in("cfo", "fr")
    tree, _ = draw({}, tiles(links={"overdue_rate": "/lists?list=overdue"}))
    assert text(by_id(tree, "board-tile-total_ar-value")) == \
        f"28{NNBSP}451{NNBSP}975{NNBSP}€"
    assert text(by_id(tree, "board-tile-overdue_rate-value")) == f"25,6{NNBSP}%"
    assert "Encours total" in text(by_id(tree, "board-tile-total_ar"))
    assert "Objectif 50,0" in text(by_id(tree, "board-tile-dso_simple"))
    link = by_id(tree, "board-tile-overdue_rate")
    assert isinstance(link, dash.dcc.Link) and link.href == "/lists?list=overdue"


# --- grids ----------------------------------------------------------------------------------

ITEMS = pd.DataFrame({
    "customer_id": ["C1", "C2"], "customer_name": ["Alpha SA", "Beta SARL"],
    "open_amount": [1000.0, 2500.5], "days_past_due": [31, 0],
    "due_date": pd.to_datetime(["2026-09-30", "2026-10-31"]),
    "outcome": ["promise_to_pay", "no_answer"], "aging_bucket": ["1-30", "not_due"],
    "calls": [3, 4], "customer_href": ["/customer/C1", "/customer/C2"],
})


def grid_of(locale="en", **options):
    def body(page):
        return [components.table("items", ITEMS, page, links={"customer_id": "customer_href"},
                                 **options)]
    return body


def test_a_grid_has_catalogue_labels_units_tooltips_and_pinned_keys(signed_in):
    signed_in("cfo")
    tree, _ = draw({}, grid_of(columns=["open_amount", "due_date"]))
    grid = by_id(tree, ids.grid("items"))
    defs = {column["field"]: column for column in grid.columnDefs}
    assert [column["field"] for column in grid.columnDefs] == [
        "customer_id", "customer_name", "open_amount", "due_date", "days_past_due",
        "outcome", "aging_bucket", "calls", "customer_href"]
    assert defs["open_amount"]["headerName"] == "Open amount (EUR)"
    assert defs["open_amount"]["headerTooltip"] == "Open amount of the item at the as-of date."
    assert defs["open_amount"]["valueFormatter"]["function"] == \
        "formatValue(params.value, 'amount', 2, 'en')"
    assert defs["open_amount"]["filter"] == "agNumberColumnFilter"
    assert defs["due_date"]["filter"] == "agDateColumnFilter"
    assert defs["calls"]["headerName"] == "Calls"  # not in the catalogue: humanised
    assert defs["calls"]["context"]["unit"] == "count"
    assert defs["customer_id"]["pinned"] == "left" and defs["customer_name"]["pinned"] == "left"
    assert defs["customer_id"]["cellRenderer"] == "Link"
    shown = [field for field, column in defs.items() if not column["hide"]]
    assert shown == ["customer_id", "customer_name", "open_amount", "due_date"]
    chooser = by_id(tree, ids.column_chooser("items"))
    assert [option["value"] for option in chooser.options] == [
        "open_amount", "due_date", "days_past_due", "outcome", "aging_bucket", "calls"]
    assert chooser.value == ["open_amount", "due_date"]
    # Headers wrap instead of being cut; each column is wide enough for its longest word.
    assert grid.defaultColDef["wrapHeaderText"] and grid.defaultColDef["autoHeaderHeight"]
    assert all(column["minWidth"] >= 90 for column in grid.columnDefs if not column["hide"])


def test_a_grid_shows_code_labels_and_french_formats(signed_in):
    signed_in("cfo", "fr")
    tree, _ = draw({}, grid_of())
    grid = by_id(tree, ids.grid("items"))
    assert grid.rowData[0]["outcome"] == "Promesse de paiement"
    assert grid.rowData[1]["aging_bucket"] == "Non échu"
    assert grid.rowData[0]["due_date"] == "2026-09-30"  # raw ISO: sorted and filtered as dates
    assert grid.rowData[0]["open_amount"] == 1000.0  # raw number: numeric sort
    defs = {column["field"]: column for column in grid.columnDefs}
    assert defs["open_amount"]["headerName"] == "Montant ouvert (EUR)"
    assert defs["open_amount"]["valueFormatter"]["function"].endswith("'fr')")
    assert text(by_id(tree, ids.column_chooser_button("items"))) == "Colonnes"


def test_export_buttons_say_the_count_when_the_grid_holds_only_the_first_rows(signed_in):
    signed_in("cfo")
    capped = ITEMS.copy()
    capped.attrs["rows_in_selection"] = 12345

    def body(page):
        return [components.table("capped", capped, page, export="capped-items",
                                 export_query={"customer_id": "C1"})]
    tree, _ = draw({"as_of": "2026-09-30", "bucket": "1-30"}, body)
    assert text(by_id(tree, ids.export_button("capped", "csv"))) == "CSV (12,345 rows)"
    assert by_id(tree, ids.export_source("capped")).data == {
        "export": "capped-items",
        "query": {"as_of": "2026-09-30", "bucket": "1-30", "customer_id": "C1"}}
    tree, _ = draw({}, grid_of())
    assert text(by_id(tree, ids.export_button("items", "csv"))) == "CSV"


def test_a_long_grid_gets_a_working_height_and_a_short_one_its_own(signed_in):
    signed_in("cfo")
    long = pd.concat([ITEMS] * 20, ignore_index=True)
    tree, _ = draw({}, lambda page: [components.table("long", long, page)])
    grid = by_id(tree, ids.grid("long"))
    assert int(grid.style["height"].removesuffix("px")) >= 15 * components.ROW_HEIGHT
    tree, _ = draw({}, grid_of())
    assert by_id(tree, ids.grid("items")).dashGridOptions["domLayout"] == "autoHeight"


def test_bucket_traces_follow_the_catalogue(signed_in):
    signed_in("cfo", "fr")
    frame = pd.DataFrame({"as_of_date": pd.to_datetime(["2026-10-31"] * 2),
                          "aging_bucket": ["1-30", "not_due"], "open_amount": [5.0, 7.0]})
    _, page = draw({})
    traces = components.bucket_traces(frame, "as_of_date", page)
    assert [trace["name"] for trace in traces] == [
        "Non échu", "1 à 30 jours", "Plus de 120 jours", "Non lettré"]
    assert traces[1]["marker"]["color"] == "#f2c14e" and traces[1]["y"] == [5.0]
    assert traces[1]["customdata"] == ["1-30"]
    figure = components.figure(traces, "Balance", page,
                               shapes=[components.target_shape(50, page.t("Target"))])
    assert figure["layout"]["separators"] == f",{NNBSP}"
    assert figure["layout"]["shapes"][0]["y0"] == 50
    assert figure["layout"]["shapes"][0]["label"]["text"] == "Objectif"
    assert components.graph("g", figure, page).config["locale"] == "fr"

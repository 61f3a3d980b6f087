"""Exports that match the screen (export.py, components.download): the grid's filter and
sort applied to the whole selection, the visible columns in display order under their
labels, real numbers and dates, the French Excel dialect, formulas neutralised."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io

import flask
import openpyxl
import pandas as pd
import pytest

from dashboards import auth, components, export, i18n

FRAME = pd.DataFrame({
    "customer_name": ["Alpha SA", "beta sarl", "=Delta Ltd", None, "Gamma SAS"],
    "open_amount": [1000.0, -120.5, 400.0, 50.0, None],
    "due_date": pd.to_datetime(["2026-10-15", "2026-09-15", "2026-10-21", None,
                                "2026-07-22"]),
    "segment": ["Key accounts", "SME", "Retail", "SME", "SME"],
})
COLUMNS = [export.Column("customer_name", "Customer"),
           export.Column("open_amount", "Open amount (EUR)", "amount"),
           export.Column("due_date", "Due date", "date")]


def names(frame: pd.DataFrame) -> list:
    return [None if pd.isna(name) else name for name in frame["customer_name"]]


def test_a_text_filter_contains_ignores_case_and_skips_empty_cells():
    model = {"customer_name": {"filterType": "text", "type": "contains", "filter": "SA"}}
    assert names(export.grid_view(FRAME, model)) == ["Alpha SA", "beta sarl", "Gamma SAS"]
    model = {"customer_name": {"filterType": "text", "type": "notContains", "filter": "sa"}}
    assert names(export.grid_view(FRAME, model)) == ["=Delta Ltd", None]


def test_number_filters_and_conditions_joined_by_or():
    model = {"open_amount": {"filterType": "number", "type": "greaterThan", "filter": 100}}
    assert names(export.grid_view(FRAME, model)) == ["Alpha SA", "=Delta Ltd"]
    model = {"open_amount": {"filterType": "number", "operator": "OR", "conditions": [
        {"type": "lessThan", "filter": 0}, {"type": "equals", "filter": 400}]}}
    assert names(export.grid_view(FRAME, model)) == ["beta sarl", "=Delta Ltd"]
    model = {"open_amount": {"filterType": "number", "type": "inRange", "filter": 50,
                             "filterTo": 1000}}  # AG Grid's range excludes its bounds
    assert names(export.grid_view(FRAME, model)) == ["=Delta Ltd"]


def test_filters_on_two_columns_both_apply_and_dates_filter_as_dates():
    model = {"segment": {"filterType": "text", "type": "equals", "filter": "sme"},
             "due_date": {"filterType": "date", "type": "greaterThan",
                          "dateFrom": "2026-08-01 00:00:00", "dateTo": None}}
    assert names(export.grid_view(FRAME, model)) == ["beta sarl"]
    # ISO text dates (rows as the grid holds them) filter the same way.
    as_text = FRAME.assign(due_date=FRAME["due_date"].dt.strftime("%Y-%m-%d"))
    assert names(export.grid_view(as_text, model)) == ["beta sarl"]


def test_the_sort_follows_the_grid_s_sort_order_with_empty_cells_first_ascending():
    state = [{"colId": "customer_name", "sort": None},
             {"colId": "open_amount", "sort": "desc", "sortIndex": 1},
             {"colId": "segment", "sort": "asc", "sortIndex": 0}]
    # By segment, then within SME by amount, largest first (50, -120.5, then no amount).
    assert names(export.grid_view(FRAME, None, state)) == [
        "Alpha SA", "=Delta Ltd", None, "beta sarl", "Gamma SAS"]
    state = [{"colId": "open_amount", "sort": "asc", "sortIndex": 0}]
    assert names(export.grid_view(FRAME, None, state))[0] == "Gamma SAS"  # the empty amount


def test_english_csv_has_labels_iso_dates_and_neutralised_formulas():
    text = export.to_csv(FRAME, COLUMNS, "en")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Customer", "Open amount (EUR)", "Due date"]
    assert rows[1] == ["Alpha SA", "1000.0", "2026-10-15"]
    assert rows[2] == ["beta sarl", "-120.5", "2026-09-15"]  # a negative number stays one
    assert rows[3] == ["'=Delta Ltd", "400.0", "2026-10-21"]
    assert rows[4] == ["", "50.0", ""]


def test_french_csv_is_excel_s_french_dialect():
    text = export.to_csv(FRAME, COLUMNS, "fr")
    assert text.startswith("\ufeff")  # so that Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["Customer", "Open amount (EUR)", "Due date"]
    assert rows[2] == ["beta sarl", "-120,5", "15/09/2026"]
    assert rows[3] == ["'=Delta Ltd", "400,0", "21/10/2026"]


def test_xlsx_has_real_dates_and_numbers_and_never_a_formula():
    columns = [*COLUMNS, export.Column("segment", "Segment")]
    workbook = openpyxl.load_workbook(io.BytesIO(export.to_xlsx(FRAME, columns, "items",
                                                                "fr")))
    sheet = workbook["items"]
    assert [cell.value for cell in sheet[1]] == ["Customer", "Open amount (EUR)", "Due date",
                                                 "Segment"]
    assert sheet["C2"].is_date and sheet["C2"].value == dt.datetime(2026, 10, 15)
    assert sheet["C2"].number_format == "dd/mm/yyyy"
    assert sheet["B3"].data_type == "n" and sheet["B3"].value == -120.5
    assert sheet["A4"].value == "'=Delta Ltd" and sheet["A4"].data_type == "s"
    assert sheet["C5"].value is None


def test_rows_from_the_browser_keep_their_types():
    rows = [{"customer_name": "@SUM(A1)", "open_amount": 12.5, "due_date": "2026-10-31"}]
    workbook = openpyxl.load_workbook(io.BytesIO(export.to_xlsx(pd.DataFrame(rows), COLUMNS)))
    sheet = workbook.active
    assert sheet["A2"].value == "'@SUM(A1)"
    assert sheet["B2"].value == 12.5
    assert sheet["C2"].is_date and sheet["C2"].number_format == "yyyy-mm-dd"


# --- the download callback: the whole selection, as the grid shows it ---------------------

COLUMN_DEFS = [
    {"field": "customer_id", "headerName": "Customer ID", "pinned": "left",
     "context": {"unit": "text"}},
    {"field": "open_amount", "headerName": "Open amount (EUR)", "context": {"unit": "amount"}},
    {"field": "segment", "headerName": "Segment", "context": {"unit": "text"}},
    {"field": "due_date", "headerName": "Due date", "hide": True, "context": {"unit": "date"}},
    {"field": "customer_href", "hide": True, "context": {"unit": "link"}},
]


def whole_selection(warehouse, filters, scope, query):
    """1 200 rows: more than any grid is sent; the scope and query reach the fetch."""
    assert scope.segments == ("SME",) and query["bucket"] == "1-30"
    assert filters.as_of == dt.date(2026, 10, 31)
    return pd.DataFrame({"customer_id": [f"C{n:04d}" for n in range(1200)],
                         "open_amount": [float(n) for n in range(1200)],
                         "segment": ["SME"] * 1200,
                         "due_date": pd.to_datetime(["2026-10-01"] * 1200)})


@pytest.fixture
def as_sme_manager(framework_server):
    with framework_server.test_request_context("/"):
        flask.session[auth.SESSION_USER] = "sme_manager"
        yield framework_server


def decoded(sent: dict) -> bytes:
    return base64.b64decode(sent["content"]) if sent.get("base64") else \
        sent["content"].encode("utf-8")


def test_a_registered_export_sends_the_whole_selection_sorted_and_filtered_as_on_screen(
        as_sme_manager, monkeypatch):
    # registered for this test only: other tests walk the product's exports
    monkeypatch.setitem(components.EXPORTS, "test-whole-selection", whole_selection)
    source = {"export": "test-whole-selection", "query": {"bucket": "1-30"}}
    state = [{"colId": "open_amount", "sort": "desc", "sortIndex": 0},
             {"colId": "segment"}, {"colId": "customer_id", "pinned": "left"}]
    model = {"open_amount": {"filterType": "number", "type": "greaterThanOrEqual",
                             "filter": 100}}
    sent = components.download("worklist", "csv", source, rows=[{"customer_id": "only"}],
                               column_defs=COLUMN_DEFS, column_state=state,
                               filter_model=model)
    rows = list(csv.reader(io.StringIO(decoded(sent).decode())))
    assert rows[0] == ["Customer ID", "Open amount (EUR)", "Segment"]  # visible, in order
    assert len(rows) - 1 == 1100  # amounts 100 to 1 199, not the grid's first rows
    assert rows[1] == ["C1199", "1199.0", "SME"] and rows[-1] == ["C0100", "100.0", "SME"]
    assert sent["filename"].startswith("worklist_") and sent["filename"].endswith(".csv")


def test_without_a_registered_export_the_grid_s_rows_are_sent_in_french(as_sme_manager):
    flask.session[i18n.SESSION_LOCALE] = "fr"
    rows = [{"customer_id": "C2", "open_amount": 1234.5, "segment": "SME",
             "due_date": "2026-10-31", "customer_href": "/customer/C2"},
            {"customer_id": "C1", "open_amount": 10.0, "segment": "SME",
             "due_date": "2026-09-30", "customer_href": "/customer/C1"}]
    state = [{"colId": "customer_id", "sort": "asc", "sortIndex": 0}]
    defs = [{**column, "hide": False} if column["field"] == "due_date" else column
            for column in COLUMN_DEFS]
    sent = components.download("items", "csv", None, rows, defs, state, None)
    lines = decoded(sent).decode("utf-8").lstrip("\ufeff").splitlines()
    assert lines == ["Customer ID;Open amount (EUR);Segment;Due date",
                     "C1;10,0;SME;30/09/2026", "C2;1234,5;SME;31/10/2026"]
    workbook = openpyxl.load_workbook(io.BytesIO(decoded(components.download(
        "items", "xlsx", None, rows, defs, state, None))))
    assert workbook.active["D2"].is_date and workbook.active["D2"].number_format == "dd/mm/yyyy"


def test_visible_columns_follow_the_display_order_left_pinned_first():
    state = [{"colId": "segment"}, {"colId": "open_amount"},
             {"colId": "customer_id", "pinned": "left"}, {"colId": "due_date", "hide": True}]
    assert [column.field for column in components.export_columns(COLUMN_DEFS, state)] == \
        ["customer_id", "segment", "open_amount"]
    # No state reported yet: the definitions' order.
    assert [column.label for column in components.export_columns(COLUMN_DEFS, None)] == \
        ["Customer ID", "Open amount (EUR)", "Segment"]

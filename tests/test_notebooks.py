"""The analyst notebooks (notebooks/*.py, jupytext percent scripts) run top to bottom
against the session's published warehouse, in the venv's python3 kernel, and the key
figures each one prints (its cell tagged `key_figures`) agree with the marts."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import duckdb
import jupytext
import papermill
import pytest

from credit_scoreboard.analysis import (
    aging_buckets,
    bucket_chart_options,
    definition,
    display_labels,
    format_value,
    headline_kpis,
    kpi_catalogue,
    list_marts,
    open_warehouse,
)

NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(path.stem for path in NOTEBOOKS_DIR.glob("[0-9][0-9]_*.py"))


@pytest.fixture(scope="module")
def run_notebook(published_warehouse, tmp_path_factory):
    """Executes a notebook once per language (first test that asks) and returns its key
    figures."""
    executed: dict[tuple[str, str], dict] = {}
    out_dir = tmp_path_factory.mktemp("notebooks")

    def run(name: str, language: str = "en") -> dict:
        if (name, language) not in executed:
            notebook = out_dir / f"{name}.ipynb"
            jupytext.write(jupytext.read(NOTEBOOKS_DIR / f"{name}.py"), notebook)
            result = papermill.execute_notebook(
                str(notebook),
                str(out_dir / f"{name}.{language}.executed.ipynb"),
                parameters={"warehouse_path": str(published_warehouse), "language": language},
                kernel_name="python3",
                cwd=str(NOTEBOOKS_DIR),
                progress_bar=False,
            )
            executed[name, language] = key_figures(result, name)
        return executed[name, language]

    return run


def key_figures(notebook, name: str) -> dict:
    cells = [cell for cell in notebook.cells if "key_figures" in cell.metadata.get("tags", [])]
    assert len(cells) == 1, f"{name}: expected one cell tagged key_figures, found {len(cells)}"
    text = "".join(out.get("text", "") for out in cells[0].outputs if out.output_type == "stream")
    return json.loads(text)


@pytest.fixture(scope="module")
def warehouse(published_warehouse):
    con = duckdb.connect(str(published_warehouse), read_only=True)
    yield con
    con.close()


def scalar(con, sql: str):
    return con.execute(sql).fetchone()[0]


def test_open_warehouse_is_read_only_and_reads_the_definitions(published_warehouse):
    con = open_warehouse(published_warehouse)
    try:
        with pytest.raises(duckdb.InvalidInputException, match="read-only"):
            con.execute("create table marts.scratch (x int)")
        assert "kpi_monthly" in set(list_marts(con).table_name)
        assert definition(con, "marts.kpi_monthly", "dso_simple").startswith("DSO, simple method")
        assert definition(con, "call_uplift").startswith("Company-level uplift")
        with pytest.raises(KeyError, match="marts.kpi_monthly.no_such_kpi"):
            definition(con, "kpi_monthly", "no_such_kpi")
    finally:
        con.close()


def test_open_warehouse_names_the_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no published warehouse at .*missing.duckdb"):
        open_warehouse(tmp_path / "missing.duckdb")


def test_the_notebooks_of_the_issues_are_there():
    assert NOTEBOOKS == [
        "01_getting_started",
        "02_dso_explained",
        "03_payer_behaviour",
        "04_reminder_effectiveness",
        "05_cash_forecast",
    ]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_top_to_bottom(run_notebook, name):
    # papermill raises PapermillExecutionError (with the cell's traceback) on any error
    assert run_notebook(name)


def test_getting_started_reads_the_published_marts_in_the_venv_kernel(run_notebook, warehouse):
    figures = run_notebook("01_getting_started")
    assert figures["kernel_prefix"] == sys.prefix
    marts = [
        row[0]
        for row in warehouse.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
        ).fetchall()
    ]
    assert figures["marts"] == marts
    latest, total_ar = warehouse.execute(
        "select as_of_date, total_ar::double from marts.kpi_monthly"
        " order by as_of_date desc limit 1"
    ).fetchone()
    assert figures["latest_as_of_date"] == str(latest)
    # the scoreboard is the catalogue's headline KPIs, in tile order, with the mart's values
    headline = warehouse.execute(
        "select kpi, label_en from marts.kpi_catalogue where is_headline order by tile_order"
    ).fetchall()
    assert list(figures["headline_kpis"]) == [kpi for kpi, _ in headline]
    assert figures["headline_labels"] == dict(headline)
    values = warehouse.execute(
        "select " + ", ".join(f"{kpi}::double" for kpi, _ in headline)
        + " from marts.kpi_monthly order by as_of_date desc limit 1"
    ).fetchone()
    assert list(figures["headline_kpis"].values()) == pytest.approx(list(values), nan_ok=True)
    # the buckets in the catalogue's order; they add up to the total AR (contract invariant)
    order = [row[0] for row in warehouse.execute(
        "select bucket from marts.aging_buckets order by sort_order").fetchall()]
    assert figures["bucket_order"] == [bucket for bucket in order
                                       if bucket in figures["bucket_order"]]
    assert figures["latest_aged_balance"] == pytest.approx(total_ar, abs=0.01)


def test_getting_started_speaks_french(run_notebook, warehouse):
    figures = run_notebook("01_getting_started", "fr")
    assert figures["headline_labels"] == dict(warehouse.execute(
        "select kpi, label_fr from marts.kpi_catalogue where is_headline order by tile_order"
    ).fetchall())
    assert figures["headline_kpis"] == run_notebook("01_getting_started")["headline_kpis"]


def test_catalogue_helpers_read_the_catalogue_marts(warehouse):
    english, french = kpi_catalogue(warehouse), kpi_catalogue(warehouse, "fr")
    rows = warehouse.execute(
        "select kpi, label_en, label_fr, unit, target::double from marts.kpi_catalogue"
    ).fetchall()
    assert sorted(english.index) == sorted(kpi for kpi, *_ in rows)
    for kpi, label_en, label_fr, unit, target in rows:
        assert (english.label[kpi], french.label[kpi], english.unit[kpi]) == (
            label_en, label_fr, unit)
        if target is None:
            assert math.isnan(english.target[kpi])
        else:
            assert english.target[kpi] == pytest.approx(target)
    assert english.tick_format[english.unit == "rate"].str.endswith("%").all()

    buckets = aging_buckets(warehouse, "fr")
    assert list(buckets.index) == [row[0] for row in warehouse.execute(
        "select bucket from marts.aging_buckets order by sort_order").fetchall()]
    options = bucket_chart_options(buckets)
    assert options["category_orders"] == {"bucket": list(buckets.label)}
    assert list(options["color_discrete_map"].values()) == list(buckets.colour)
    # every bucket the aged balance uses is in the catalogue
    assert set(row[0] for row in warehouse.execute(
        "select distinct aging_bucket from marts.aged_balance").fetchall()) <= set(buckets.index)

    # chart labels: every column's label (marts.column_labels), the KPIs' from the catalogue
    labels = display_labels(warehouse, "fr")
    for column, label in warehouse.execute(
            "select column_name, label_fr from marts.column_labels").fetchall():
        assert labels[column] == french.label.get(column, label)
    assert {kpi: labels[kpi] for kpi in french.index} == french.label.to_dict()

    with pytest.raises(ValueError, match="language 'de'"):
        kpi_catalogue(warehouse, "de")


def test_headline_kpis_are_the_marts_values_at_a_date(warehouse):
    as_of = warehouse.execute(
        "select as_of_date from marts.kpi_monthly order by as_of_date limit 1 offset 12"
    ).fetchone()[0]
    tiles = headline_kpis(warehouse, as_of, "fr")
    assert tiles.attrs["as_of_date"].date() == as_of
    assert list(tiles.index) == [row[0] for row in warehouse.execute(
        "select kpi from marts.kpi_catalogue where is_headline order by tile_order").fetchall()]
    kpi = tiles.index[0]
    value = warehouse.execute(f"select {kpi}::double from marts.kpi_monthly where as_of_date = ?",
                              [as_of]).fetchone()[0]
    assert tiles.value[kpi] == pytest.approx(value)
    assert tiles.text[kpi] == format_value(value, tiles.unit[kpi], tiles.decimals[kpi], "fr")
    for row in tiles.itertuples():
        if row.meets_target is not None:
            assert row.meets_target == (row.value >= row.target if row.higher_is_better
                                        else row.value <= row.target)


@pytest.mark.parametrize(("value", "unit", "decimals", "language", "text"), [
    (28451975.4, "amount", 0, "en", "EUR 28,451,975"),
    (28451975.4, "amount", 0, "fr", "28\u00a0451\u00a0975\u00a0\u20ac"),
    (0.256, "rate", 1, "en", "25.6%"),
    (0.256, "rate", 1, "fr", "25,6\u00a0%"),
    (45.24, "days", 1, "fr", "45,2 jours"),
    (1234, "count", 0, "en", "1,234"),
    (None, "days", 1, "en", "\u2014"),
    (float("nan"), "rate", 1, "fr", "\u2014"),
])
def test_format_value_by_unit_and_language(value, unit, decimals, language, text):
    assert format_value(value, unit, decimals, language) == text


def test_dso_notebook_shows_the_marts_dsos_and_a_bridge_that_adds_up(run_notebook, warehouse):
    figures = run_notebook("02_dso_explained")
    latest = warehouse.execute(
        "select as_of_date, dso_simple, dso_countback, best_possible_dso from marts.kpi_monthly"
        " order by as_of_date desc limit 1"
    ).fetchone()
    assert figures["latest_as_of_date"] == str(latest[0])
    assert [figures["dso_simple"], figures["dso_countback"], figures["best_possible_dso"]] == (
        pytest.approx(list(latest[1:]))
    )
    # the monthly changes telescope: first DSO + all changes = the latest DSO
    assert figures["bridge_first_dso"] + figures["bridge_total_change"] == pytest.approx(
        latest[1]
    )
    # the notebook's explanation holds on the sample book (seasonal sales): months whose
    # sales run faster than the window's average have simple DSO above the countback
    assert figures["pace_correlation"] > 0.5


def test_payer_notebook_matches_the_marts_and_finds_the_grade_predictive(
    run_notebook, warehouse
):
    figures = run_notebook("03_payer_behaviour")
    mart_by_segment = dict(
        warehouse.execute(
            "select dimension_value, avg_days_beyond_terms::double from marts.kpi_by_dimension"
            " where dimension = 'segment'"
            " and as_of_date = (select max(as_of_date) from marts.kpi_monthly)"
        ).fetchall()
    )
    # the KPI is the mart's (read, not recomputed), beside the invoices' distribution
    assert figures["segment_avg_days_beyond_terms"] == pytest.approx(mart_by_segment, abs=1e-5)
    assert set(figures["segment_settled_invoices"]) <= set(mart_by_segment)
    assert min(figures["segment_settled_invoices"].values()) > 0
    assert figures["deteriorating_customers"] == scalar(
        warehouse,
        "select count(*) from marts.customer_profile where is_grade_worsening or is_paying_later",
    )
    # the evidence: the grade of 3 months ago ranks later bad payers above good ones
    assert figures["grade_auc"] > 0.6
    rates = figures["bad_payer_rate_by_earlier_grade"]
    assert rates["A"] < max(rates.values())


def test_reminder_notebook_funnel_and_uplift_interval(run_notebook, warehouse):
    figures = run_notebook("04_reminder_effectiveness")
    assert figures["funnel"]["calls"] == scalar(warehouse, "select count(*) from raw.calls")
    # kept and matured promises are the mart's counts (the contract's kept / matured)
    assert figures["funnel"]["promises_kept"] == figures["kept_promises"] == scalar(
        warehouse, "select sum(promises_kept) from marts.reminder_effectiveness"
    )
    assert figures["funnel"]["promises_matured"] == figures["matured_promises"] == scalar(
        warehouse, "select sum(promises_matured) from marts.reminder_effectiveness"
    )
    mart_uplift = scalar(warehouse, "select uplift from marts.call_uplift where period = 'overall'")
    assert figures["uplift_mart"] == pytest.approx(mart_uplift)
    # the bootstrap's estimator, run on the original sample, is the mart's estimator
    assert figures["uplift_recomputed"] == pytest.approx(mart_uplift)
    assert figures["interval_low"] < mart_uplift < figures["interval_high"]


def test_forecast_notebook_recomputes_the_marts_brier_from_the_invoices(run_notebook, warehouse):
    figures = run_notebook("05_cash_forecast")
    # the notebook's Brier of P(paid within 30 days), from the invoice forecasts and their
    # settlement dates, is the backtest mart's at every scored month end
    assert figures["brier_30d_largest_gap_to_mart"] < 1e-9
    assert figures["scored_as_of_dates"] == scalar(
        warehouse, "select count(distinct as_of_date) from marts.forecast_accuracy "
                   "where method = 'model' and metric = 'brier_30d' and value is not null")
    # the calibration bins hold every invoice scored, and their shares are probabilities
    assert figures["calibration_invoices"] > 0
    assert all(0 <= share <= 1 for share in figures["calibration_observed"])

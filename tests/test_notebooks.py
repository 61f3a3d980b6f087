"""The analyst notebooks (notebooks/*.py, jupytext percent scripts) run top to bottom
against the session's published warehouse, in the venv's python3 kernel, and the key
figures each one prints (its cell tagged `key_figures`) agree with the marts."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb
import jupytext
import papermill
import pytest

from credit_scoreboard.analysis import definition, list_marts, open_warehouse

NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(path.stem for path in NOTEBOOKS_DIR.glob("[0-9][0-9]_*.py"))


@pytest.fixture(scope="module")
def run_notebook(published_warehouse, tmp_path_factory):
    """Executes a notebook once (first test that asks) and returns its key figures."""
    executed: dict[str, dict] = {}
    out_dir = tmp_path_factory.mktemp("notebooks")

    def run(name: str) -> dict:
        if name not in executed:
            notebook = out_dir / f"{name}.ipynb"
            jupytext.write(jupytext.read(NOTEBOOKS_DIR / f"{name}.py"), notebook)
            result = papermill.execute_notebook(
                str(notebook),
                str(out_dir / f"{name}.executed.ipynb"),
                parameters={"warehouse_path": str(published_warehouse)},
                kernel_name="python3",
                cwd=str(NOTEBOOKS_DIR),
                progress_bar=False,
            )
            executed[name] = key_figures(result, name)
        return executed[name]

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


def test_the_four_notebooks_of_the_issue_are_there():
    assert NOTEBOOKS == [
        "01_getting_started",
        "02_dso_explained",
        "03_payer_behaviour",
        "04_reminder_effectiveness",
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
    assert figures["latest_total_ar"] == pytest.approx(total_ar, abs=0.01)
    # the aged-balance buckets the notebook plots add up to the total AR (contract invariant)
    assert figures["latest_aged_balance"] == pytest.approx(total_ar, abs=0.01)


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
            "select dimension_value, avg_days_beyond_terms from marts.kpi_by_dimension"
            " where dimension = 'segment'"
            " and as_of_date = (select max(as_of_date) from marts.kpi_monthly)"
        ).fetchall()
    )
    # recomputed from the invoices in the notebook, equal to the dbt KPI per segment
    assert figures["segment_weighted_days_beyond_terms"] == pytest.approx(
        mart_by_segment, abs=1e-5
    )
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
    assert figures["funnel"]["promises_kept"] == figures["kept_promises"] == scalar(
        warehouse, "select count(*) from marts.promises where is_kept"
    )
    assert figures["matured_promises"] == scalar(
        warehouse,
        "select count(*) from marts.promises"
        " where promise_status in ('kept', 'partly_kept', 'broken')",
    )
    mart_uplift = scalar(warehouse, "select uplift from marts.call_uplift where period = 'overall'")
    assert figures["uplift_mart"] == pytest.approx(mart_uplift)
    # the bootstrap's estimator, run on the original sample, is the mart's estimator
    assert figures["uplift_recomputed"] == pytest.approx(mart_uplift)
    assert figures["interval_low"] < mart_uplift < figures["interval_high"]

"""The benchmark at 100k invoices, as a smoke test: the command runs end to end, the
three computations of the headline KPIs (marts, direct DuckDB script, pandas) agree, and
the JSON holds every figure the issue asks for. The large sizes are run by hand."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from bench import agreement, run

STEPS = ("ingest", "validate_raw", "dbt_build", "validate_marts", "publish")
CALLBACKS = ("scoreboard", "aged", "aged: bucket customers", "aged: customer open items",
             "segments", "segments: value drill-down", "segments: customer drill-down",
             "customer", "disputes", "collections", "worklist", "lists", "call sheet",
             "quality")


@pytest.mark.slow
def test_benchmark_at_100k(tmp_path, capsys):
    assert run.main(["--sizes", "100k", "--out", str(tmp_path), "--rounds", "3"]) == 0
    report = json.loads((tmp_path / "latest.json").read_text())
    assert report["machine"]["cpu_count"] >= 1 and report["machine"]["memory_bytes"] > 0
    result = report["sizes"]["100k"]
    assert result["agreement"] == {"agree": True, "as_of_dates": 36, "problems": []}
    assert result["generation"]["row_counts"]["invoices"] > 95_000
    for run_name in ("full_run", "incremental_run"):
        figures = result[run_name]
        assert set(STEPS) <= set(figures["step_seconds"]), run_name
        assert figures["seconds"] > 0 and figures["peak_rss_bytes"] > 50 * 2**20
    # The new day is loaded on top of the history: the book's files are skipped.
    # (the six extracts, the statuses of the last days as CDAR XML files too)
    book_files = result["full_run"]["files_loaded"]
    assert result["full_run"]["files_skipped"] == 0 and book_files >= 6
    assert result["incremental_run"]["files_skipped"] == book_files
    assert result["incremental_run"]["files_loaded"] == 4
    for computation in ("direct_duckdb", "pandas", "generation"):
        assert result[computation]["seconds"] > 0 and result[computation]["peak_rss_bytes"] > 0
    assert set(result["ratios"]) == {"pipeline_over_direct_duckdb", "pandas_over_pipeline",
                                     "incremental_over_full"}
    callbacks = result["dashboard"]["callbacks"]
    assert set(callbacks) == set(CALLBACKS)
    for figures in callbacks.values():
        assert figures["calls"] == 3 and 0 < figures["p50_ms"] <= figures["p95_ms"]
    assert "| whole run (s) |" in capsys.readouterr().out


def test_agreement_check_names_a_wrong_figure():
    """The comparison must be able to fail: one bucket a cent and a half off, one DSO
    missing, one as-of date absent."""
    dates = pd.to_datetime(["2025-01-31", "2025-02-28"])
    kpis = pd.DataFrame({"as_of_date": dates, "total_ar": [100.0, 200.0],
                         "overdue_ar": [10.0, 20.0], "dso_simple": [30.0, 31.0],
                         "dso_countback": [40.0, 41.0]})
    aged = pd.DataFrame({"as_of_date": dates, "aging_bucket": ["not_due", "1-30"],
                         "open_amount": [90.0, 200.0]})
    assert agreement.differences((kpis, aged), (kpis.copy(), aged.copy()), "same") == []
    wrong_kpis = kpis.copy()
    wrong_kpis.loc[1, "dso_countback"] = None
    wrong_aged = aged.copy()
    wrong_aged.loc[0, "open_amount"] = 90.015
    problems = agreement.differences((kpis, aged), (wrong_kpis, wrong_aged), "other")
    assert problems == ["other: dso_countback at 2025-02-28: marts 41.0, None",
                        "other: aged not_due at 2025-01-31: marts 90.00, 90.02"]
    assert agreement.differences((kpis, aged), (kpis.iloc[:1], aged), "short")[0].startswith(
        "short: as-of dates differ")

"""The benchmark: `python -m bench.run --sizes 100k,1M,10M --out bench/results/`.

For each size it generates a landing folder (Parquet) with that many invoices, runs the
pipeline on it from scratch, computes the headline KPIs two other ways (bench/
direct_duckdb.sql, bench/pandas_reference.py) and checks all three agree, times every
dashboard page callback on the published warehouse, then adds one new business day of
extracts (bench/delta.py) and times the incremental run. Every measured task runs in its
own process: its peak RSS (from the kernel, `wait4`) is its own. Prints a table and
writes `<out>/bench-<timestamp>.json` (and `latest.json`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil

from bench import agreement
from bench.delta import write_new_day
from credit_scoreboard import settings
from credit_scoreboard.transform import LARGE_BOOK_LEDGER_ROWS

ROOT = Path(__file__).resolve().parents[1]
SIZES = {"100k": 100_000, "1M": 1_000_000, "10M": 10_000_000}
PIPELINE_STEPS = ("ingest", "validate_raw", "dbt_build", "validate_marts", "publish")
STEP_LABELS = {"ingest": "ingest", "validate_raw": "raw checks", "dbt_build": "dbt build",
               "validate_marts": "mart checks", "publish": "publish"}
TARGETS = "2 cores, 24 GiB"


class TaskFailed(RuntimeError):
    pass


def run_task(task: str, log_path: Path, **arguments) -> dict:
    """Run `bench.worker <task>` in a child process; its JSON result plus `peak_rss_bytes`
    (the child's maximum resident set, from the kernel) and `process_seconds` (with
    interpreter start and imports)."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "DO_NOT_TRACK": "1",
                   "CREDIT_SCOREBOARD_SECRET_KEY": os.environ.get(
                       "CREDIT_SCOREBOARD_SECRET_KEY", "benchmark-only-key")}
    start = time.perf_counter()
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.worker", task, json.dumps(arguments)],
            stdout=subprocess.PIPE, stderr=log, cwd=ROOT, env=environment)
        output = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    if process.returncode != 0:
        raise TaskFailed(f"bench.worker {task} failed (exit {process.returncode}); "
                         f"see {log_path}")
    result = json.loads(output.decode().strip().splitlines()[-1])
    result["peak_rss_bytes"] = usage.ru_maxrss * 1024  # Linux reports KiB
    result["process_seconds"] = round(seconds, 3)
    return result


def machine() -> dict:
    return {
        "cpu_count": os.cpu_count(),
        "physical_cores": psutil.cpu_count(logical=False),
        "memory_bytes": psutil.virtual_memory().total,
        "platform": platform.platform(),
        # the pipeline's settings that shape its speed and memory
        "duckdb_memory_limit": settings.duckdb_memory_limit(),
        "dbt_threads": os.environ.get("CREDIT_SCOREBOARD_DBT_THREADS")
        or f"auto (1 above {LARGE_BOOK_LEDGER_ROWS:,} invoices + payments, else 2)",
        "python": platform.python_version(),
        "versions": {name: _version(name) for name in
                     ("duckdb", "dbt-core", "dbt-duckdb", "great-expectations", "pandas",
                      "dash")},
    }


def _version(package: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return None


def _load() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def bench_size(label: str, invoices: int, work: Path, out: Path, rounds: int,
               result: dict) -> None:
    """Every figure of one size, into `result` (so a failed task keeps the figures before
    it); raises TaskFailed if a task fails."""
    landing, warehouse = work / "landing", work / "warehouse" / "credit.duckdb"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    log = out / f"bench-{label}.log"
    result.update({"size": label, "target_invoices": invoices, "load_before": _load(),
                   "complete": False})

    print(f"[{label}] generating {invoices:,} invoices ...", flush=True)
    result["generation"] = run_task("generate", log, out=str(landing), invoices=invoices)
    print(f"[{label}] full pipeline run ...", flush=True)
    result["full_run"] = run_task("pipeline", log, landing=str(landing),
                                  warehouse=str(warehouse))
    result["warehouse_bytes"] = warehouse.stat().st_size
    computed = work / "computed"
    print(f"[{label}] direct DuckDB script ...", flush=True)
    result["direct_duckdb"] = run_task("direct", log, landing=str(landing), out=str(computed))
    print(f"[{label}] pandas reference ...", flush=True)
    result["pandas"] = run_task("pandas", log, landing=str(landing), out=str(computed))
    marts = agreement.marts_headline_kpis(warehouse)
    problems = []
    for name in ("direct_duckdb", "pandas_reference"):
        other = (pd.read_parquet(computed / f"{name}_kpis.parquet"),
                 pd.read_parquet(computed / f"{name}_aged.parquet"))
        problems += agreement.differences(marts, other, name)
    result["agreement"] = {"agree": not problems, "as_of_dates": len(marts[0]),
                           "problems": problems[:50]}
    print(f"[{label}] dashboard callbacks ...", flush=True)
    result["dashboard"] = run_task("dashboard", log, warehouse=str(warehouse), rounds=rounds)
    print(f"[{label}] one new day of extracts, incremental run ...", flush=True)
    start = time.perf_counter()
    result["new_day_files"] = write_new_day(landing)
    result["new_day_write_seconds"] = round(time.perf_counter() - start, 3)
    result["incremental_run"] = run_task("pipeline", log, landing=str(landing),
                                         warehouse=str(warehouse))
    result["load_after"] = _load()
    full = result["full_run"]["seconds"]
    result["ratios"] = {
        "pipeline_over_direct_duckdb": full / result["direct_duckdb"]["seconds"],
        "pandas_over_pipeline": result["pandas"]["seconds"] / full,
        "incremental_over_full": result["incremental_run"]["seconds"] / full,
    }
    result["complete"] = True


def targets(results: dict[str, dict]) -> dict:
    """The issue's targets, checked on the sizes measured (None: size not measured)."""
    big, mid = results.get("10M"), results.get("1M")
    checks: dict[str, bool | None] = dict.fromkeys((
        "full_run_10M_under_10_min", "peak_rss_10M_under_8_GiB",
        "pipeline_at_most_3x_direct_duckdb_10M", "at_least_10x_faster_than_pandas_10M",
        "10M_at_most_12x_1M", "incremental_under_20pct_of_full_10M",
        "dashboard_p95_under_300ms_10M"))
    if big:
        checks["full_run_10M_under_10_min"] = big["full_run"]["seconds"] < 600
        checks["peak_rss_10M_under_8_GiB"] = big["full_run"]["peak_rss_bytes"] < 8 * 2**30
        checks["pipeline_at_most_3x_direct_duckdb_10M"] = (
            big["ratios"]["pipeline_over_direct_duckdb"] <= 3)
        checks["at_least_10x_faster_than_pandas_10M"] = big["ratios"]["pandas_over_pipeline"] >= 10
        checks["incremental_under_20pct_of_full_10M"] = (
            big["ratios"]["incremental_over_full"] < 0.2)
        checks["dashboard_p95_under_300ms_10M"] = all(
            figures["p95_ms"] < 300 for figures in big["dashboard"]["callbacks"].values())
        if mid:
            checks["10M_at_most_12x_1M"] = (
                big["full_run"]["seconds"] <= 12 * mid["full_run"]["seconds"])
    return checks


def _gib(size: int) -> str:
    return f"{size / 2**30:.2f}"


def table(results: dict[str, dict]) -> str:
    """The measured table (Markdown), one column per size."""
    labels = list(results)
    rows: list[tuple[str, list[str]]] = [
        ("invoices (documents incl. credit notes)",
         [f"{r['generation']['row_counts']['invoices']:,}" for r in results.values()]),
        ("payments / disputes / calls", [
            f"{r['generation']['row_counts']['payments']:,} / "
            f"{r['generation']['row_counts']['disputes']:,} / "
            f"{r['generation']['row_counts']['calls']:,}" for r in results.values()]),
        ("load average (before, after)", [
            f"{r['load_before'][0]} / {r['load_after'][0]}" for r in results.values()]),
        ("generation (s)", [f"{r['generation']['seconds']:.1f}" for r in results.values()]),
    ]
    for step in PIPELINE_STEPS:
        rows.append((f"{STEP_LABELS[step]} (s)", [
            f"{r['full_run']['step_seconds'].get(step, 0):.1f}" for r in results.values()]))
    rows += [
        ("whole run (s)", [f"{r['full_run']['seconds']:.1f}" for r in results.values()]),
        ("peak RSS whole run (GiB)",
         [_gib(r["full_run"]["peak_rss_bytes"]) for r in results.values()]),
        ("incremental run, one new day (s)",
         [f"{r['incremental_run']['seconds']:.1f} "
          f"({100 * r['ratios']['incremental_over_full']:.0f}% of full)"
          for r in results.values()]),
        ("incremental run: copy / ingest / raw checks / dbt (s)",
         [" / ".join(f"{r['incremental_run']['step_seconds'].get(step, 0):.1f}"
                     for step in ("prepare", "ingest", "validate_raw", "dbt_build"))
          for r in results.values()]),
        ("incremental run: as-of dates rebuilt from",
         [str(r["incremental_run"].get("rebuild_from") or "all") for r in results.values()]),
        ("direct DuckDB script (s)",
         [f"{r['direct_duckdb']['seconds']:.1f}" for r in results.values()]),
        ("pandas reference (s)", [f"{r['pandas']['seconds']:.1f}" for r in results.values()]),
        ("pipeline / direct DuckDB",
         [f"{r['ratios']['pipeline_over_direct_duckdb']:.1f}x" for r in results.values()]),
        ("pandas / pipeline",
         [f"{r['ratios']['pandas_over_pipeline']:.1f}x" for r in results.values()]),
        ("three computations agree", [
            f"{'yes' if r['agreement']['agree'] else 'NO'} "
            f"({r['agreement']['as_of_dates']} as-of dates)" for r in results.values()]),
        ("warehouse size (GiB)", [_gib(r["warehouse_bytes"]) for r in results.values()]),
    ]
    callbacks = list(next(iter(results.values()))["dashboard"]["callbacks"])
    for name in callbacks:
        rows.append((f"dashboard {name}: p50 / p95 (ms)", [
            f"{r['dashboard']['callbacks'][name]['p50_ms']:.0f} / "
            f"{r['dashboard']['callbacks'][name]['p95_ms']:.0f}" for r in results.values()]))
    lines = ["| figure | " + " | ".join(labels) + " |",
             "|---|" + "---|" * len(labels)]
    lines += [f"| {name} | " + " | ".join(values) + " |" for name, values in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split(
        "\n\n")[0])
    parser.add_argument("--sizes", default="100k",
                        help=f"comma-separated, among {', '.join(SIZES)} (default 100k)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--work", type=Path, default=None,
                        help="where landing folders and warehouses go (default <out>/work)")
    parser.add_argument("--rounds", type=int, default=20,
                        help="calls of each dashboard callback (default 20, after a warm-up)")
    parser.add_argument("--keep-data", action="store_true",
                        help="keep the landing folders and warehouses (deleted by default)")
    args = parser.parse_args(argv)
    sizes = [size.strip() for size in args.sizes.split(",") if size.strip()]
    unknown = [size for size in sizes if size not in SIZES]
    if unknown:
        parser.error(f"unknown size {unknown[0]!r}: expected one of {', '.join(SIZES)}")
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    work_root = (args.work or out / "work").resolve()
    report = {"started_at": dt.datetime.now().isoformat(timespec="seconds"),
              "machine": machine(), "targets_for": TARGETS, "sizes": {}}
    try:
        for size in sizes:
            report["sizes"][size] = {}
            bench_size(size, SIZES[size], work_root / size, out, args.rounds,
                       report["sizes"][size])
            if not args.keep_data:
                shutil.rmtree(work_root / size, ignore_errors=True)
    finally:
        complete = {size: result for size, result in report["sizes"].items()
                    if result.get("complete")}
        report["targets"] = targets(complete)
        stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
        text = json.dumps(report, indent=2, default=str)
        (out / f"bench-{stamp}.json").write_text(text)
        (out / "latest.json").write_text(text)
    if complete:
        print(table(complete))
        print("targets:", json.dumps(report["targets"], indent=1))
    print(f"results: {out / 'latest.json'}")
    failed = [size for size, result in complete.items() if not result["agreement"]["agree"]]
    if failed:
        print(f"the three computations disagree at {', '.join(failed)}: see the JSON",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""One measured task, run in its own process by bench.run so that its peak memory is its
own: `python -m bench.worker <task> <args as JSON>`. Prints one JSON line (its result).

Tasks: generate, pipeline, direct, pandas, dashboard. The pipeline task runs
`run_pipeline` as the CLI does and also records the peak RSS of each step (a sampling
thread, step boundaries read from the pipeline's own step log lines).
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from pathlib import Path

import psutil


class StepMemory(logging.Handler):
    """Peak RSS of this process during each pipeline step, sampled every 20 ms."""

    def __init__(self):
        super().__init__()
        self.process = psutil.Process()
        self.current: str | None = None
        self.peaks: dict[str, int] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        while not self.stop.wait(0.02):
            step = self.current
            if step is not None:
                rss = self.process.memory_info().rss
                self.peaks[step] = max(self.peaks.get(step, 0), rss)

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == "step %s started":
            self.current = record.args[0]
        elif record.msg.startswith("step %s done"):
            rss = self.process.memory_info().rss
            self.peaks[record.args[0]] = max(self.peaks.get(record.args[0], 0), rss)
            self.current = None


def _pipeline(landing: str, warehouse: str) -> dict:
    from credit_scoreboard.pipeline import run_pipeline

    memory = StepMemory()
    logger = logging.getLogger("credit_scoreboard.pipeline")
    logger.setLevel(logging.INFO)
    logger.addHandler(memory)
    start = time.perf_counter()
    summary = run_pipeline(Path(landing), Path(warehouse))
    seconds = time.perf_counter() - start
    memory.stop.set()
    return {"seconds": seconds, "step_seconds": summary.step_seconds,
            "step_peak_rss_bytes": memory.peaks, "files_loaded": summary.files_loaded,
            "files_skipped": summary.files_skipped, "rows_loaded": summary.rows_loaded,
            "rows_quarantined": summary.rows_quarantined, "as_of": summary.as_of,
            "rebuild_from": summary.rebuild_from}


def _generate(out: str, invoices: int) -> dict:
    from credit_scoreboard.generate import generate_landing

    start = time.perf_counter()
    summary = generate_landing(Path(out), target_invoices=invoices, fmt="parquet",
                               progress=False)
    return {"seconds": time.perf_counter() - start, "row_counts": summary.row_counts,
            "invoice_documents": summary.invoice_documents, "customers": summary.customers,
            "bytes": sum(path.stat().st_size for path in Path(out).glob("*.parquet"))}


def _computation(module_name: str, landing: str, out: str) -> dict:
    import importlib

    module = importlib.import_module(f"bench.{module_name}")
    start = time.perf_counter()
    kpis, aged = module.headline_kpis(Path(landing))
    seconds = time.perf_counter() - start
    Path(out).mkdir(parents=True, exist_ok=True)
    kpis.to_parquet(Path(out) / f"{module_name}_kpis.parquet")
    aged.to_parquet(Path(out) / f"{module_name}_aged.parquet")
    return {"seconds": seconds}


def _dashboard(warehouse: str, rounds: int) -> dict:
    from bench.dashboard_timing import time_callbacks

    return {"callbacks": time_callbacks(Path(warehouse), rounds=rounds)}


TASKS = {
    "generate": _generate,
    "pipeline": _pipeline,
    "direct": lambda landing, out: _computation("direct_duckdb", landing, out),
    "pandas": lambda landing, out: _computation("pandas_reference", landing, out),
    "dashboard": _dashboard,
}


if __name__ == "__main__":
    task, arguments = sys.argv[1], json.loads(sys.argv[2])
    result = TASKS[task](**arguments)
    print(json.dumps(result), flush=True)

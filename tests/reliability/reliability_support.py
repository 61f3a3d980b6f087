"""Helpers of the reliability tests: small landing folders, CLI runs, killing a run at a
step, and snapshots of a warehouse to compare two of them."""

from __future__ import annotations

import csv
import hashlib
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

CLI = [sys.executable, "-m", "credit_scoreboard.cli"]
ENV = {**os.environ, "DO_NOT_TRACK": "1"}

# Columns that say when or by which run something was loaded, not what was loaded.
RUN_COLUMNS = {"loaded_at", "quarantined_at", "checked_at", "started_at", "finished_at"}
# Where a row came from: differs between a replayed and a single load of the same data.
LINEAGE_COLUMNS = {"source_file", "source_row"}
DATE_COLUMN = {"invoices": "document_date", "payments": "payment_date",
               "disputes": "opened_date", "calls": "call_time"}


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_extract(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    return rows[0], rows[1:]


def write_extract(path: Path, header: list[str], rows: list[list[str]], mtime: float) -> Path:
    """A CSV extract with an explicit modification time (the contract's load order)."""
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)
    os.utime(path, (mtime, mtime))
    return path


def split_book(book: Path, before: Path, delta: Path | None, cutoff: str, mtime: float) -> None:
    """The rows of `book` dated before `cutoff` into `before/<entity>.csv`; the later ones
    into `delta/<entity>_2.csv` (a daily delta), one hour newer. Customers go whole
    into `before`."""
    before.mkdir(parents=True, exist_ok=True)
    header, rows = read_extract(book / "customers.csv")
    write_extract(before / "customers.csv", header, rows, mtime)
    for entity, date_column in DATE_COLUMN.items():
        header, rows = read_extract(book / f"{entity}.csv")
        position = header.index(date_column)
        write_extract(before / f"{entity}.csv", header,
                      [row for row in rows if row[position] < cutoff], mtime)
        if delta is not None:
            delta.mkdir(parents=True, exist_ok=True)
            write_extract(delta / f"{entity}_2.csv", header,
                          [row for row in rows if row[position] >= cutoff], mtime + 3600)


def run_cli(*args: str, env: dict | None = None, timeout: float = 900,
            **popen) -> subprocess.CompletedProcess:
    return subprocess.run(CLI + list(args), capture_output=True, text=True, timeout=timeout,
                          env=env or ENV, **popen)


def kill_at(args: list[str], marker: str, delay: float = 0.0, timeout: float = 900,
            env: dict | None = None, until: Callable[[], bool] | None = None) -> str:
    """Start `args`, read its stderr until a line contains `marker`, then until `until()`
    holds (if given), wait `delay` seconds, SIGKILL it. Returns all it wrote to stderr.
    Fails if the process ended before the kill (so the kill really landed in a live run)."""
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env=env or ENV)
    seen = b""
    deadline = time.monotonic() + timeout
    try:
        while marker.encode() not in seen:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no {marker!r} within {timeout}s"
            ready, _, _ = select.select([process.stderr], [], [], remaining)
            chunk = os.read(process.stderr.fileno(), 65536) if ready else b""
            assert chunk or ready == [], f"ended before {marker!r}:\n{seen.decode()[-2000:]}"
            seen += chunk
        while until is not None and not until():
            assert time.monotonic() < deadline, f"the state to kill in never came within {timeout}s"
            assert process.poll() is None, f"ended before the kill:\n{seen.decode()[-2000:]}"
            time.sleep(0.05)
        time.sleep(delay)
        assert process.poll() is None, f"ended before the kill:\n{seen.decode()[-2000:]}"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        seen += process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL, process.returncode
    return seen.decode(errors="replace")


def snapshot(warehouse: Path, schemas: tuple[str, ...] = ("raw", "marts"),
             skip_tables: tuple[str, ...] = ("marts.pipeline_runs",),
             skip_columns: set[str] = RUN_COLUMNS) -> dict[str, list[tuple]]:
    """Every table of `schemas`, sorted rows, without the columns that only say when a
    run happened: two warehouses with equal snapshots hold the same data."""
    tables: dict[str, list[tuple]] = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = con.execute(
            "select schema_name, table_name from duckdb_tables() "
            f"where schema_name in ({', '.join('?' for _ in schemas)}) order by all",
            list(schemas),
        ).fetchall()
        for schema, table in names:
            if f"{schema}.{table}" in skip_tables:
                continue
            columns = [
                (column, data_type) for (column, data_type) in con.execute(
                    "select column_name, data_type from duckdb_columns() where schema_name = ? "
                    "and table_name = ? order by column_index", [schema, table],
                ).fetchall() if column not in skip_columns
            ]
            # Doubles are sums and ratios whose last bits depend on the order DuckDB's
            # parallel aggregation added them in: compare them to 1e-6, amounts exactly.
            quoted = ", ".join(
                f'round("{column}", 6)' if data_type in ("DOUBLE", "FLOAT") else f'"{column}"'
                for column, data_type in columns
            )
            tables[f"{schema}.{table}"] = con.execute(
                f"select {quoted} from {schema}.{table} order by all"
            ).fetchall()
    return tables


def differences(left: dict[str, list[tuple]], right: dict[str, list[tuple]]) -> list[str]:
    """Tables whose contents differ, with a count of the rows on each side only."""
    problems = []
    for table in sorted(set(left) | set(right)):
        if left.get(table) != right.get(table):
            only_left = set(left.get(table, [])) - set(right.get(table, []))
            only_right = set(right.get(table, [])) - set(left.get(table, []))
            example_left = sorted(only_left, key=repr)[:1]
            example_right = sorted(only_right, key=repr)[:1]
            problems.append(f"{table}: {len(only_left)} rows only left, {len(only_right)} "
                            f"only right, e.g. {example_left} / {example_right}")
    return problems

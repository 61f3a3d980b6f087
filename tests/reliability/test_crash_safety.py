"""Issue 9, item 1: a refresh killed (SIGKILL, no cleanup of any kind) at any step leaves
the previous published warehouse byte for byte, readable, and the next run publishes
exactly what an uninterrupted run publishes."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from reliability_support import ENV, differences, kill_at, run_cli, sha256, snapshot

from credit_scoreboard.pipeline import STALE_BUILD_SECONDS, discard_stale_builds

# SIGKILL from inside publish, after the build file is fsynced and before the rename
# that publishes it: the one instant a kill from outside cannot be timed to hit.
RUN_KILLED_BEFORE_RENAME = """
import os, signal, sys
from credit_scoreboard import cli
real_replace = os.replace
def replace(source, target, *args, **kwargs):
    if os.path.basename(target) == "credit.duckdb":
        os.kill(os.getpid(), signal.SIGKILL)
    return real_replace(source, target, *args, **kwargs)
os.replace = replace
sys.exit(cli.main(sys.argv[1:]))
"""

# (step whose start is awaited, seconds to wait more so the kill lands mid-step)
# Where each kill lands: ingest takes a fraction of a second on this book, so at once;
# the raw checks spend their first seconds importing Great Expectations; the dbt build is
# killed once it writes (its write-ahead log exists), whatever the machine's speed.
KILL_POINTS = [("ingest", 0.0), ("validate_raw", 2.0), ("dbt_build", 1.0)]


def build_files(warehouse: Path) -> list[Path]:
    return sorted(warehouse.parent.glob(f".{warehouse.name}.build-*"))


def assert_published_intact(warehouse: Path, published_hash: str) -> None:
    assert sha256(warehouse) == published_hash
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (months,) = con.execute("select count(*) from marts.kpi_monthly").fetchone()
    assert months == 11  # the month ends November 2025 .. September 2026 (the as-of date)
    # The dead run's lock died with it: the next run can take it.
    with open(warehouse.parent / f".{warehouse.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)


@pytest.fixture(scope="module")
def previous_good(first_and_next_landing, tmp_path_factory) -> Path:
    """The warehouse published from the first landing: the 'last good one'."""
    first, _ = first_and_next_landing
    warehouse = tmp_path_factory.mktemp("previous_good") / "credit.duckdb"
    result = run_cli("run", "--landing", str(first), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr[-3000:]
    return warehouse


@pytest.fixture(scope="module")
def uninterrupted_next(previous_good, first_and_next_landing, tmp_path_factory) -> dict:
    """What the next run publishes when nothing kills it."""
    _, following = first_and_next_landing
    warehouse = tmp_path_factory.mktemp("uninterrupted") / "credit.duckdb"
    shutil.copyfile(previous_good, warehouse)
    result = run_cli("run", "--landing", str(following), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr[-3000:]
    return snapshot(warehouse)


@pytest.mark.slow
def test_killed_runs_leave_the_last_good_warehouse_and_the_next_run_recovers(
    previous_good, uninterrupted_next, first_and_next_landing, tmp_path
):
    _, following = first_and_next_landing
    warehouse = tmp_path / "credit.duckdb"
    shutil.copyfile(previous_good, warehouse)
    published_hash = sha256(warehouse)
    args = ["run", "--landing", str(following), "--warehouse", str(warehouse)]
    faults = 0

    for step, delay in KILL_POINTS:
        dbt_writing = (lambda: any(warehouse.parent.glob(f".{warehouse.name}.build-*.wal"))) \
            if step == "dbt_build" else None
        stderr = kill_at([sys.executable, "-m", "credit_scoreboard.cli", *args],
                         f"step {step} started", delay, until=dbt_writing)
        faults += 1
        assert f"step {step} done" not in stderr, f"the kill came after {step} ended"
        assert_published_intact(warehouse, published_hash)

    killed = subprocess.run(
        [sys.executable, "-c", RUN_KILLED_BEFORE_RENAME, *args],
        capture_output=True, text=True, env=ENV, timeout=900,
    )
    faults += 1
    assert killed.returncode == -9, killed.stderr[-3000:]
    assert "step publish started" in killed.stderr
    assert_published_intact(warehouse, published_hash)

    # Every killed run left its build file behind (no cleanup ran). The oldest is aged
    # past the stale limit, as if the next run came the next day: that run removes it;
    # the recent ones might belong to a live Airflow run and stay, without harm.
    leftovers = build_files(warehouse)
    assert len(leftovers) >= len(KILL_POINTS) + 1, leftovers
    aged = time.time() - STALE_BUILD_SECONDS - 60
    os.utime(leftovers[0], (aged, aged))

    recovered = run_cli(*args)
    assert recovered.returncode == 0, recovered.stderr[-3000:]
    assert f"removed {leftovers[0].name}" in recovered.stderr
    assert not leftovers[0].exists()
    assert all(leftover.exists() for leftover in leftovers[1:])
    assert sha256(warehouse) != published_hash
    assert differences(snapshot(warehouse), uninterrupted_next) == []
    print(f"faults injected: {faults} SIGKILLs, published warehouse changed by none")


def test_only_stale_build_files_of_this_warehouse_are_removed(tmp_path):
    warehouse = tmp_path / "credit.duckdb"
    old = tmp_path / ".credit.duckdb.build-20260101T000000-abcdef"
    old_wal = tmp_path / ".credit.duckdb.build-20260101T000000-abcdef.wal"
    live = tmp_path / ".credit.duckdb.build-credit_refresh-20261125T000000"
    other = tmp_path / ".other.duckdb.build-20260101T000000-abcdef"
    for path in (old, old_wal, live, other):
        path.write_bytes(b"x")
    aged = time.time() - STALE_BUILD_SECONDS - 1
    for path in (old, old_wal, other):
        os.utime(path, (aged, aged))

    removed = discard_stale_builds(warehouse)

    assert sorted(removed) == [old, old_wal]
    assert live.exists() and other.exists() and not old.exists() and not old_wal.exists()

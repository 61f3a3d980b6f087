"""Issue 9, item 4: a run that hits a full disk or a memory limit fails with a one-line
reason naming the problem, leaves the published warehouse as it was and no half-written
build file behind.

The full disk is real: a 24 MB tmpfs mounted over the warehouse folder (the tests run as
root, as CI does). The memory limit is DuckDB's, set through
CREDIT_SCOREBOARD_DUCKDB_MEMORY_LIMIT. (An address-space limit, `ulimit -v`, was tried
too: glibc aborts the process when a new thread cannot get its stack, so no program can
fail cleanly under it; the published warehouse still survives, as a SIGKILL's would.)
"""

from __future__ import annotations

import contextlib
import os
import select
import subprocess
import time
from pathlib import Path

import duckdb
import pytest
from reliability_support import CLI, ENV, run_cli, sha256

from credit_scoreboard.ingest import load_landing


@contextlib.contextmanager
def small_disk(folder: Path, megabytes: int):
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(folder)],
                   check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def fill(folder: Path) -> Path:
    """Write zeros until the disk is full."""
    filler = folder / "filler"
    with contextlib.suppress(OSError), filler.open("wb") as stream:
        while True:
            stream.write(b"\0" * (1 << 20))
            stream.flush()
    return filler


def publish_raw_only(landing: Path, warehouse: Path) -> str:
    """A published warehouse holding the first load's raw tables (what a run starts from),
    made without a whole run; returns its sha256."""
    with duckdb.connect(str(warehouse)) as con:
        load_landing(con, landing)
    return sha256(warehouse)


def reason(result_stderr: str) -> str:
    (line,) = [line for line in result_stderr.splitlines()
               if line.startswith("credit-scoreboard run failed: ")]
    return line.removeprefix("credit-scoreboard run failed: ")


def leftovers(warehouse: Path) -> list[str]:
    return sorted(path.name for path in warehouse.parent.iterdir()
                  if path.name not in (warehouse.name, f".{warehouse.name}.lock", "filler"))


def test_a_disk_too_full_for_the_build_copy_fails_at_prepare(first_and_next_landing, tmp_path):
    first, following = first_and_next_landing
    with small_disk(tmp_path / "disk", 24) as disk:
        warehouse = disk / "credit.duckdb"
        published = publish_raw_only(first, warehouse)
        fill(disk)

        result = run_cli("run", "--landing", str(following), "--warehouse", str(warehouse))

        assert result.returncode == 1
        assert reason(result.stderr).startswith("prepare: No space left on device")
        assert sha256(warehouse) == published
        assert leftovers(warehouse) == []  # no half copy keeping the disk full


@pytest.mark.slow
def test_a_disk_filling_up_during_the_dbt_build_fails_cleanly(first_and_next_landing, tmp_path):
    first, following = first_and_next_landing
    with small_disk(tmp_path / "disk", 64) as disk:
        warehouse = disk / "credit.duckdb"
        published = publish_raw_only(first, warehouse)
        process = subprocess.Popen(
            CLI + ["run", "--landing", str(following), "--warehouse", str(warehouse)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV,
        )
        seen, deadline = b"", time.monotonic() + 900
        while b"step dbt_build started" not in seen and time.monotonic() < deadline:
            if select.select([process.stderr], [], [], 5)[0]:
                seen += os.read(process.stderr.fileno(), 65536)
        assert process.poll() is None, seen.decode()[-2000:]
        time.sleep(3)  # dbt is building
        fill(disk)
        _, rest = process.communicate(timeout=900)
        stderr = (seen + rest).decode(errors="replace")

        assert process.returncode == 1, stderr[-3000:]
        problem = reason(stderr)
        assert problem.startswith(("dbt_build: ", "validate_marts: ", "record_run: ")), problem
        assert "No space left on device" in problem or "disk is full" in problem.lower(), problem
        assert sha256(warehouse) == published
        (disk / "filler").unlink()
        assert leftovers(warehouse) == []
    print(f"disk full during dbt build: {problem}")


def test_a_run_over_its_memory_limit_fails_cleanly(first_and_next_landing, tmp_path):
    first, following = first_and_next_landing
    warehouse = tmp_path / "credit.duckdb"
    published = publish_raw_only(first, warehouse)

    result = run_cli("run", "--landing", str(following), "--warehouse", str(warehouse),
                     env={**ENV, "CREDIT_SCOREBOARD_DUCKDB_MEMORY_LIMIT": "4MB"})

    assert result.returncode == 1
    problem = reason(result.stderr)
    assert problem.startswith("ingest: out of memory (DuckDB memory limit 4MB; "
                              "CREDIT_SCOREBOARD_DUCKDB_MEMORY_LIMIT sets it): "), problem
    assert sha256(warehouse) == published
    assert leftovers(warehouse) == []


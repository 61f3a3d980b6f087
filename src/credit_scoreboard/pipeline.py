"""The refresh: ingest -> raw checks -> dbt build -> mart checks -> publish.

Every step works on a private *build* file next to the published warehouse. The build
file starts as a copy of the published one (so raw history and the load log carry
over) and replaces it with one `os.replace()` only after every step passed: readers
never see a half-built warehouse, and a failed run leaves the last good one untouched
(CONTRACT.md section 2).

The step functions take and return plain paths and values, so the CLI (`run_pipeline`)
and the Airflow DAG (one task per step) run exactly the same code.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TypeVar

import duckdb

from credit_scoreboard import settings

T = TypeVar("T")
log = logging.getLogger("credit_scoreboard.pipeline")

# Headline KPIs printed after a run and recorded in marts.pipeline_runs.
class PipelineError(Exception):
    """A run that did not publish. `str()` is the one-line reason: `step: problem`."""

    def __init__(self, step: str, problem: str):
        self.step = step
        self.problem = " ".join(str(problem).split())  # one line, whatever the cause said
        super().__init__(f"{step}: {self.problem}")


@dataclass
class RunSummary:
    run_id: str
    landing_dir: str
    warehouse: str
    as_of: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    files_loaded: int = 0
    files_skipped: int = 0
    step_seconds: dict[str, float] = field(default_factory=dict)
    headline: dict[str, float | None] = field(default_factory=dict)
    # What the build was made from (stamped by record_run; the next run's rebuild_from reads it):
    rebuild_from: str | None = None  # first as-of date recomputed; None: every date
    dbt_fingerprint: str = ""
    loads_built_through: str | None = None  # the latest raw.load_log.loaded_at built

    def render(self) -> str:
        lines = [
            f"published {self.warehouse} (run {self.run_id}, as of {self.as_of})",
            f"files: {self.files_loaded} loaded, {self.files_skipped} unchanged; rows: "
            f"{self.rows_read} read = {self.rows_loaded} loaded + "
            f"{self.rows_quarantined} quarantined",
        ]
        if self.headline:
            kpis = ", ".join(
                f"{name}={_format_number(value)}" for name, value in self.headline.items()
            )
            lines.append(f"latest month: {kpis}")
        lines.append("built: every as-of date" if self.rebuild_from is None
                     else f"built: as-of dates from {self.rebuild_from} (earlier ones unchanged)")
        lines.append(
            "timings: "
            + ", ".join(f"{step} {secs:.1f}s" for step, secs in self.step_seconds.items())
        )
        return "\n".join(lines)


def _format_number(value: float | None) -> str:
    return "NULL" if value is None else f"{value:,.2f}"


def new_run_id() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]


def build_path_for(warehouse: Path, run_id: str) -> Path:
    """The private build file: same folder as the published one, so os.replace is atomic."""
    return warehouse.parent / f".{warehouse.name}.build-{run_id}"


# A build file untouched this long belongs to a run that died (SIGKILL, lost worker,
# power cut) without its cleanup. Not every live build holds the publisher lock (an
# Airflow run keeps its build file between tasks), so only old ones are removed.
STALE_BUILD_SECONDS = 6 * 3600


def discard_stale_builds(warehouse: Path, older_than: float = STALE_BUILD_SECONDS) -> list[Path]:
    """Remove this warehouse's build files (and their WAL) left by dead runs; returns them."""
    cutoff = time.time() - older_than
    removed = []
    for leftover in warehouse.parent.glob(f".{warehouse.name}.build-*"):
        with contextlib.suppress(FileNotFoundError):
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()
                removed.append(leftover)
    return removed


def duckdb_config() -> dict[str, str]:
    """Settings of every connection the pipeline opens (dbt's come from its profile)."""
    return {"memory_limit": settings.duckdb_memory_limit()}


@contextlib.contextmanager
def connect(database: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A DuckDB connection that is always closed (Airflow runs every task in one process)."""
    con = duckdb.connect(str(database), read_only=read_only, config=duckdb_config())
    try:
        yield con
    finally:
        con.close()


@contextlib.contextmanager
def publisher_lock(warehouse: Path) -> Iterator[None]:
    """One refresh at a time per warehouse; a second one fails at once instead of racing."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with open(warehouse.parent / f".{warehouse.name}.lock", "w") as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise PipelineError("lock", f"another refresh of {warehouse} is running") from error
        yield


def _step(name: str, action: Callable[[], T]) -> T:
    """Run a step; any failure becomes a PipelineError naming the step, in one line."""
    from credit_scoreboard.ingest import ExtractError
    from credit_scoreboard.quality import QualityError
    from credit_scoreboard.transform import TransformError

    try:
        return action()
    except PipelineError:
        raise
    except (ExtractError, QualityError, TransformError) as error:
        raise PipelineError(name, str(error)) from error
    except duckdb.OutOfMemoryException as error:
        first_line = (str(error).strip().splitlines() or [""])[0]
        limit = settings.duckdb_memory_limit()
        raise PipelineError(
            name, f"out of memory (DuckDB memory limit {limit}; "
            f"CREDIT_SCOREBOARD_DUCKDB_MEMORY_LIMIT sets it): {first_line}",
        ) from error
    except OSError as error:
        raise PipelineError(name, f"{error.strerror or error} ({error.filename or ''})") from error
    except duckdb.Error as error:
        raise PipelineError(name, f"{type(error).__name__}: {error}") from error


# --- steps -----------------------------------------------------------------------------


def detect_new_extracts(landing_dir: Path, warehouse: Path) -> list[str]:
    """Extract files of the landing folder that the published warehouse has not loaded
    (new names, or known names with new content); all of them before the first publish."""
    from credit_scoreboard.ingest.files import discover_extracts

    extracts = discover_extracts(Path(landing_dir))
    loaded: set[tuple[str, str]] = set()
    if warehouse.exists():
        with connect(warehouse, read_only=True) as con:
            loaded = set(con.execute("select file_name, checksum from raw.load_log").fetchall())
    return [extract.file_name for extract in extracts
            if (extract.file_name, extract.checksum) not in loaded]


def prepare_build(warehouse: Path, run_id: str, from_scratch: bool = False) -> Path:
    """Start the build file from the published warehouse (or empty on the first run, or
    when rebuilding history from a full set of extracts)."""
    build_db = build_path_for(warehouse, run_id)
    build_db.parent.mkdir(parents=True, exist_ok=True)
    discard_build(build_db)
    if warehouse.exists() and not from_scratch:
        try:
            shutil.copyfile(warehouse, build_db)
        except BaseException:
            discard_build(build_db)  # a half copy on a full disk would keep it full
            raise
    return build_db


def ingest(build_db: Path, landing_dir: Path):
    """Load new or changed extracts into raw (quarantining bad rows). Returns IngestReport."""
    from credit_scoreboard.ingest import load_landing

    if not landing_dir.is_dir():
        raise PipelineError("ingest", f"landing folder not found: {landing_dir}")
    with connect(build_db) as con:
        return load_landing(con, landing_dir)


def validate_raw(build_db: Path, checked_at: dt.datetime) -> list:
    """Great Expectations on the raw tables (row rules on the rows loaded since the last
    build, table rules on whole tables); a failed critical check stops the run."""
    from credit_scoreboard import quality

    with connect(build_db) as con:
        previous = _last_build(con)
        loaded_after = previous.loads_built_through if previous else None
        results = quality.validate_raw(con, checked_at, loaded_after=loaded_after)
        quality.record_results(con, results, checked_at)
    quality.raise_on_critical(results)
    return results


def resolve_as_of(build_db: Path, as_of: dt.date | None) -> dt.date:
    """The run's as-of date: the one asked for, else the latest date seen in the extracts."""
    if as_of is not None:
        return as_of
    with connect(build_db, read_only=True) as con:
        (latest,) = con.execute(
            """
            select greatest(
                (select max(document_date) from raw.invoices),
                (select max(payment_date) from raw.payments),
                (select max(greatest(opened_date, coalesce(closed_date, opened_date)))
                 from raw.disputes),
                (select max(call_time)::date from raw.calls)
            )
            """
        ).fetchone()
    if latest is None:
        raise PipelineError("as_of", "no dated rows were loaded: nothing to report on")
    return latest


@dataclass(frozen=True)
class BuildStamp:
    """What the published build was made from (the last marts.pipeline_runs row)."""

    as_of: dt.date
    dbt_fingerprint: str
    loads_built_through: dt.datetime | None


def _last_build(con) -> BuildStamp | None:
    (stamped,) = con.execute(
        "select count(*) from duckdb_tables() "
        "where schema_name = 'marts' and table_name = 'pipeline_runs'").fetchone()
    if not stamped:
        return None
    row = con.execute(
        "select as_of_date, summary->>'dbt_fingerprint', summary->>'loads_built_through' "
        "from marts.pipeline_runs order by finished_at desc limit 1").fetchone()
    if row is None or row[0] is None or not row[1]:
        return None  # never built, or built before builds were stamped
    return BuildStamp(row[0], row[1], dt.datetime.fromisoformat(row[2]) if row[2] else None)


DBT_SOURCE_SUFFIXES = (".sql", ".py", ".yml", ".yaml", ".csv", ".md")
# code outside dbt_project/ that dbt Python models import: a change to it changes the numbers
DBT_PYTHON_PACKAGES = (Path(__file__).parent / "forecast",)


def dbt_fingerprint() -> str:
    """A hash of the dbt project's sources (models, macros, seeds, tests, parameters, docs)
    and of the Python packages its Python models import: a build made by other models,
    parameters or forecast code is not reused. dbt's output (target/, logs/), hidden files
    (.user.yml, .sqlfluff) and caches are not sources."""
    digest = hashlib.sha256()
    for root in (settings.DBT_PROJECT_DIR, *DBT_PYTHON_PACKAGES):
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root)
            if (path.is_file() and path.suffix in DBT_SOURCE_SUFFIXES
                    and relative.parts[0] not in ("target", "logs", "dbt_packages", "__pycache__")
                    and not any(part.startswith(".") for part in relative.parts)):
                name = f"{root.name}/{relative}".encode()
                digest.update(name + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def rebuild_from(build_db: Path, as_of: dt.date) -> dt.date | None:
    """The first as-of date this run's dbt build recomputes, or None for every date.

    Incremental models keep their rows at earlier as-of dates: nothing loaded since the last
    build is dated before it (ingest records each file's earliest changed date, old versions
    of replaced rows included), and a KPI at D reads only rows dated up to D. Everything is
    rebuilt when there is no stamped build, the dbt project changed, the as-of date goes
    back, customers changed (a customer is on every date) or CREDIT_SCOREBOARD_FULL_REBUILD
    is set."""
    if os.environ.get("CREDIT_SCOREBOARD_FULL_REBUILD", "").strip() not in ("", "0"):
        return None
    with connect(build_db, read_only=True) as con:
        previous = _last_build(con)
        if (previous is None or previous.dbt_fingerprint != dbt_fingerprint()
                or as_of < previous.as_of):
            return None
        customers_changed, undated_changes, earliest = con.execute(
            """
            select coalesce(bool_or(entity = 'customers'), false),
                coalesce(bool_or(earliest_date_changed is null), false),
                min(earliest_date_changed)
            from raw.load_log
            where rows_changed > 0 and loaded_at > coalesce(?, timestamp '-infinity')
            """, [previous.loads_built_through]).fetchone()
    if customers_changed or undated_changes:
        return None
    # the previous run's as-of date is rebuilt too: it is no longer the run date
    return min(previous.as_of, earliest) if earliest else previous.as_of


def build_models(build_db: Path, as_of: dt.date, select: str | None = None) -> None:
    """dbt build (models, seeds and dbt tests) of the whole project or one selection;
    incremental models recompute the as-of dates from `rebuild_from` on."""
    from credit_scoreboard import transform

    transform.build_models(build_db, as_of, select=select,
                           rebuild_from=rebuild_from(build_db, as_of))


def validate_marts(build_db: Path, checked_at: dt.datetime) -> list:
    """Batch-level business checks on the marts; a failed critical check stops the run."""
    from credit_scoreboard import quality

    with connect(build_db) as con:
        results = quality.validate_marts(con, checked_at)
        quality.record_results(con, results, checked_at)
    quality.raise_on_critical(results)
    return results


def headline_kpis(database: Path, as_of: dt.date) -> dict[str, float | None]:
    """The company's headline KPIs at `as_of`, in tile order: the KPI catalogue's headline
    KPIs (marts.kpi_catalogue) that kpi_monthly carries."""
    with connect(database, read_only=True) as con:
        names = [name for name, in con.execute(
            "select kpi from marts.kpi_catalogue where is_headline and kpi in ("
            "select column_name from duckdb_columns() where schema_name = 'marts' "
            "and table_name = 'kpi_monthly') order by tile_order").fetchall()]
        row = con.execute(
            f"select {', '.join(names)} from marts.kpi_monthly where as_of_date = ?", [as_of]
        ).fetchone() if names else None
    if row is None:
        return {}
    return {
        name: None if value is None else float(value)
        for name, value in zip(names, row, strict=True)
    }


def record_run(build_db: Path, summary: RunSummary, started_at: dt.datetime) -> None:
    """Keep one row per published run in marts.pipeline_runs (shown as freshness), stamped
    with what the build was made from, for the next run's `rebuild_from`."""
    as_of = dt.date.fromisoformat(summary.as_of)
    built_from = rebuild_from(build_db, as_of)  # what build_models did: its inputs are unchanged
    summary.rebuild_from = built_from.isoformat() if built_from else None
    summary.dbt_fingerprint = dbt_fingerprint()
    with connect(build_db) as con:
        latest_load = con.execute("select max(loaded_at) from raw.load_log").fetchone()[0]
        summary.loads_built_through = latest_load.isoformat() if latest_load else None
        con.execute(
            """
            create table if not exists marts.pipeline_runs (
                run_id VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP,
                as_of_date DATE, landing_dir VARCHAR, rows_read BIGINT, rows_loaded BIGINT,
                rows_quarantined BIGINT, summary JSON
            )
            """
        )
        con.execute(
            "insert into marts.pipeline_runs values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                summary.run_id, started_at, dt.datetime.now(dt.UTC).replace(tzinfo=None),
                summary.as_of, summary.landing_dir, summary.rows_read, summary.rows_loaded,
                summary.rows_quarantined, json.dumps(asdict(summary)),
            ],
        )


def publish(build_db: Path, warehouse: Path) -> None:
    """Atomically replace the published warehouse with the finished build file."""
    # DuckDB checkpointed the file when the last connection closed; make it durable
    # before the rename, and the rename durable after it.
    with open(build_db, "rb") as build_file:
        os.fsync(build_file.fileno())
    os.replace(build_db, warehouse)
    directory = os.open(warehouse.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def published_version(warehouse: Path) -> str:
    """Which published file this is (size and modification time; "" before the first publish)."""
    if not warehouse.exists():
        return ""
    stat = warehouse.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def publish_if_unchanged(build_db: Path, warehouse: Path, started_from: str) -> None:
    """`publish` for a run whose steps run in separate processes (the Airflow DAGs), which
    cannot hold `publisher_lock` from start to end: publish only if the warehouse is still
    the version the build was copied from, so two runs never silently overwrite each other."""
    with publisher_lock(warehouse):
        if published_version(warehouse) != started_from:
            raise PipelineError(
                "publish", f"{warehouse} was published by another run since this one started; "
                "run again",
            )
        publish(build_db, warehouse)


def discard_build(build_db: Path) -> None:
    build_db.unlink(missing_ok=True)
    Path(f"{build_db}.wal").unlink(missing_ok=True)


# --- the whole run ---------------------------------------------------------------------


def run_pipeline(
    landing_dir: Path,
    warehouse: Path,
    as_of: dt.date | None = None,
    run_id: str | None = None,
    from_scratch: bool = False,
) -> RunSummary:
    """`credit-scoreboard run`: every step on a build file, published only if all pass."""
    landing_dir, warehouse = Path(landing_dir), Path(warehouse)
    run_id = run_id or new_run_id()
    started_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    summary = RunSummary(run_id=run_id, landing_dir=str(landing_dir), warehouse=str(warehouse))

    def timed(name: str, action: Callable[[], T]) -> T:
        log.info("step %s started", name)
        start = time.perf_counter()
        result = _step(name, action)
        summary.step_seconds[name] = round(time.perf_counter() - start, 3)
        log.info("step %s done in %.1fs", name, summary.step_seconds[name])
        return result

    with publisher_lock(warehouse):
        for leftover in discard_stale_builds(warehouse):
            log.warning("removed %s, left by a run that did not finish", leftover.name)
        build_db = timed("prepare", lambda: prepare_build(warehouse, run_id, from_scratch))
        try:
            report = timed("ingest", lambda: ingest(build_db, landing_dir))
            summary.rows_read = report.rows_read
            summary.rows_loaded = report.rows_loaded
            summary.rows_quarantined = report.rows_quarantined
            summary.files_loaded = report.files_loaded
            summary.files_skipped = report.files_skipped
            timed("validate_raw", lambda: validate_raw(build_db, started_at))
            run_as_of = timed("as_of", lambda: resolve_as_of(build_db, as_of))
            summary.as_of = run_as_of.isoformat()
            timed("dbt_build", lambda: build_models(build_db, run_as_of))
            timed("validate_marts", lambda: validate_marts(build_db, started_at))
            summary.headline = headline_kpis(build_db, run_as_of)
            timed("record_run", lambda: record_run(build_db, summary, started_at))
            timed("publish", lambda: publish(build_db, warehouse))
        finally:
            discard_build(build_db)
    return summary

"""Load a landing folder into the `raw` schema: new or changed files only, bad rows to
quarantine, the rest upserted by key, one load-log row per file."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from credit_scoreboard.contract import ENTITIES, raw_schema_ddl
from credit_scoreboard.ingest.files import ExtractFile, discover_extracts
from credit_scoreboard.ingest.reading import StagedExtract, stage_extract
from credit_scoreboard.ingest.rules import (
    _UNKNOWN,
    PARSING_MACROS,
    REFERENCES,
    check_rows_sql,
)


@dataclass
class FileLoad:
    file_name: str
    entity: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    checksum: str = ""
    skipped: bool = False  # already loaded with this checksum: not read again
    # Keys whose row changed in raw (new keys, new versions, removed keys; a row sent again
    # unchanged is not a change) and the earliest business date they touch, old versions
    # included: KPIs at as-of dates before it are unchanged (see pipeline.rebuild_from).
    rows_changed: int = 0
    earliest_date_changed: dt.date | None = None
    ignored_columns: list[str] = field(default_factory=list)


@dataclass
class IngestReport:
    files: list[FileLoad] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return sum(file.rows_read for file in self.files)

    @property
    def rows_loaded(self) -> int:
        return sum(file.rows_loaded for file in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(file.rows_quarantined for file in self.files)

    @property
    def files_loaded(self) -> int:
        return sum(1 for file in self.files if not file.skipped)

    @property
    def files_skipped(self) -> int:
        return sum(1 for file in self.files if file.skipped)


def load_landing(con: duckdb.DuckDBPyConnection, landing_dir: Path) -> IngestReport:
    """Load the new or changed extracts of `landing_dir` into raw, in one transaction.

    - A file whose (file_name, checksum) is already in raw.load_log is skipped: loading
      the same folder twice changes nothing, load log included.
    - Files load entity by entity (customers, invoices, payments, disputes, calls,
      invoice_statuses), then
      in modification order, then by name; so referential rules see every key loaded
      before, in earlier runs or earlier in this one.
    - A row breaking a rule goes to raw.quarantine with all the rules it breaks; the
      other rows are upserted by key: a later row of a key (later in the file, or in a
      file modified later, then named later, whichever run loads it) replaces the
      earlier one; a file arriving late with an older modification time does not
      overwrite newer rows. A key whose latest row is quarantined loses its earlier
      version (as if the final data were loaded once). A superseded row still counts as
      loaded, so for every file rows_read = rows_loaded + rows_quarantined.
    - A changed file replaces the quarantine rows of its earlier version (same name).
    - A file already loaded is loaded again when some of its rows wait in quarantine for
      a key it refers to (`unknown invoice`) and that entity got new rows in this run:
      payments arriving a run before their invoices load once the invoices come.
    - A file that cannot be read raises ExtractError and nothing of this run is kept.
    """
    for statement in raw_schema_ddl():
        con.execute(statement)
    # Each file's modification time (the contract's "later extract" across runs too) and
    # what it changed (columns added after the first release: older warehouses get them here).
    for column in ("file_modified_ns BIGINT", "rows_changed BIGINT", "earliest_date_changed DATE"):
        con.execute(f"alter table raw.load_log add column if not exists {column}")
    for macro in PARSING_MACROS:
        con.execute(macro)
    # Strictly after every earlier load, even if the clock went back: the pipeline finds the
    # loads a build has not seen by loaded_at.
    (latest_load,) = con.execute("select max(loaded_at) from raw.load_log").fetchone()
    loaded_at = dt.datetime.now().replace(microsecond=0)
    if latest_load is not None and loaded_at <= latest_load:
        loaded_at = latest_load + dt.timedelta(seconds=1)
    report = IngestReport()
    con.execute("begin transaction")
    try:
        for extract in discover_extracts(landing_dir):
            report.files.append(_load_file(con, extract, loaded_at, _grown_entities(report)))
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        for table in ("extract_rows", "extract_rejects", "checked_rows"):
            con.execute(f"drop table if exists {table}")
    return report


def _grown_entities(report: IngestReport) -> set[str]:
    return {file.entity for file in report.files if file.rows_loaded}


def _waits_for_keys(con, extract: ExtractFile, grown_entities: set[str]) -> bool:
    """Rows of this file quarantined for a key of an entity that got new rows since."""
    unknown = [f"%{_UNKNOWN[target]}%" for target in REFERENCES[extract.entity].values()
               if target in grown_entities]
    if not unknown:
        return False
    return con.execute(
        "select count(*) > 0 from raw.quarantine where file_name = ? "
        "and exists (select 1 from unnest(?) as unknown(pattern) where rule like pattern)",
        [extract.file_name, unknown],
    ).fetchone()[0]


def _load_file(con, extract: ExtractFile, loaded_at: dt.datetime,
               grown_entities: set[str]) -> FileLoad:
    already = con.execute(
        "select count(*) from raw.load_log where file_name = ? and checksum = ?",
        [extract.file_name, extract.checksum],
    ).fetchone()[0]
    load = FileLoad(extract.file_name, extract.entity, checksum=extract.checksum)
    if already and not _waits_for_keys(con, extract, grown_entities):
        load.skipped = True
        return load
    staged = stage_extract(con, extract)
    load.ignored_columns = staged.ignored_columns
    con.execute(check_rows_sql(extract.entity, staged.column_of))
    con.execute("delete from raw.quarantine where file_name = ?", [extract.file_name])
    _quarantine(con, extract, staged, loaded_at)
    modified_ns = extract.path.stat().st_mtime_ns
    load.rows_changed, load.earliest_date_changed = _upsert(con, extract, loaded_at, modified_ns)
    load.rows_read, load.rows_loaded, load.rows_quarantined = con.execute(
        """
        select count(*) + (select count(*) from extract_rejects),
            count(*) filter (where broken_rules = ''),
            count(*) filter (where broken_rules <> '') + (select count(*) from extract_rejects)
        from checked_rows
        """
    ).fetchone()
    con.execute(
        "insert into raw.load_log (file_name, entity, rows_read, rows_loaded, rows_quarantined,"
        " checksum, loaded_at, file_format, ignored_columns, file_modified_ns, rows_changed,"
        " earliest_date_changed) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [load.file_name, load.entity, load.rows_read, load.rows_loaded, load.rows_quarantined,
         load.checksum, loaded_at, staged.file_format, ", ".join(load.ignored_columns) or None,
         modified_ns, load.rows_changed, load.earliest_date_changed],
    )
    return load


def _quarantine(con, extract: ExtractFile, staged: StagedExtract, loaded_at) -> None:
    row_text = " || ? || ".join(f"cs_field(extract_rows.{column}, ?)"
                                for column in staged.file_columns)
    delimiters = [staged.delimiter] * (2 * len(staged.file_columns) - 1)
    con.execute(
        f"""
        insert into raw.quarantine
            (entity, file_name, row_number, row_text, rule, quarantined_at)
        select ?, ?, row_number, row_text, rule, ? from (
            select checked_rows.row_number, {row_text} as row_text,
                checked_rows.broken_rules as rule
            from checked_rows join extract_rows using (row_number)
            where checked_rows.broken_rules <> ''
            union all
            select row_number, row_text, rule from extract_rejects
        )
        order by row_number
        """,
        [extract.entity, extract.file_name, loaded_at, *delimiters],
    )


# The earliest business date a row of each entity counts at (`changed`: the row): a change
# to the row changes the KPIs from that date on. An invoice also counts at the dates of the
# payments and credit notes settling it (cash received before the invoice date). Customers
# have none: a changed customer changes every as-of date.
CHANGE_DATE = {
    "customers": None,
    "invoices": """least(document_date,
        (select min(payment_date) from raw.payments
         where payments.document_id = changed.document_id),
        (select min(credit_notes.document_date) from raw.invoices as credit_notes
         where credit_notes.applies_to_document_id = changed.document_id))""",
    "payments": "payment_date",
    "disputes": "least(opened_date, coalesce(closed_date, opened_date))",
    "calls": "cast(call_time as date)",
    "invoice_statuses": "cast(status_time as date)",
}


def _upsert(con, extract: ExtractFile, loaded_at,
            modified_ns: int) -> tuple[int, dt.date | None]:
    """The last row of each key in the file is the key's new version, unless the key's
    row in raw came from a later extract (modified later, then named later; earlier
    loads without a known time count as older). A good row replaces the key's row; a
    quarantined one removes it. Returns how many rows changed and their earliest date."""
    entity = ENTITIES[extract.entity]
    columns = ", ".join(entity.column_names)
    key = entity.key
    con.execute(
        f"""
        create or replace temp table upserted_rows as
        select {columns}, row_number, broken_rules = '' as is_good from checked_rows
        where {key} is not null
        qualify row_number() over (partition by {key} order by row_number desc) = 1
        """
    )
    con.execute(
        f"""
        delete from upserted_rows where {key} in (
            select current_rows.{key}
            from raw.{entity.name} as current_rows
            join (
                select file_name, max_by(file_modified_ns, loaded_at) as modified_ns
                from raw.load_log group by file_name
            ) as source on source.file_name = current_rows.source_file
            where current_rows.source_file <> $file_name
                and (source.modified_ns > $modified_ns
                     or (source.modified_ns = $modified_ns and source.file_name > $file_name))
        )
        """,
        {"file_name": extract.file_name, "modified_ns": modified_ns},
    )
    changed = _changes(con, extract.entity)
    con.execute(
        f"delete from raw.{entity.name} "
        f"where {key} in (select {key} from upserted_rows)"
    )
    con.execute(
        f"""
        insert into raw.{entity.name} ({columns}, source_file, source_row, loaded_at)
        select {columns}, ?, row_number, ? from upserted_rows where is_good
        order by row_number
        """,
        [extract.file_name, loaded_at],
    )
    con.execute("drop table upserted_rows")
    return changed


def _changes(con, entity_name: str) -> tuple[int, dt.date | None]:
    """What the upsert is about to change: the current rows it replaces by a different row
    or removes, and the new rows that differ or are new. Both versions' dates count (an
    invoice re-dated from March to June changes March on)."""
    entity = ENTITIES[entity_name]
    key = entity.key
    differs = " or ".join(f"current_rows.{column} is distinct from upserted_rows.{column}"
                          for column in entity.column_names)
    date = CHANGE_DATE[entity_name] or "null::date"
    return con.execute(
        f"""
        with changed as (
            select current_rows.* exclude (source_file, source_row, loaded_at)
            from raw.{entity.name} as current_rows
            join upserted_rows using ({key})
            where not upserted_rows.is_good or {differs}
            union all by name
            select upserted_rows.* exclude (row_number, is_good)
            from upserted_rows
            left join raw.{entity.name} as current_rows using ({key})
            where upserted_rows.is_good and (current_rows.{key} is null or {differs})
        )
        select count(distinct {key}), min({date}) from changed
        """
    ).fetchone()

"""Read one extract file into DuckDB as text, whatever its format.

Every format ends in the same two temp tables, so that the rules (rules.py) see one shape:
- `extract_rows(row_number, c1 .. cN)`: one VARCHAR column per column of the file, in
  file order; `row_number` counts data rows from 1.
- `extract_rejects(row_number, row_text, rule)`: rows whose structure is broken (a CSV
  line with too few or too many fields, a CDAR message whose id an earlier message of the
  file already used); they are quarantined as they are.
Parsing and checking values is the rules' job: nothing here looks at a value.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from credit_scoreboard.contract import ENTITIES
from credit_scoreboard.ingest import cdar
from credit_scoreboard.ingest.files import ExtractError, ExtractFile

_CHUNK = 1 << 24  # 16 MiB: transcoding streams, it never holds a whole file


@dataclass
class StagedExtract:
    """What the rules need to know about the file now in `extract_rows`."""

    column_of: dict[str, str]  # contract column -> cI (only the columns present)
    file_columns: list[str]  # c1 .. cN, in file order (for the row as text)
    delimiter: str  # to write a row back as text
    file_format: str  # e.g. "csv utf-8 ';'", for the load log
    ignored_columns: list[str] = field(default_factory=list)


def stage_extract(con: duckdb.DuckDBPyConnection, extract: ExtractFile) -> StagedExtract:
    """Fill `extract_rows` / `extract_rejects` from the file; ExtractError if unreadable."""
    if extract.path.stat().st_size == 0:
        raise ExtractError(extract.file_name, "empty file")
    con.execute("drop table if exists extract_rows")
    con.execute("drop table if exists extract_rejects")
    con.execute(
        "create temp table extract_rejects (row_number BIGINT, row_text VARCHAR, rule VARCHAR)"
    )
    if extract.extension == "parquet":
        return _stage_parquet(con, extract)
    if extract.extension == "xlsx":
        return _stage_xlsx(con, extract)
    if extract.extension == "xml":
        return _stage_cdar(con, extract)
    # A Windows-1252 file is read from a UTF-8 copy, deleted once DuckDB has read it.
    with tempfile.TemporaryDirectory(prefix="credit-ingest-") as scratch:
        return _stage_csv(con, extract, Path(scratch))


def match_header(extract: ExtractFile, names: list[str]) -> tuple[dict[str, str], list[str]]:
    """Contract columns found in a header (case-insensitive, trimmed) -> their cI.

    A missing required column or a column named twice is an ExtractError; columns the
    contract does not know are ignored (and reported in the load log).
    """
    entity = ENTITIES[extract.entity]
    column_of: dict[str, str] = {}
    ignored = []
    for position, raw_name in enumerate(names, start=1):
        name = (raw_name or "").strip().strip('"').strip().lower()
        if name in entity.column_names:
            if name in column_of:
                raise ExtractError(
                    extract.file_name, f"column {name!r} appears twice in the header"
                )
            column_of[name] = f"c{position}"
        else:
            ignored.append((raw_name or "").strip() or f"(column {position} without a name)")
    missing = [name for name in entity.required_columns if name not in column_of]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise ExtractError(
            extract.file_name, f"missing required column{plural} {', '.join(missing)}"
        )
    return column_of, ignored


# --- CSV ---------------------------------------------------------------------------------


def _stage_csv(con, extract: ExtractFile, scratch: Path) -> StagedExtract:
    path, encoding = _as_utf8(extract, scratch)
    with path.open(encoding="utf-8-sig", newline="") as stream:
        header_line = stream.readline()
        if not header_line.strip() and not stream.read(1 << 16).strip():
            raise ExtractError(extract.file_name, "empty file")
    # The header decides the delimiter: column names contain neither ';' nor ','.
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    names = next(csv.reader([header_line], delimiter=delimiter))
    column_of, ignored = match_header(extract, names)
    file_columns = [f"c{position}" for position in range(1, len(names) + 1)]

    columns = ", ".join(f"'{column}': 'VARCHAR'" for column in file_columns)
    con.execute("drop table if exists csv_rejects")
    con.execute("drop table if exists csv_reject_scans")
    # Every field read as text; lines with a wrong number of fields go to DuckDB's rejects
    # table instead of failing the read.
    try:
        con.execute(
            f"""
            create temp table csv_rows as
            select * from read_csv(?, header = false, skip = 1, delim = ?, quote = '"',
                escape = '"', columns = {{{columns}}}, auto_detect = false,
                store_rejects = true, rejects_table = 'csv_rejects',
                rejects_scan = 'csv_reject_scans')
            """,
            [str(path), delimiter],
        )
    except duckdb.OutOfMemoryException:
        raise  # the host's problem, not the file's
    except duckdb.Error as error:  # e.g. line breaks the CSV parser cannot follow (\r\r\n)
        raise ExtractError(
            extract.file_name, f"not a readable CSV file ({_first_line(error)})"
        ) from None
    # DuckDB reports each missing field of a line: keep the line's first error.
    con.execute(
        """
        insert into extract_rejects
        select line - 1, csv_line,
            'row: ' || lower(error_type) || ' (' || error_message || ')'
        from csv_rejects
        qualify row_number() over (partition by line order by column_idx) = 1
        """
    )
    # The rowid order is the file order of the good lines (inside a transaction rowids
    # start high: count from the first). A good line's data row number = its rank among
    # good lines + the rejected lines before it; a rejected line sits after
    # `row_number - rejects up to it` good lines.
    rank = "(csv_rows.rowid - (select min(rowid) from csv_rows))"
    rejects_before = (
        "(select count(*) from rejected where good_rows_before <= {rank})"
        if con.execute("select count(*) from extract_rejects").fetchone()[0] else "0"
    ).format(rank=rank)
    con.execute(
        f"""
        create temp table extract_rows as
        with rejected as (
            select row_number - row_number() over (order by row_number) as good_rows_before
            from extract_rejects
        )
        select {rank} + 1 + {rejects_before} as row_number, csv_rows.*
        from csv_rows
        order by row_number
        """
    )
    con.execute("drop table csv_rows")
    _refuse_truncated_last_line(con, extract)
    return StagedExtract(
        column_of, file_columns, delimiter, f"csv {encoding} '{delimiter}'", ignored
    )


def _refuse_truncated_last_line(con, extract: ExtractFile) -> None:
    """A last line with missing fields is a file cut short: refuse it, do not quarantine."""
    last = con.execute(
        """
        select row_number, rule from extract_rejects
        where row_number = (select count(*) from extract_rows)
            + (select count(*) from extract_rejects)
            and (rule like 'row: missing columns%' or rule like 'row: unquoted value%')
        """
    ).fetchone()
    if last:
        raise ExtractError(
            extract.file_name, f"truncated last line (row {last[0]}: {last[1][len('row: '):]})"
        )


def _as_utf8(extract: ExtractFile, scratch: Path) -> tuple[Path, str]:
    """The file itself when it is UTF-8 (BOM or not), else a UTF-8 copy of its
    Windows-1252 text, transcoded in chunks; ExtractError for NUL or undecodable bytes."""
    path = extract.path
    utf8 = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            nul = chunk.find(b"\x00")
            if nul >= 0:
                raise ExtractError(
                    extract.file_name, f"NUL byte at offset {offset + nul} (binary or UTF-16 file?)"
                )
            try:
                utf8.decode(chunk)
            except UnicodeDecodeError:
                break
            offset += len(chunk)
        else:
            try:
                utf8.decode(b"", final=True)
                return path, "utf-8"
            except UnicodeDecodeError:
                pass
    # Not UTF-8: Windows-1252 leaves only five bytes undefined (0x81 0x8D 0x8F 0x90 0x9D).
    copy = scratch / "utf8.csv"
    offset = 0
    with path.open("rb") as source, copy.open("w", encoding="utf-8", newline="") as target:
        while chunk := source.read(_CHUNK):
            try:
                target.write(chunk.decode("cp1252"))
            except UnicodeDecodeError as error:
                raise ExtractError(
                    extract.file_name,
                    f"undecodable bytes at offset {offset + error.start} "
                    "(neither UTF-8 nor Windows-1252)",
                ) from None
            offset += len(chunk)
    return copy, "windows-1252"


# --- Parquet -----------------------------------------------------------------------------


def _stage_parquet(con, extract: ExtractFile) -> StagedExtract:
    try:
        described = con.execute(
            "describe select * from read_parquet(?)", [str(extract.path)]
        ).fetchall()
        names = [row[0] for row in described]
        column_of, ignored = match_header(extract, names)
        casts = ", ".join(
            f'cast("{name.replace(chr(34), chr(34) * 2)}" as VARCHAR) as c{position}'
            for position, name in enumerate(names, start=1)
        )
        # Typed columns become text too, so that one set of rules parses every format
        # (a DATE reads back as YYYY-MM-DD, a DECIMAL as 1234.50).
        con.execute(
            f"""
            create temp table extract_rows as
            select file_row_number + 1 as row_number, {casts}
            from read_parquet(?, file_row_number = true)
            order by file_row_number
            """,
            [str(extract.path)],
        )
    except duckdb.OutOfMemoryException:
        raise  # the host's problem, not the file's
    except duckdb.Error as error:
        raise ExtractError(
            extract.file_name, f"not a readable Parquet file ({_first_line(error)})"
        ) from None
    file_columns = [f"c{position}" for position in range(1, len(names) + 1)]
    return StagedExtract(column_of, file_columns, ",", "parquet", ignored)


# --- XLSX --------------------------------------------------------------------------------


def _stage_xlsx(con, extract: ExtractFile) -> StagedExtract:
    """Read the sheet named after the entity (case-insensitive), else the first sheet.

    The first non-empty row is the header. Cells are read as stored, never evaluated: a
    formula cell gives its formula text (`=SUM(A1:A3)`), so formula-like names stay text.
    openpyxl walks cells in Python: XLSX suits the small extracts people keep in Excel;
    large books come as CSV or Parquet.
    """
    import openpyxl
    import pyarrow as pa

    try:
        workbook = openpyxl.load_workbook(extract.path, read_only=True, data_only=False)
    except Exception as error:  # zipfile, XML and openpyxl errors alike
        raise ExtractError(
            extract.file_name, f"not a readable XLSX file ({_first_line(error)})"
        ) from None
    try:
        by_name = {sheet.lower(): sheet for sheet in workbook.sheetnames}
        sheet = workbook[by_name.get(extract.entity, workbook.sheetnames[0])]
        rows = [row for row in sheet.iter_rows(values_only=True)
                if any(value not in (None, "") for value in row)]
    finally:
        workbook.close()
    if not rows:
        raise ExtractError(extract.file_name, "empty file")
    header = [None if value is None else str(value) for value in rows[0]]
    while header and header[-1] in (None, ""):
        header.pop()  # trailing empty header cells: formatting, not columns
    column_of, ignored = match_header(extract, header)
    data = rows[1:]
    file_columns = [f"c{position}" for position in range(1, len(header) + 1)]
    table = pa.table(
        {"row_number": pa.array(range(1, len(data) + 1), pa.int64())}
        | {
            column: pa.array(
                [_cell_text(row[index]) if index < len(row) else None for row in data],
                pa.string(),
            )
            for index, column in enumerate(file_columns)
        }
    )
    con.register("xlsx_rows", table)
    con.execute("create temp table extract_rows as select * from xlsx_rows order by row_number")
    con.unregister("xlsx_rows")
    return StagedExtract(column_of, file_columns, ",", f"xlsx sheet {sheet.title!r}", ignored)


# --- CDAR XML (invoice_statuses) -----------------------------------------------------------


def _stage_cdar(con, extract: ExtractFile) -> StagedExtract:
    """One row per status of the file's CDAR messages (ingest.cdar), in file order, one
    text column per contract column. A message id used by an earlier message of the file
    is a resend: quarantined, the first one loaded."""
    import pyarrow as pa

    try:
        rows = cdar.status_rows(cdar.parse_file(extract.path))
    except cdar.CdarError as error:
        raise ExtractError(extract.file_name, str(error)) from None
    columns = ENTITIES[extract.entity].column_names
    file_columns = [f"c{position}" for position in range(1, len(columns) + 1)]
    first_row_of: dict[str, int] = {}
    kept, rejects = [], []
    for row_number, row in enumerate(rows, start=1):
        values = [row.fields.get(column) for column in columns]
        status_id = row.fields.get("status_id")
        if status_id is not None and status_id in first_row_of:
            line = io.StringIO()
            csv.writer(line, lineterminator="").writerow(values)
            rejects.append((row_number, line.getvalue(), "status_id: duplicated message id "
                            f"(first at row {first_row_of[status_id]})"))
            continue
        if status_id is not None:
            first_row_of[status_id] = row_number
        kept.append((row_number, values))
    table = pa.table(
        {"row_number": pa.array([number for number, _ in kept], pa.int64())}
        | {column: pa.array([values[index] for _, values in kept], pa.string())
           for index, column in enumerate(file_columns)}
    )
    con.register("cdar_rows", table)
    con.execute("create temp table extract_rows as select * from cdar_rows order by row_number")
    con.unregister("cdar_rows")
    if rejects:
        con.executemany("insert into extract_rejects values (?, ?, ?)", rejects)
    column_of = dict(zip(columns, file_columns, strict=True))
    return StagedExtract(column_of, file_columns, ",", f"cdar xml, {len(rows)} statuses")


def _cell_text(value) -> str | None:
    """A cell as the text a CSV export would hold."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        # Shortest repr: 1234.56 stays 1234.56; 30.0 is the whole number 30.
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]

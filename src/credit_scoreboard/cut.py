"""A landing folder as it was known at a date D: the extracts cut at D (CONTRACT.md section 3).

The proof that the payment forecast does not leak: the pipeline run on the extracts cut at
D, with `--as-of D`, must give the same forecast rows for D as the run on the full extracts.

What is removed or undone, row by row (a row whose date cannot be read is kept: the ingest
quarantines it in both runs):
- invoices and credit notes dated (document_date) after D;
- payments dated (payment_date) after D;
- calls made (call_time) after D;
- invoice_statuses deposited (status_time) after D: table rows, and in the CDAR XML files
  the statuses (acknowledgement documents) after D, a message left without any removed
  whole, a file left without any message not written;
- disputes opened after D; disputes closed after D are open again: status `open`,
  closed_date and resolution emptied;
- customers: copied unchanged.
A file with nothing to remove or re-open is copied byte for byte. What the extracts do not
date cannot be cut: a payment keeps the invoice it was allocated to, even if allocated after
D, and a customer's attributes (segment, collector, credit limit) are today's.

Each output file keeps its input's name, format and modification time (the contract's load
order of several files of one entity):
- CSV keeps its encoding (UTF-8, BOM or not, or Windows-1252), delimiter, line ending and
  header line, and every value the text it had, so a French export stays French (`;`,
  `1 234,56`, DD/MM/YYYY). Only the quoting is rewritten, minimal (a field is quoted when it
  holds the delimiter, a quote or a line break), which the ingest reads the same. Lines the
  ingest cannot split into fields are kept as they are (they are quarantined either way).
- Parquet keeps its schema (column types and order), rewritten zstd-compressed.
- XLSX keeps its workbook: rows of the sheet the ingest reads are deleted and cells edited
  in place (openpyxl), other sheets, cell types and number formats untouched.
- CDAR XML keeps the elements it does not remove (written back by ElementTree: the XML
  declaration and namespace prefixes are rewritten, the content is the same).

Not copied: files that are not extracts (manifest.json, README...), listed under
`skipped_files` in the result. Files are found and read with the ingest's own code
(ingest.files, ingest.reading) and dates parsed with its SQL macros (ingest.rules), so the
cut reads every dialect exactly as the pipeline does.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from credit_scoreboard.contract import ENTITIES
from credit_scoreboard.ingest import cdar
from credit_scoreboard.ingest.files import ExtractError, ExtractFile, discover_extracts
from credit_scoreboard.ingest.reading import StagedExtract, stage_extract
from credit_scoreboard.ingest.rules import PARSING_MACROS, parse_expression


@dataclass(frozen=True)
class CutRule:
    """How rows of an entity are cut: removed when `known_on` is after D; re-opened (the
    `reopen` columns set to the values given, None = emptied) when `undone_on` is after D."""

    known_on: str | None = None
    undone_on: str | None = None
    reopen: tuple[tuple[str, str | None], ...] = ()


CUT_RULES: dict[str, CutRule] = {
    "customers": CutRule(),
    "invoices": CutRule(known_on="document_date"),
    "payments": CutRule(known_on="payment_date"),
    "calls": CutRule(known_on="call_time"),
    "invoice_statuses": CutRule(known_on="status_time"),
    "disputes": CutRule(
        known_on="opened_date", undone_on="closed_date",
        reopen=(("status", "open"), ("closed_date", None), ("resolution", None)),
    ),
}

_FETCH_ROWS = 50_000


def cut_landing(landing: Path, out: Path, at: dt.date) -> dict:
    """Write into `out` (a new or empty folder) the extracts of `landing` as known at `at`.

    Returns, per entity with at least one file, `{"files", "rows", "removed",
    "reopened"}` (rows read, rows removed, rows re-opened), and under `skipped_files` the
    names of the files not copied (see the module docstring). Raises ingest's
    ExtractError for a file the pipeline could not read either, ValueError when `out` is
    not empty or is the landing folder itself.
    """
    landing, out = Path(landing), Path(out)
    if out.resolve() == landing.resolve():
        raise ValueError(f"{out}: the cut must go to another folder than the landing folder")
    if out.exists() and any(out.iterdir()):
        raise ValueError(f"{out}: not empty (the cut writes into a new or empty folder)")
    extracts = discover_extracts(landing)
    out.mkdir(parents=True, exist_ok=True)
    counts: dict = {}
    con = duckdb.connect()
    try:
        for macro in PARSING_MACROS:
            con.execute(macro)
        for extract in extracts:
            entity = counts.setdefault(
                extract.entity, {"files": 0, "rows": 0, "removed": 0, "reopened": 0})
            rows, removed, reopened = cut_extract(con, extract, out / extract.file_name, at)
            entity["files"] += 1
            entity["rows"] += rows
            entity["removed"] += removed
            entity["reopened"] += reopened
    finally:
        con.close()
    extract_names = {extract.file_name for extract in extracts}
    counts["skipped_files"] = sorted(
        path.name for path in landing.iterdir()
        if path.is_file() and not path.name.startswith(".") and path.name not in extract_names
    )
    return counts


def cut_extract(con: duckdb.DuckDBPyConnection, extract: ExtractFile, target: Path,
                at: dt.date) -> tuple[int, int, int]:
    """Write `extract` cut at `at` to `target`; returns (rows read, removed, re-opened).

    `con` must hold the ingest's PARSING_MACROS (cut_landing creates them)."""
    if extract.extension == "xml":
        return _cut_cdar(con, extract, target, at)
    rule = CUT_RULES[extract.entity]
    staged = stage_extract(con, extract)
    rows, removed, reopened = _decide(con, extract.entity, staged, rule, at)
    if not (removed or reopened):  # nothing after D (customers never): the file as it is
        shutil.copy2(extract.path, target)
        return rows, 0, 0
    if extract.extension == "parquet":
        _write_parquet(con, extract, staged, rule, target)
    elif extract.extension == "xlsx":
        _write_xlsx(con, extract, staged, rule, target)
    else:
        _write_csv(con, extract, staged, rule, target)
    source = extract.path.stat()
    os.utime(target, ns=(source.st_atime_ns, source.st_mtime_ns))
    return rows, removed, reopened


def _date_after(entity: str, column: str, staged: StagedExtract, at: dt.date) -> str:
    """SQL: the row's `column`, parsed as the ingest parses it, is a day after `at`."""
    if column not in staged.column_of:
        return "false"
    contract_column = next(c for c in ENTITIES[entity].columns if c.name == column)
    value = parse_expression(entity, contract_column).replace(
        f"{column}__text", f"nullif(trim({staged.column_of[column]}), '')")
    return f"coalesce(cast({value} as DATE) > date '{at.isoformat()}', false)"


def _decide(con, entity: str, staged: StagedExtract, rule: CutRule,
            at: dt.date) -> tuple[int, int, int]:
    """`cut_rows(row_number, is_removed, is_reopened)` for the rows of `extract_rows`."""
    removed = _date_after(entity, rule.known_on, staged, at) if rule.known_on else "false"
    undone = _date_after(entity, rule.undone_on, staged, at) if rule.undone_on else "false"
    con.execute(
        f"""
        create or replace temp table cut_rows as
        select row_number, {removed} as is_removed,
            not ({removed}) and {undone} as is_reopened
        from extract_rows
        """
    )
    return con.execute(
        """
        select count(*) + (select count(*) from extract_rejects),
            count(*) filter (where is_removed), count(*) filter (where is_reopened)
        from cut_rows
        """
    ).fetchall()[0]  # fetched to the end: the connection takes new work at once


def _reopened_values(staged: StagedExtract, rule: CutRule) -> dict[str, str | None]:
    """File column (cI) -> the value it takes on a re-opened row."""
    return {staged.column_of[column]: value for column, value in rule.reopen
            if column in staged.column_of}


# --- CSV ---------------------------------------------------------------------------------


def _write_csv(con, extract: ExtractFile, staged: StagedExtract, rule: CutRule,
               target: Path) -> None:
    with extract.path.open("rb") as stream:
        header = stream.readline()  # as it was: BOM, encoding, quoting, line ending
    encoding = staged.file_format.split()[1]  # "csv <encoding> '<delimiter>'"
    line_ending = "\r\n" if header.endswith(b"\r\n") else "\n"
    reopened = _reopened_values(staged, rule)
    columns = ", ".join(
        (f"case when is_reopened then {_sql_text(reopened[column])} else {column} end"
         if column in reopened else column)
        for column in staged.file_columns
    )
    rejected_lines = dict(con.execute(
        "select row_number, row_text from extract_rejects order by row_number").fetchall())
    kept = con.execute(
        f"""
        select row_number, {columns}
        from extract_rows join cut_rows using (row_number)
        where not is_removed
        order by row_number
        """
    )
    with target.open("wb") as binary:
        binary.write(header if header.endswith(b"\n") else header + line_ending.encode())
        text = io.TextIOWrapper(binary, encoding=encoding, newline="")
        writer = csv.writer(text, delimiter=staged.delimiter, quotechar='"',
                            lineterminator=line_ending)
        pending_rejects = iter(sorted(rejected_lines.items()))
        next_reject = next(pending_rejects, None)
        while batch := kept.fetchmany(_FETCH_ROWS):
            for row_number, *values in batch:
                while next_reject and next_reject[0] < row_number:
                    text.write(next_reject[1] + line_ending)
                    next_reject = next(pending_rejects, None)
                writer.writerow(values)
        while next_reject:
            text.write(next_reject[1] + line_ending)
            next_reject = next(pending_rejects, None)
        text.flush()
        text.detach()


def _sql_text(value: str | None) -> str:
    return "null" if value is None else "'" + value.replace("'", "''") + "'"


# --- Parquet -----------------------------------------------------------------------------


def _write_parquet(con, extract: ExtractFile, staged: StagedExtract, rule: CutRule,
                   target: Path) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    # extract_rows.row_number is the Parquet file row number + 1: same order as pyarrow's.
    decided = con.sql(
        "select is_removed, is_reopened from cut_rows order by row_number").to_arrow_table()
    table = pq.read_table(extract.path)
    is_reopened = decided.column("is_reopened")
    for column, value in _reopened_values(staged, rule).items():
        position = int(column[1:]) - 1  # cI: the file's I-th column
        original = table.column(position)
        replacement = pa.scalar(value).cast(original.type) if value is not None else (
            pa.scalar(None, original.type))
        table = table.set_column(position, table.field(position),
                                 pc.if_else(is_reopened, replacement, original))
    table = table.filter(pc.invert(decided.column("is_removed")))
    pq.write_table(table, target, compression="zstd")


# --- XLSX --------------------------------------------------------------------------------


def _write_xlsx(con, extract: ExtractFile, staged: StagedExtract, rule: CutRule,
                target: Path) -> None:
    """Edit the workbook in place: the sheet the ingest reads (named after the entity, else
    the first), its data rows numbered as the ingest numbers them (non-empty rows after the
    header row)."""
    import openpyxl

    workbook = openpyxl.load_workbook(extract.path)
    by_name = {sheet.lower(): sheet for sheet in workbook.sheetnames}
    sheet = workbook[by_name.get(extract.entity, workbook.sheetnames[0])]
    sheet_row_of: dict[int, int] = {}  # data row number -> sheet row
    data_rows = -1  # the first non-empty row is the header
    for sheet_row, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if any(value not in (None, "") for value in values):
            if data_rows >= 0:
                sheet_row_of[data_rows + 1] = sheet_row
            data_rows += 1
    reopened = _reopened_values(staged, rule)
    for (row_number,) in con.execute(
            "select row_number from cut_rows where is_reopened").fetchall():
        for column, value in reopened.items():
            sheet.cell(row=sheet_row_of[row_number], column=int(column[1:])).value = value
    removed = [sheet_row_of[row_number] for (row_number,) in con.execute(
        "select row_number from cut_rows where is_removed order by row_number desc").fetchall()]
    # Bottom up, a run of consecutive rows at a time: the rows above keep their numbers.
    position = 0
    while position < len(removed):
        last = first = removed[position]
        position += 1
        while position < len(removed) and removed[position] == first - 1:
            first = removed[position]
            position += 1
        sheet.delete_rows(first, last - first + 1)
    workbook.save(target)


# --- CDAR XML ----------------------------------------------------------------------------


def _cut_cdar(con, extract: ExtractFile, target: Path, at: dt.date) -> tuple[int, int, int]:
    """Remove the acknowledgements (statuses) whose status_time, parsed as the ingest parses
    it, is a day after `at`; then the messages left without one. Nothing removed: copied."""
    import xml.etree.ElementTree as ElementTree

    try:
        tree = cdar.parse_file(extract.path)
        rows = cdar.status_rows(tree)
    except cdar.CdarError as error:
        raise ExtractError(extract.file_name, str(error)) from None
    status_time = next(c for c in ENTITIES["invoice_statuses"].columns
                       if c.name == "status_time")
    after = parse_expression("invoice_statuses", status_time).replace(
        "status_time__text", "nullif(trim(t), '')")
    is_after = [value for (value,) in con.execute(
        f"select coalesce(cast({after} as DATE) > ?, false) "
        "from unnest(?::VARCHAR[]) with ordinality as texts(t, position) order by position",
        [at, [row.fields.get("status_time") for row in rows]]).fetchall()]
    # An acknowledgement holding several invoices' statuses goes when all of them go.
    kept = {id(row.acknowledgement) for row, after in zip(rows, is_after, strict=True)
            if not after}
    removed_rows = [row for row in rows if id(row.acknowledgement) not in kept]
    if not removed_rows:
        shutil.copy2(extract.path, target)
        return len(rows), 0, 0
    parent_of = {child: parent for parent in tree.iter() for child in parent}
    for row in removed_rows:
        if row.acknowledgement in parent_of:  # once per acknowledgement
            parent_of.pop(row.acknowledgement).remove(row.acknowledgement)
    kept_messages = {id(row.message) for row in rows if id(row.acknowledgement) in kept}
    if not kept_messages:
        return len(rows), len(removed_rows), 0  # every status after D: no file at D
    for message in cdar.messages(tree):
        if id(message) not in kept_messages and message in parent_of:
            parent_of.pop(message).remove(message)
    for prefix, uri in cdar.NAMESPACES.items():
        ElementTree.register_namespace(prefix, uri)
    tree.write(target, encoding="UTF-8", xml_declaration=True)
    source = extract.path.stat()
    os.utime(target, ns=(source.st_atime_ns, source.st_mtime_ns))
    return len(rows), len(removed_rows), 0

"""Incremental extract writers: one file per entity, appended chunk by chunk.

csv     UTF-8, ',' delimiter, '.' decimal, ISO dates, 'YYYY-MM-DD HH:MM:SS', true/false,
        empty = null (text values are quoted).
csv-fr  Windows-1252, ';' delimiter, decimal comma with a space between thousands
        ('1 234,56'), dates DD/MM/YYYY, timestamps DD/MM/YYYY HH:MM:SS, no quoting,
        as a French ERP exports it.
parquet typed columns: amounts DECIMAL(18, 2) (exact cents, no float), dates date32,
        timestamps without time zone (whole seconds, stored as milliseconds since
        Parquet has no second unit), booleans, int32; zstd-compressed.
"""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

FORMATS = ("csv", "csv-fr", "parquet")


def extension(fmt: str) -> str:
    return "parquet" if fmt == "parquet" else "csv"


def french_text(table: pa.Table) -> pa.Table:
    """Every column as the text a French export shows."""
    columns = []
    for column in table.columns:
        kind = column.type
        if pa.types.is_decimal(kind):
            text = pc.replace_substring(pc.cast(column, pa.string()), ".", ",")
            for _ in range(5):  # one space per group of three digits, up to 10^15
                text = pc.replace_substring_regex(text, pattern=r"^(-?\d+)(\d{3})",
                                                  replacement=r"\1 \2")
        elif pa.types.is_date(kind):
            text = pc.strftime(column, format="%d/%m/%Y")
        elif pa.types.is_timestamp(kind):
            text = pc.strftime(column, format="%d/%m/%Y %H:%M:%S")
        else:
            text = pc.cast(column, pa.string())
        columns.append(text)
    return pa.table(columns, names=table.column_names)


class ExtractWriter:
    """Appends tables to `<entity>.<ext>` in the landing folder."""

    def __init__(self, out_dir: Path, fmt: str):
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")
        self.out_dir, self.fmt = out_dir, fmt
        self._parquet: dict[str, pq.ParquetWriter] = {}
        self._files: dict[str, io.BufferedWriter] = {}

    def path(self, entity: str) -> Path:
        return self.out_dir / f"{entity}.{extension(self.fmt)}"

    def write(self, entity: str, table: pa.Table) -> None:
        if self.fmt == "parquet":
            if entity not in self._parquet:
                self._parquet[entity] = pq.ParquetWriter(
                    self.path(entity), table.schema, compression="zstd")
            self._parquet[entity].write_table(table)
            return
        first = entity not in self._files
        if first:
            self._files[entity] = open(self.path(entity), "wb")  # noqa: SIM115 (closed in close())
        if self.fmt == "csv":
            pa_csv.write_csv(table, self._files[entity],
                             pa_csv.WriteOptions(include_header=first))
        else:
            buffer = io.BytesIO()
            if first:  # Arrow quotes header names even when told not to quote
                buffer.write((";".join(table.column_names) + "\n").encode("utf-8"))
            pa_csv.write_csv(french_text(table), buffer, pa_csv.WriteOptions(
                include_header=False, delimiter=";", quoting_style="none"))
            self._files[entity].write(buffer.getvalue().decode("utf-8").encode("cp1252"))

    def close(self) -> None:
        for writer in self._parquet.values():
            writer.close()
        for file in self._files.values():
            file.close()

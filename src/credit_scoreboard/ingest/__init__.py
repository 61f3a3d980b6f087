"""Ingestion: a landing folder of extracts (CONTRACT.md section 1) into the `raw` schema.

files.py finds the extracts and their load order, reading.py reads one file as text into
DuckDB (CSV in both dialects and encodings, Parquet, XLSX), rules.py holds the catalogue
of row rules as SQL, loading.py quarantines, upserts and logs. Rows are never looped
over in Python (except XLSX cells, which openpyxl can only hand over one by one).
"""

from credit_scoreboard.ingest.files import ExtractError
from credit_scoreboard.ingest.loading import FileLoad, IngestReport, load_landing
from credit_scoreboard.ingest.rules import rule_catalogue

__all__ = ["ExtractError", "FileLoad", "IngestReport", "load_landing", "rule_catalogue"]

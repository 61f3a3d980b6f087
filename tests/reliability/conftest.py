"""Reliability fixtures: one small generated book (60 customers x 1 year, built in
seconds) split into the extracts of a first load and a later daily delta."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

os.environ.setdefault("DO_NOT_TRACK", "1")

SMALL_BOOK = {"customers": 60, "years": 1.0, "seed": 3}
# The book ends 2026-10-31: October arrives as a delta after the first load.
DELTA_FROM = "2026-10-01"


@pytest.fixture(scope="session")
def small_book(tmp_path_factory) -> Path:
    from credit_scoreboard.generate import generate_landing

    book = tmp_path_factory.mktemp("small_book")
    generate_landing(out_dir=book, fmt="csv", progress=False, **SMALL_BOOK)
    return book


@pytest.fixture(scope="session")
def first_and_next_landing(small_book, tmp_path_factory) -> tuple[Path, Path]:
    """(first landing: the book up to September; next landing: the same files plus the
    October deltas, one hour newer): the first run, then the next day's run."""
    from reliability_support import split_book

    root = tmp_path_factory.mktemp("landings")
    first, delta = root / "first", root / "delta"
    mtime = time.time() - 86400
    split_book(small_book, first, delta, DELTA_FROM, mtime)
    following = root / "next"
    following.mkdir()
    for folder in (first, delta):
        for extract in folder.iterdir():
            target = following / extract.name
            target.write_bytes(extract.read_bytes())
            stat = extract.stat()
            os.utime(target, (stat.st_atime, stat.st_mtime))
    return first, following

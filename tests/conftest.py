"""Shared fixtures: one small generated book and the warehouse the real pipeline
publishes from it, built once per test session and read by many tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("DO_NOT_TRACK", "1")

# Small enough to build in well under a minute, long enough for 24-month trends.
SAMPLE_BOOK = {"customers": 150, "years": 3.0, "seed": 11}


@pytest.fixture(scope="session")
def generated_landing(tmp_path_factory) -> Path:
    from credit_scoreboard.generate import generate_landing

    landing = tmp_path_factory.mktemp("landing") / "sample"
    generate_landing(out_dir=landing, fmt="csv", progress=False, **SAMPLE_BOOK)
    return landing


@pytest.fixture(scope="session")
def published_warehouse(generated_landing, tmp_path_factory) -> Path:
    """The warehouse `credit-scoreboard run` publishes from the generated book.
    Tests must only read it (open read-only)."""
    from credit_scoreboard.pipeline import run_pipeline

    warehouse = tmp_path_factory.mktemp("warehouse") / "credit.duckdb"
    run_pipeline(landing_dir=generated_landing, warehouse=warehouse)
    return warehouse

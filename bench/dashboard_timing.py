"""Latency of every dashboard page callback on a published warehouse.

Each page of dashboards/pages is drawn by its `layout(**query)` function (Dash pages call
it from the page-container callback on every navigation or filter change): it opens the
warehouse, runs the page's queries through dashboards.data and builds the figures and
tables. We call it as the server would, inside a request of a logged-in user, with varied
filters (as-of month, segment, region, collector, drill-down levels) and report p50/p95.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from credit_scoreboard import catalogue


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def _choices(warehouse: Path) -> dict[str, list]:
    """Filter values to vary: as-of dates, dimension values, customers with open items."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        def values(sql: str) -> list:
            return [row[0] for row in con.execute(sql).fetchall()]

        as_of_dates = values("select distinct as_of_date from marts.kpi_monthly order by 1")
        return {
            "as_of": [day.isoformat() for day in as_of_dates[-13:]],
            "segment": values("select distinct segment from marts.customers order by 1"),
            "region": values("select distinct region from marts.customers order by 1"),
            "collector_id": values("select distinct collector_id from marts.customers "
                                   "where collector_id is not null order by 1"),
            "customer": values(
                "select customer_id from marts.aged_balance where as_of_date = "
                f"'{as_of_dates[-1]}' and document_id is not null "
                "group by 1 order by sum(open_amount) desc limit 50"),
        }
    finally:
        con.close()


def _filters(rng: random.Random, choices: dict) -> dict[str, str]:
    """A global filter set as users pick them: an as-of month, maybe one dimension, now
    and then two (which no mart pre-computes: the aged balance answers)."""
    query = {"as_of": rng.choice(choices["as_of"])}
    kind = rng.random()
    if kind < 0.25:
        query["segment"] = rng.choice(choices["segment"])
    elif kind < 0.45:
        query["region"] = rng.choice(choices["region"])
    elif kind < 0.6:
        query["collector_id"] = rng.choice(choices["collector_id"])
    elif kind < 0.7:
        query["segment"] = rng.choice(choices["segment"])
        query["region"] = rng.choice(choices["region"])
    return query


def _scenarios(rng: random.Random, choices: dict) -> list[tuple[str, str, dict]]:
    """(callback name, page module, query) of one round over every page and drill level."""
    buckets = list(catalogue.bucket_codes(bounded_only=True))
    customer = rng.choice(choices["customer"])
    segment = rng.choice(choices["segment"])
    return [
        ("scoreboard", "scoreboard", _filters(rng, choices)),
        ("aged", "aged", {**_filters(rng, choices),
                          "dimension": rng.choice(["segment", "region", "collector_id"])}),
        ("aged: bucket customers", "aged",
         {**_filters(rng, choices), "bucket": rng.choice(buckets)}),
        ("aged: customer open items", "aged",
         {"as_of": choices["as_of"][-1], "bucket": "not_due", "customer": customer}),
        ("segments", "segments", {**_filters(rng, choices), "dimension": "segment"}),
        ("segments: value drill-down", "segments",
         {"as_of": rng.choice(choices["as_of"]), "dimension": "segment", "value": segment}),
        ("segments: customer drill-down", "segments",
         {"as_of": choices["as_of"][-1], "dimension": "segment", "value": segment,
          "customer": customer}),
        ("customer", "customer", {"customer_id": customer, "as_of": rng.choice(choices["as_of"])}),
        ("disputes", "disputes", _filters(rng, choices)),
        ("collections", "collections", _filters(rng, choices)),
        ("worklist", "worklist", _filters(rng, choices)),
        ("lists", "lists", {**_filters(rng, choices), "list": rng.choice(
            ["overdue", "over_limit", "worsening", "broken_promises", "to_reconcile",
             "open_disputes"])}),
        ("call sheet", "call_sheet", {"customer_id": customer,
                                      "as_of": rng.choice(choices["as_of"])}),
        ("quality", "quality", {}),
    ]


def time_callbacks(warehouse: Path, rounds: int = 20, seed: int = 8) -> dict[str, dict]:
    """{callback: {calls, p50_ms, p95_ms, max_ms}}, after one warm-up round."""
    import importlib

    import flask

    from dashboards.app import create_app
    from dashboards.users import add_user

    rng = random.Random(seed)
    choices = _choices(warehouse)
    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as scratch:
        users = Path(scratch) / "users.yaml"
        add_user(users, "cfo", "bench-password-1", "cfo")
        app = create_app(warehouse, users)
        timings: dict[str, list[float]] = {}
        for round_number in range(rounds + 1):
            for name, module_name, query in _scenarios(rng, choices):
                module = importlib.import_module(f"dashboards.pages.{module_name}")
                with app.server.test_request_context("/"):
                    flask.session["username"] = "cfo"
                    start = time.perf_counter()
                    module.layout(**query)
                    elapsed = time.perf_counter() - start
                if round_number:  # the first round warms caches and imports
                    timings.setdefault(name, []).append(elapsed)
    return {name: {"calls": len(values),
                   "p50_ms": round(1000 * statistics.median(values), 1),
                   "p95_ms": round(1000 * _percentile(values, 0.95), 1),
                   "max_ms": round(1000 * max(values), 1)}
            for name, values in timings.items()}

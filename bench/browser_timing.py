"""What a user waits for in a real browser: page load and filter change, per page.

The dashboard is served on a published warehouse (werkzeug, threaded, as `serve` does)
and driven by Debian's headless Chromium through Playwright, logged in as a CFO:
- page load: `goto(url)` until the page's container is drawn, its charts have their SVG
  and its grids their first rows;
- filter change: pick another segment in the filter bar until the page is drawn again
  for the new address (in-app navigation, no reload).
p50 / p95 over `rounds` after a warm-up round. Usage:

    .venv/bin/python -m bench.browser_timing --warehouse warehouse/credit.duckdb [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import logging
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

import duckdb

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
PASSWORD = "bench-password-1"
# Marks the drawn page so that a redraw (a new element) can be told from the old one.
DRAWN = "document.querySelector('#page-{name}:not([data-bench-old])')"


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def _pages(warehouse: Path) -> dict[str, str]:
    """page name -> address, with a customer that has open items at the latest date."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        customer = con.execute(
            "select customer_id from marts.aged_balance where as_of_date = "
            "(select max(as_of_date) from marts.kpi_monthly) and document_id is not null "
            "group by 1 order by sum(open_amount) desc limit 1").fetchone()[0]
    finally:
        con.close()
    return {"scoreboard": "/", "aged": "/aged?bucket=31-60",
            "segments": "/segments?dimension=segment", "disputes": "/disputes",
            "collections": "/collections", "worklist": "/worklist",
            "lists": "/lists?list=over_limit", "quality": "/quality",
            "customer": f"/customer/{customer}", "call-sheet": f"/call-sheet/{customer}"}


def _serve(warehouse: Path, users: Path) -> tuple[str, object]:
    from werkzeug.serving import make_server

    from dashboards.app import create_app

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = create_app(warehouse, users)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = make_server("127.0.0.1", port, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{port}", server


def _wait_drawn(page, name: str) -> None:
    page.wait_for_function(DRAWN.format(name=name) + " !== null", timeout=60_000)
    # charts draw and grids fill after the page's layout arrives (charts may sit in a
    # hidden tab: attached, not visible)
    if page.locator(".js-plotly-plot").count():
        page.wait_for_selector(".js-plotly-plot .main-svg", state="attached", timeout=60_000)
    if page.locator(".ag-root").count():
        page.wait_for_selector(".ag-root .ag-row", state="attached", timeout=60_000)


def time_browser(warehouse: Path, rounds: int = 5) -> dict[str, dict]:
    """{"page load: <page>" | "filter change: <page>": {calls, p50_ms, p95_ms, max_ms}}."""
    from playwright.sync_api import sync_playwright

    from dashboards.users import add_user

    pages = _pages(warehouse)
    timings: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-browser-") as scratch, \
            sync_playwright() as playwright:
        users = Path(scratch) / "users.yaml"
        add_user(users, "cfo", PASSWORD, "cfo")
        base_url, server = _serve(warehouse, users)
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.goto(base_url + "/login")
            page.fill("#username", "cfo")
            page.fill("#password", PASSWORD)
            page.click("#login-button")
            page.wait_for_selector("#page-scoreboard")
            for round_number in range(rounds + 1):
                for name, path in pages.items():
                    start = time.perf_counter()
                    page.goto(base_url + path)
                    _wait_drawn(page, name)
                    if round_number:
                        timings.setdefault(f"page load: {name}", []).append(
                            time.perf_counter() - start)
                    if page.locator("#filter-segment").count() == 0:
                        continue
                    page.evaluate(f"document.querySelector('#page-{name}')"
                                  ".setAttribute('data-bench-old', '1')")
                    start = time.perf_counter()
                    page.click("#filter-segment")
                    options = page.get_by_role("option")
                    options.nth(round_number % options.count()).click()
                    _wait_drawn(page, name)
                    if round_number:
                        timings.setdefault(f"filter change: {name}", []).append(
                            time.perf_counter() - start)
        finally:
            browser.close()
            server.shutdown()
    return {name: {"calls": len(values),
                   "p50_ms": round(1000 * statistics.median(values), 1),
                   "p95_ms": round(1000 * _percentile(values, 0.95), 1),
                   "max_ms": round(1000 * max(values), 1)}
            for name, values in timings.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    results = time_browser(args.warehouse, args.rounds)
    print(json.dumps(results, indent=2))
    print(f"\n| browser, {args.warehouse} | p50 (ms) | p95 (ms) |\n|---|---|---|")
    for name, figures in results.items():
        print(f"| {name} | {figures['p50_ms']:.0f} | {figures['p95_ms']:.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

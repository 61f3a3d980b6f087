"""PDFs rendered by headless Chromium from the dashboard's own print views.

`render_pdf(url, cookies)` opens a page of this site as the requesting user (their
session cookie, so their scope applies exactly as on screen) and prints it to A4 with
the page's print stylesheet. The call sheet's `/call-sheet/<customer_id>.pdf` is the
first user; the CFO's monthly pack will be another print view through the same function.

Chromium is Debian's (settings `chromium`, env CREDIT_SCOREBOARD_CHROMIUM), never a
downloaded build. Rendering asks this same server for the page, its scripts and its
callbacks: the server needs more than one thread (gunicorn.conf.py: 4 per worker).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote, urlencode

import flask

from dashboards import audit, data
from dashboards.auth import current_user
from dashboards.settings import DashboardSettings

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage"]
TIMEOUT_MS = 60_000
_PAGE = re.compile(rb"/Type\s*/Page(?!s)")


class RenderError(RuntimeError):
    pass


def render_pdf(url: str, cookies: Mapping[str, str], ready_selector: str = "body",
               chromium: str = "/usr/bin/chromium") -> bytes:
    """The page at `url`, printed to A4 once `ready_selector` is on it, as PDF bytes.
    `cookies` (name -> value) are sent to that site only."""
    from playwright.sync_api import Error, sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                                 args=CHROMIUM_ARGS)
            try:
                context = browser.new_context(viewport={"width": 1100, "height": 1400})
                context.add_cookies([{"name": name, "value": value, "url": url}
                                     for name, value in cookies.items()])
                page = context.new_page()
                page.goto(url, timeout=TIMEOUT_MS)
                page.wait_for_selector(ready_selector, timeout=TIMEOUT_MS)
                page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
                return page.pdf(format="A4", print_background=True,
                                prefer_css_page_size=True)
            finally:
                browser.close()
    except Error as problem:
        raise RenderError(f"Chromium could not print {url}: {problem}") from problem


def page_count(document: bytes) -> int:
    """Pages of a PDF Chromium wrote (its page objects; no PDF library needed)."""
    return len(_PAGE.findall(document))


def install(server: flask.Flask) -> None:
    @server.route("/call-sheet/<customer_id>.pdf")
    def call_sheet_pdf(customer_id: str):
        """The printable call sheet as a PDF download, for a customer in the user's
        scope (404 otherwise, as the page shows nothing of it)."""
        user = current_user()  # the login guard let only signed-in users this far
        settings: DashboardSettings = server.config["DASHBOARD_SETTINGS"]
        as_of = flask.request.args.get("as_of")
        with data.open_warehouse(server.config["WAREHOUSE"]) as warehouse:
            filters = data.resolve_as_of(warehouse, data.Filters.from_query(
                {"as_of": as_of} if as_of else {}))
            if data.customer(warehouse, customer_id, user.scope) is None:
                flask.abort(404)
        base = (settings.pdf_base_url or flask.request.host_url).rstrip("/")
        query = urlencode({"as_of": filters.as_of.isoformat()})
        url = f"{base}/call-sheet/{quote(customer_id, safe='')}?{query}"
        cookie = server.config["SESSION_COOKIE_NAME"]
        try:
            document = render_pdf(url, {cookie: flask.request.cookies.get(cookie, "")},
                                  "#page-call-sheet", settings.chromium)
        except RenderError as problem:
            server.logger.error("%s", problem)
            return flask.Response("The PDF could not be rendered: please try again or "
                                  "print the page.", status=503, mimetype="text/plain")
        pages = page_count(document)
        audit.record_user("pdf_download", user, target=customer_id, file_format="pdf",
                          filters={"as_of": filters.as_of.isoformat()},
                          detail={"document": "call_sheet", "pages": pages})
        name = f"call-sheet_{customer_id}_{filters.as_of.isoformat()}.pdf"
        response = flask.Response(document, mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'attachment; filename="{quote(name)}"'
        response.headers["Cache-Control"] = "no-store"
        return response


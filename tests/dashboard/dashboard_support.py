"""Helpers shared by the dashboard tests: users' passwords, where artifacts go, and a
plain-HTTP client that speaks to the served app like a browser would."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
PASSWORDS = {"cfo": "cfo-password", "sme_manager": "sme-password"}


class Session:
    """Plain HTTP requests with a cookie jar (no browser), for the security tests."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect())

    def request(self, method: str, path: str, body: bytes | None = None,
                content_type: str | None = None) -> tuple[int, dict, str]:
        request = urllib.request.Request(self.base_url + path, data=body, method=method)
        if content_type:
            request.add_header("Content-Type", content_type)
        try:
            with self.opener.open(request) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()

    def login(self, username: str, password: str) -> int:
        _, _, form = self.request("GET", "/login")
        token = form.split('name="csrf_token" value="')[1].split('"')[0]
        body = urllib.parse.urlencode({"username": username, "password": password,
                                       "csrf_token": token, "next": "/"}).encode()
        status, _, _ = self.request("POST", "/login", body, "application/x-www-form-urlencoded")
        return status

    def render_page(self, pathname: str, search: str = "") -> tuple[int, str]:
        """Call the pages router callback as the browser does: the page's whole layout."""
        body = json.dumps({
            "output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"},
                        {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": pathname},
                       {"id": "_pages_location", "property": "search", "value": search}],
            "changedPropIds": ["_pages_location.pathname"], "state": [],
        }).encode()
        status, _, text = self.request("POST", "/_dash-update-component", body,
                                       "application/json")
        return status, text


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None

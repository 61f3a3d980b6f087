"""Production hardening of the Flask server: login throttling and security headers.

Throttling (Flask-Limiter): only FAILED sign-ins count (`deduct_when`), per user name and
per client address, in tiers (settings `login_limits`, default 5 a minute, 20 an hour, 50
a day per user name): each tier reached locks the name out longer. Counters live in
`rate_limit_storage`: `memory://` for one process, Redis when gunicorn runs several
workers (the compose file points it at the stack's Redis). A locked-out request gets the
login form again, status 429, saying how long to wait; an admin unlocks a name with
`credit-scoreboard users unlock NAME` or the button of the Audit page.

Headers (a small after-request hook, on every response, errors and redirects included):
a content security policy whose only inline scripts are Dash's own, allowed by their hash
(`app.csp_hashes()`), framing refused, no MIME sniffing, no referrer to other sites;
with `tls` the session cookie is Secure and browsers are told to stay on https.
"""

from __future__ import annotations

import math
import time

import dash
import flask
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address
from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from werkzeug.middleware.proxy_fix import ProxyFix

from dashboards import audit
from dashboards.settings import DashboardSettings

KEY_PREFIX = "credit-scoreboard"
STRATEGY = "moving-window"  # a lockout lasts until the oldest failure leaves the window
USER_SCOPE, ADDRESS_SCOPE = "login-user", "login-address"
FAILED = (401,)  # the login view's answer to a wrong password

# 'unsafe-inline' stays for styles only: React, Plotly and AG Grid set style attributes
# and inject <style> elements; a style cannot run code. Scripts: 'self' and hashes.
BASE_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def login_name() -> str:
    """The user name a sign-in tries (the counters' key), normalised."""
    return (flask.request.form.get("username") or "").strip().lower()[:128] or "-"


def _failed(response: flask.Response) -> bool:
    return response.status_code in FAILED


def _locked_out(limit: RequestLimit) -> flask.Response:
    """The login form again with the reason, instead of a bare 429 page; one audit row."""
    from dashboards import auth  # auth imports nothing of this module: no cycle

    wait = max(1, math.ceil(limit.window[0] - time.time()))  # when the lockout ends
    if not flask.g.get("lockout_recorded"):
        flask.g.lockout_recorded = True
        known = auth.current_directory().users().get(
            (flask.request.form.get("username") or "").strip())
        audit.record("login_locked", username=known.username if known else audit.UNKNOWN_USER,
                     role=known.role if known else None,
                     detail={"limit": str(limit.limit), "retry_after_seconds": wait,
                             "by": "user" if USER_SCOPE in limit.key else "address"})
    minutes = f"{wait} seconds" if wait < 120 else f"{round(wait / 60)} minutes"
    response = auth.login_form(
        auth.safe_next(flask.request.form.get("next")),
        f"Too many failed sign-ins. Try again in {minutes}, or ask an administrator to "
        "unlock your account.", 429)
    response.headers["Retry-After"] = str(wait)
    return response


def install_limiter(server: flask.Flask, settings: DashboardSettings) -> Limiter:
    """Throttle POST /login (the view dashboards.auth.install added)."""
    # Redis unreachable: each worker counts in its own memory meanwhile (still throttled).
    limiter = Limiter(get_remote_address, app=server, storage_uri=settings.rate_limit_storage,
                      strategy=STRATEGY, key_prefix=KEY_PREFIX, headers_enabled=False,
                      default_limits=[], in_memory_fallback_enabled=True)
    view = server.view_functions["login"]
    for limits, scope, key in ((settings.login_limits, USER_SCOPE, login_name),
                               (settings.login_limits_per_address, ADDRESS_SCOPE,
                                get_remote_address)):
        view = limiter.shared_limit(limits, scope=scope, key_func=key, methods=["POST"],
                                    deduct_when=_failed, on_breach=_locked_out)(view)
    server.view_functions["login"] = view
    server.config["LIMITER"] = limiter
    return limiter


def _strategy(settings: DashboardSettings, limiter: Limiter | None = None):
    if limiter is not None:
        return limiter.limiter
    return MovingWindowRateLimiter(storage_from_string(settings.rate_limit_storage))


def unlock(settings: DashboardSettings, username: str | None = None,
           address: str | None = None, limiter: Limiter | None = None) -> None:
    """Forget the failed sign-ins of a user name and/or a client address: in the running
    server's own storage (`limiter`), else in the configured shared storage (the CLI)."""
    strategy = _strategy(settings, limiter)
    for value, limits, scope in ((username, settings.login_limits, USER_SCOPE),
                                 (address, settings.login_limits_per_address, ADDRESS_SCOPE)):
        if value:
            key = value.strip().lower() if scope == USER_SCOPE else value
            for item in parse_many(limits):
                strategy.clear(item, KEY_PREFIX, key, scope)


def content_security_policy(script_hashes: list[str]) -> str:
    policy = dict(BASE_POLICY)
    policy["script-src"] = " ".join(["'self'", *script_hashes])
    return "; ".join(f"{name} {value}" for name, value in policy.items())


def install_headers(server: flask.Flask, settings: DashboardSettings,
                    app: dash.Dash | None = None) -> None:
    """The headers of every response. The script hashes are computed each time (a few
    short strings): a page module imported late still gets its clientside callbacks in."""
    server.config.update(SESSION_COOKIE_SECURE=settings.tls)
    if settings.proxy_hops:  # the client's address and scheme as the proxy saw them
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=settings.proxy_hops,
                                   x_proto=settings.proxy_hops, x_host=settings.proxy_hops)

    @server.after_request
    def security_headers(response: flask.Response) -> flask.Response:
        headers = response.headers
        headers["Content-Security-Policy"] = content_security_policy(
            list(app.csp_hashes()) if app else [])
        headers["X-Frame-Options"] = "DENY"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if settings.tls:
            headers["Strict-Transport-Security"] = "max-age=31536000"
        return response

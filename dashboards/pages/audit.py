"""The audit trail (admins only): sign-ins, failures, lockouts, sign-outs, password
changes, exports and PDF downloads, newest first, exportable (an export of the trail is
itself audited). And the lockout's unlock button. Every role check happens here, on the
server: the menu hides the link from the others, the page and the callbacks refuse them."""

from __future__ import annotations

import json

import dash
import dash_bootstrap_components as dbc
import flask
import pandas as pd
from dash import Input, Output, State, html, no_update

from dashboards import audit, components, i18n, security
from dashboards.auth import current_user
from dashboards.components import Page

dash.register_page(__name__, path="/audit", name="Audit", title="Audit trail", order=20,
                   admin_only=True)
PAGE = "audit"
SHOWN = 2000  # the latest rows on screen; the export holds the whole trail
COLUMNS = ("at_utc", "event", "username", "role", "target", "file_format", "row_count",
           "filters", "scope", "client_address", "path", "detail")
UNLOCK_NAME, UNLOCK_BUTTON, UNLOCK_RESULT = "unlock-username", "unlock-button", "unlock-result"


def is_admin() -> bool:
    user = current_user() if flask.has_request_context() else None
    return user is not None and user.role == "admin"


def _scope_text(scope: str | None) -> str | None:
    """'segments SME; regions North' or 'all' rather than the stored JSON."""
    if not isinstance(scope, str) or not scope:  # no user: missing (NaN from pandas)
        return None
    restriction = {key: values for key, values in json.loads(scope).items()
                   if isinstance(values, list) and values}
    return "; ".join(f"{key} {', '.join(values)}" for key, values in restriction.items()) \
        or "all"


def _trail(limit: int | None = None) -> pd.DataFrame:
    frame = audit.read(flask.current_app.config["AUDIT_DB"], limit)[list(COLUMNS)]
    frame["scope"] = frame["scope"].map(_scope_text)
    # to the second, as a reader says it (stored with microseconds and the offset)
    frame["at_utc"] = pd.to_datetime(frame["at_utc"], utc=True, format="ISO8601").dt.strftime(
        "%Y-%m-%d %H:%M:%S")
    return frame


def _audit_export(warehouse, filters, scope, query) -> pd.DataFrame:
    """The whole trail, for admins; nothing for anyone else."""
    if not is_admin():
        return pd.DataFrame(columns=list(COLUMNS))
    return _trail()


components.register_export("audit-trail", _audit_export)


def layout(**query):
    return components.render(PAGE, "/audit", query, _body, global_filters=False)


def _body(page: Page) -> list:
    if not is_admin():
        return [dbc.Alert(page.t("Only administrators can read the audit trail."),
                          color="danger", id="audit-refused")]
    trail = _trail(SHOWN)
    return [
        html.H3(page.t("Audit trail")),
        html.P(page.t("Sign-ins, failed sign-ins, lockouts, sign-outs, password changes, "
                      "exports and PDF downloads, newest first ({rows} shown; the export "
                      "holds the whole trail).", rows=len(trail)),
               className="text-muted", id="audit-intro"),
        components.table("audit-trail", trail, page, pinned=("at_utc", "event"),
                         export="audit-trail", columns=COLUMNS[:9]),
        html.H5(page.t("Unlock a user"), className="mt-3"),
        html.P(page.t("Forgets the failed sign-ins of a user name, which may sign in again "
                      "at once."), className="text-muted small"),
        dbc.InputGroup([
            dbc.Input(id=UNLOCK_NAME, placeholder=page.t("User name"), type="text"),
            dbc.Button(page.t("Unlock"), id=UNLOCK_BUTTON, color="secondary"),
        ], size="sm", className="unlock-form", style={"maxWidth": "28rem"}),
        html.Div(id=UNLOCK_RESULT, className="small mt-1"),
    ]


@dash.callback(Output(UNLOCK_RESULT, "children"), Input(UNLOCK_BUTTON, "n_clicks"),
               State(UNLOCK_NAME, "value"), prevent_initial_call=True)
def unlock(clicks, username):
    if not clicks or not (username or "").strip():
        return no_update
    locale = i18n.current_locale()
    if not is_admin():  # a crafted callback from another role
        return i18n.translate("Only administrators can unlock a user.", locale)
    config = flask.current_app.config
    security.unlock(config["DASHBOARD_SETTINGS"], username.strip(),
                    limiter=config["LIMITER"])
    audit.record_user("unlock", current_user(), target=username.strip())
    return i18n.translate("{user}: unlocked.", locale, user=username.strip())

"""The dashboard as a WSGI application, for gunicorn (`gunicorn_app:server`).

The same `create_app` that `credit-scoreboard serve` runs, on the warehouse and users
file named by the environment (CREDIT_SCOREBOARD_WAREHOUSE, CREDIT_SCOREBOARD_USERS).
"""

from credit_scoreboard import settings
from dashboards.app import create_app
from dashboards.settings import default_users_file

app = create_app(settings.default_warehouse(), default_users_file())
server = app.server

"""gunicorn settings of the dashboard service (every value overridable by environment)."""

import os
from pathlib import Path

wsgi_app = "gunicorn_app:server"
pythonpath = str(Path(__file__).resolve().parent)

bind = os.environ.get("DASHBOARD_BIND", "0.0.0.0:8050")
# Each worker is a process with its own Dash app; DuckDB already parallelises each
# query, so a few workers with a few threads each suit a small credit team.
workers = int(os.environ.get("DASHBOARD_WORKERS", "2"))
threads = int(os.environ.get("DASHBOARD_THREADS", "4"))
timeout = int(os.environ.get("DASHBOARD_TIMEOUT_SECONDS", "120"))
accesslog = "-"
errorlog = "-"
# The worker's pid on each line: which worker served a request (login throttling must hold
# across workers: its counters live in Redis, tests/test_security_gunicorn.py).
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" pid=%(p)s'

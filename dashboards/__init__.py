"""The credit scoreboard dashboard (Dash): reads the published warehouse read-only.

`app.py` builds the app, `data.py` is the only module that talks to DuckDB, `pages/`
holds one module per page, `auth.py` and `users.py` the login and the users file.
"""

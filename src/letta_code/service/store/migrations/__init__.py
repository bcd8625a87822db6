"""Alembic migrations of the service's SQLite database; `store/db.py` applies them on start.

`env.py` runs them on the connection `db.py` hands in; `versions/` holds one module per
revision. Part of `service.store`: it must not import `cli`, `harness`, `tools`, `server`
or `client`.
"""

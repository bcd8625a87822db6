"""The service's storage: SQLAlchemy models and repositories over SQLite (agents and
blocks, conversations and messages, runs and their chunks, full-text search, block
revisions), the database opener (`db.py`) and the Alembic migrations (`migrations/`).

SQLite only today. Part of `service`, so it must not import `cli`, `harness`, `tools`,
`server` or `client`; it imports only `schemas`, `service.errors` and
`letta_code.errors` (not `service.agent` or `service.llm`).
"""

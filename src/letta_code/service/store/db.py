"""Open the SQLite database: WAL mode, busy timeout, migrations applied on start.

Start-up stays fast: Alembic is imported only when the database is behind the
newest migration (a fresh home, or after an upgrade of letta).
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

# The newest migration in migrations/versions; bump together with a new migration.
HEAD_REVISION = "0004"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class DatabaseError(Exception):
    """The database cannot be opened or migrated."""


def _on_connect(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def create_sqlite_engine(path: Path) -> Engine:
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"timeout": 30, "check_same_thread": False},
    )
    event.listen(engine, "connect", _on_connect)
    return engine


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        has_table = conn.execute(
            text("SELECT name FROM sqlite_master WHERE type='table' AND name='alembic_version'")
        ).first()
        if not has_table:
            return None
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        return row[0] if row else None


@contextlib.contextmanager
def _migration_lock(db_path: Path) -> Iterator[None]:
    """Only one process migrates a database at a time."""
    lock_path = db_path.with_suffix(".migrate.lock")
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def migrate(engine: Engine, db_path: Path) -> None:
    """Bring the schema to HEAD_REVISION with Alembic (no-op when already there)."""
    if current_revision(engine) == HEAD_REVISION:
        return
    with _migration_lock(db_path):
        if current_revision(engine) == HEAD_REVISION:
            return
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")


def open_database(path: Path) -> sessionmaker[Session]:
    """Open (creating and migrating as needed) the database at `path`."""
    try:
        engine = create_sqlite_engine(path)
        migrate(engine, path)
    except Exception as exc:  # sqlite3/SQLAlchemy errors: one clear line for the CLI
        raise DatabaseError(f"cannot open the database at {path}: {exc}") from exc
    return sessionmaker(engine, expire_on_commit=False)

"""Open the SQLite database: WAL mode, busy timeout, migrations applied on start.

Start-up stays fast: Alembic is imported only when the database is behind the
newest migration (a fresh home, or after an upgrade of letta).

Every statement and commit of the store passes through the engine made here, so this
is where a failing database (read-only, disk full, locked too long, unopenable,
damaged) becomes one `DatabaseError`: the file and the cause in plain words, never
SQL text or parameters. Every ORM flush passes `text.refuse_bad_text` first.
"""

from __future__ import annotations

import contextlib
import fcntl
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.orm import Session, sessionmaker

from letta_code.errors import UserError
from letta_code.service.errors import BadRequestError
from letta_code.service.store.text import NOT_UTF8, refuse_bad_text

# The newest migration in migrations/versions; bump together with a new migration.
HEAD_REVISION = "0004"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class DatabaseError(UserError):
    """The database cannot be opened, read or written; the message says which file and why."""

    status_code = 503  # the server is up, its storage is not


# SQLite's messages (sqlite3.OperationalError and friends) and what they mean for the user.
_CAUSES = (
    (
        "readonly",
        "cannot write the database {path}: it is read-only (check the permissions of the file and its folder)",
    ),
    ("disk is full", "cannot write the database {path}: the disk is full"),
    (
        "unable to open",
        "cannot open the database {path}: the file or its folder cannot be opened or created (check that the folder exists and is writable)",
    ),
    ("locked", "the database {path} stayed locked by another process for too long; try again"),
    ("busy", "the database {path} stayed locked by another process for too long; try again"),
    ("disk i/o", "cannot use the database {path}: the disk failed to read or write it (disk I/O error)"),
    (
        "not a database",
        "cannot use the database {path}: the file is not a SQLite database (move it away to start afresh)",
    ),
    ("malformed", "cannot use the database {path}: the file is damaged (database disk image is malformed)"),
)


def explain(error: BaseException, path: Path) -> DatabaseError:
    """The one-line `DatabaseError` for a sqlite3 or file-system error on the database at `path`."""
    if isinstance(error, OSError) and not isinstance(error, sqlite3.Error):
        where = error.filename or path
        return DatabaseError(f"cannot open the database {path}: {where}: {error.strerror or error}")
    message = str(error.args[0] if error.args else error)
    lowered = message.lower()
    for needle, template in _CAUSES:
        if needle in lowered:
            return DatabaseError(template.format(path=path))
    return DatabaseError(f"cannot use the database {path}: {_short(message)}")


def _short(message: str, limit: int = 160) -> str:
    line = message.strip().splitlines()[0] if message.strip() else "unknown error"
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _is_database_fault(error: BaseException | None) -> bool:
    """SQLite failing at its job (OperationalError, or the bare DatabaseError of a damaged file).

    Integrity and programming errors are bugs or conflicts of ours: they stay as they are.
    """
    return isinstance(error, sqlite3.OperationalError) or type(error) is sqlite3.DatabaseError


def _translate_errors(engine: Engine, path: Path) -> None:
    """Every failing statement, commit or connect of `engine` raises `explain`'s one line instead."""

    def handle_error(context: ExceptionContext) -> BaseException | None:
        error = context.original_exception
        if _is_database_fault(error):
            return explain(error, path)
        if isinstance(error, UnicodeEncodeError):  # the driver refusing a lone surrogate
            return BadRequestError(f"a value to store is not valid Unicode text (a lone surrogate), {NOT_UTF8}")
        return None

    event.listen(engine, "handle_error", handle_error)


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
    _translate_errors(engine, path)
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
    except DatabaseError:
        raise
    except (OSError, sqlite3.Error) as exc:
        raise explain(exc, path) from exc
    except Exception as exc:  # Alembic (a database from a newer letta, say): one clear line
        raise DatabaseError(f"cannot open the database {path}: {_short(str(exc))}") from exc
    sessions = sessionmaker(engine, expire_on_commit=False)
    event.listen(sessions, "before_flush", refuse_bad_text)
    return sessions

"""A failing database is one short line naming the file and the cause: no SQL, no parameters."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from letta_code.errors import UserError
from letta_code.service.service import AgentService
from letta_code.service.store.db import DatabaseError, explain
from letta_code.testing import ModelServer
from tests.conftest import read_only
from tests.server.conftest import API_KEY, start_live_server

LEAKS = ("SELECT", "INSERT", "UPDATE", "sqlalche.me", "[SQL", "parameters")


def assert_short(error: BaseException, path: Path) -> None:
    message = str(error)
    assert isinstance(error, UserError) and getattr(error, "status_code", None) == 503
    assert str(path) in message and "\n" not in message and len(message) < 300, message
    assert not any(leak in message for leak in LEAKS), message


def make_database(path: Path) -> None:
    service = AgentService(path, {})
    service.create_agent(name="a", model="openai/gpt-4.1")
    service.runs.engine.dispose()


def test_a_read_only_database_file_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "letta.db"
    make_database(db)
    with read_only(db):
        service = AgentService(db, {})
        assert [a.name for a in service.agents.list_agents()] == ["a"]  # reading still works
        with pytest.raises(DatabaseError) as info:
            service.create_agent(name="b", model="openai/gpt-4.1")
        service.runs.engine.dispose()
    assert (
        str(info.value)
        == f"cannot write the database {db}: it is read-only (check the permissions of the file and its folder)"
    )
    assert_short(info.value, db)


def test_a_folder_where_the_database_cannot_be_created_is_one_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    with read_only(home), pytest.raises(DatabaseError) as info:
        AgentService(home / "letta.db", {})
    assert str(info.value).startswith(f"cannot open the database {home / 'letta.db'}: ")
    assert_short(info.value, home / "letta.db")


def test_a_full_disk_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "letta.db"
    service = AgentService(db, {})
    engine = service.runs.engine
    engine.dispose()

    def no_room_to_grow(dbapi_conn: Any, _record: Any) -> None:
        # SQLITE_FULL, as on a full disk: the file may not grow past its current size.
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")

    event.listen(engine, "connect", no_room_to_grow)
    with pytest.raises(DatabaseError) as info:
        service.agents.create_block("notes", "x" * 1_000_000)
    assert str(info.value) == f"cannot write the database {db}: the disk is full"
    assert_short(info.value, db)


def test_a_file_that_is_not_a_database_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "letta.db"
    db.write_bytes(b"these are my notes, not a database\n" * 200)
    with pytest.raises(DatabaseError) as info:
        AgentService(db, {})
    assert "the file is not a SQLite database" in str(info.value)
    assert_short(info.value, db)


def test_a_database_locked_too_long_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "letta.db"
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")  # holds the write lock
    other = sqlite3.connect(db, timeout=0)
    with pytest.raises(sqlite3.OperationalError) as locked:
        other.execute("INSERT INTO t VALUES (1)")
    holder.execute("ROLLBACK")
    holder.close()
    other.close()
    error = explain(locked.value, db)
    assert str(error) == f"the database {db} stayed locked by another process for too long; try again"
    assert_short(error, db)


def test_over_http_a_read_only_database_is_a_503_with_the_short_line(tmp_path: Path, model_server: ModelServer) -> None:
    db = tmp_path / "letta.db"
    make_database(db)
    with read_only(db):
        live, thread = start_live_server(tmp_path, model_server)
        try:
            headers = {"Authorization": f"Bearer {API_KEY}"}
            response = httpx.post(f"{live.url}/v1/blocks", json={"label": "notes", "value": "x"}, headers=headers)
        finally:
            thread.stop()
            live.service.runs.engine.dispose()
    assert response.status_code == 503, response.text
    assert response.json()["detail"].startswith(f"cannot write the database {db}: it is read-only")

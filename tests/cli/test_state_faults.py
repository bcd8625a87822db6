"""What a fault leaves behind for the next `letta -p`: nothing poisons, nothing stays busy,
nothing is silently reset, and a failing database is one short line."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import time

from letta_code.service.service import AgentService
from letta_code.testing import ModelServer, Reply
from tests.conftest import Letta, letta_executable
from tests.service.store.test_db import LEAKS, read_only

MODEL = ["-m", "openai/gpt-4.1"]


def run_bytes(letta: Letta, *args: str, stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*letta_executable(), *args], cwd=letta.cwd, env=letta.env, input=stdin, capture_output=True, timeout=60
    )


def first_session(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(text="hello")])
    proc = letta.run("-p", "hi", *MODEL)
    assert proc.returncode == 0, proc.stderr


def test_stdin_that_is_not_utf8_does_not_poison_the_conversation(letta: Letta, model_server: ModelServer) -> None:
    # printf 'caf\xe9\n' | letta -p ; then letta -p again, in the same folder
    run_bytes(letta, "-p", *MODEL, stdin=b"caf\xe9\n")
    model_server.script([Reply(text="still here")])
    again = letta.run("-p", "are you there?", *MODEL)
    assert again.returncode == 0, again.stderr
    assert again.stdout == "still here\n"
    assert model_server.last_user_text() == "are you there?"


def test_stdin_that_is_not_utf8_is_sent_with_a_replacement_character(letta: Letta, model_server: ModelServer) -> None:
    """Needs the CLI's half: stdin decoded with replacement before it reaches the service."""
    model_server.script([Reply(text="café noted")])
    proc = run_bytes(letta, "-p", *MODEL, stdin=b"caf\xe9\n")
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    assert model_server.last_user_text().strip() == "caf\ufffd"


def test_a_sigkilled_turn_leaves_the_conversation_free_at_once(letta: Letta, model_server: ModelServer) -> None:
    first_session(letta, model_server)
    model_server.script([Reply(text="never finished", stall="silent", stall_for=60)])
    killed = subprocess.Popen(
        [*letta_executable(), "-p", "a long one", *MODEL],
        cwd=letta.cwd,
        env=letta.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        model_server.wait_for_requests(2, timeout=30)
        os.kill(killed.pid, signal.SIGKILL)
        # Not reaped yet (a zombie: signal 0 still reaches it), as when its parent is busy.
        model_server.script([Reply(text="free again")])
        started = time.monotonic()
        again = letta.run("-p", "next", *MODEL)
        took = time.monotonic() - started
    finally:
        killed.wait()
    assert again.returncode == 0, again.stderr
    assert again.stdout == "free again\n"
    assert took < 4, f"the next turn waited {took:.1f}s for a dead process"


def test_an_empty_settings_file_is_an_error_and_the_shared_blocks_stay(letta: Letta, model_server: ModelServer) -> None:
    first_session(letta, model_server)
    settings = letta.home / "settings.json"
    assert stat.S_IMODE(settings.stat().st_mode) == 0o600  # it may hold credentials
    ids = json.loads(settings.read_text())["globalSharedBlockIds"]
    blocks = {b.id for b in AgentService(letta.home / "letta.db", {}).agents.list_blocks()}
    assert set(ids.values()) <= blocks

    settings.write_text("")  # what a crash mid-write, or `> settings.json`, leaves
    proc = letta.run("-p", "hi again", *MODEL)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and str(settings) in lines[0] and "is empty" in lines[0], proc.stderr
    assert settings.read_text() == ""  # not rewritten from an empty object
    assert {b.id for b in AgentService(letta.home / "letta.db", {}).agents.list_blocks()} == blocks


def test_a_read_only_database_is_one_short_line(letta: Letta, model_server: ModelServer) -> None:
    first_session(letta, model_server)
    db = letta.home / "letta.db"
    with read_only(db):
        proc = letta.run("-p", "hi", *MODEL)
    assert proc.returncode != 0
    out = proc.stderr.strip()
    assert len(out.splitlines()) == 1 and len(out) < 300, out
    assert not any(leak in out for leak in LEAKS), out
    assert f"cannot write the database {db}: it is read-only" in out


def test_a_read_only_database_is_not_called_unexpected(letta: Letta, model_server: ModelServer) -> None:
    """Needs the CLI's half: a UserError is printed as itself, not as an unexpected error."""
    first_session(letta, model_server)
    with read_only(letta.home / "letta.db"):
        proc = letta.run("-p", "hi", *MODEL)
    assert proc.returncode != 0
    assert "unexpected" not in proc.stderr and "DatabaseError" not in proc.stderr, proc.stderr

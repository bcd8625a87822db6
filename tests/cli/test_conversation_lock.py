"""Two `letta -p` at once in one directory: real processes, one SQLite home, a model reply
that stalls the first so the second starts while the first still works."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from letta_code.cli import conversation_lock
from letta_code.testing import ModelServer, Reply
from tests.conftest import Letta, letta_executable

MODEL = ["-m", "openai/gpt-4.1"]


def start(letta: Letta, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*letta_executable(), *args],
        cwd=letta.cwd,
        env=letta.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out, err


def first_turn_stalls(letta: Letta, model_server: ModelServer, second: Reply) -> tuple[subprocess.Popen[str], str]:
    """A first turn that made the agent, then a second one whose model reply stalls; its conversation."""
    model_server.script([Reply(text="setup")])
    setup = letta.run("-p", "hi", "--output-format", "json", *MODEL)
    assert setup.returncode == 0, setup.stderr
    default = json.loads(setup.stdout)["conversation_id"]
    model_server.clear()
    model_server.script([Reply(text="first", stall="keepalive", stall_for=4), second])
    first = start(letta, "-p", "one", "--output-format", "json", *MODEL)
    model_server.wait_for_requests(1, timeout=30)  # the first holds its conversation now
    return first, default


def test_second_headless_turn_moves_to_a_new_conversation_of_the_agent(letta: Letta, model_server: ModelServer) -> None:
    first, default = first_turn_stalls(letta, model_server, Reply(text="second"))
    code, out, err = finish(start(letta, "-p", "two", "--output-format", "json", *MODEL))
    assert code == 0, err
    second = json.loads(out)
    assert second["result"] == "second" and second["conversation_id"] != default
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "busy with another letta" in lines[0] and second["conversation_id"] in lines[0], err
    code, out, err = finish(first)
    assert code == 0, err
    first_result = json.loads(out)
    assert first_result["result"] == "first" and first_result["conversation_id"] == default
    assert first_result["agent_id"] == second["agent_id"]  # the same agent: its memory is shared
    # Nothing holds the default conversation now: the next turn is back in it.
    model_server.script([Reply(text="third")])
    third = letta.run("-p", "three", "--output-format", "json", *MODEL)
    assert third.returncode == 0 and third.stderr == "", third.stderr
    assert json.loads(third.stdout)["conversation_id"] == default


def test_two_turns_started_together_in_a_new_directory_share_one_agent(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(text="slow", stall="keepalive", stall_for=3), Reply(text="quick")])
    procs = [start(letta, "-p", f"turn {i}", "--output-format", "json", *MODEL) for i in range(2)]
    done = [finish(proc) for proc in procs]
    assert [code for code, _, _ in done] == [0, 0], [err for _, _, err in done]
    results = [json.loads(out) for _, out, _ in done]
    assert results[0]["agent_id"] == results[1]["agent_id"]  # one agent made, not two
    assert results[0]["conversation_id"] != results[1]["conversation_id"]
    notes = [err for _, _, err in done if err]
    assert len(notes) == 1 and "busy with another letta" in notes[0], notes
    with sqlite3.connect(letta.home / "letta.db") as db:
        assert db.execute("SELECT count(*) FROM agents").fetchone() == (1,)


def test_continue_names_the_conversation_so_a_busy_one_is_refused(letta: Letta, model_server: ModelServer) -> None:
    first, default = first_turn_stalls(letta, model_server, Reply(text="never"))
    code, out, err = finish(start(letta, "-p", "two", "--continue", *MODEL))
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and f"conversation {default} is busy with another letta" in lines[0], err
    assert "--continue" in lines[0]
    assert finish(first)[0] == 0
    assert len(model_server.model_requests) == 1  # the refused turn never reached the model


def test_busy_run_without_a_lock_still_moves(letta: Letta, model_server: ModelServer) -> None:
    """Where no lock can be taken (here: a file where the locks folder goes), the service's
    own busy answer moves the second turn all the same."""
    first, default = first_turn_stalls(letta, model_server, Reply(text="second"))
    (letta.home / "locks").rename(letta.home / "locks-gone")
    (letta.home / "locks").write_text("not a folder")
    # The first process took its lock before the folder went: the second cannot see it.
    code, out, err = finish(start(letta, "-p", "two", "--output-format", "json", *MODEL))
    assert code == 0, err
    second = json.loads(out)
    assert second["result"] == "second" and second["conversation_id"] != default
    assert "busy with another letta" in err and len(err.strip().splitlines()) == 1, err
    assert finish(first)[0] == 0


def test_a_lock_is_free_again_when_its_process_ends(tmp_path: Path) -> None:
    with subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; sys.path.insert(0, sys.argv[1]);"
            "from letta_code.cli import conversation_lock as c; from pathlib import Path;"
            "print(c.claim(Path(sys.argv[2]), 'conv-1'), flush=True); time.sleep(30)",
            str(Path(conversation_lock.__file__).parents[2]),
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "True"
            assert conversation_lock.claim(tmp_path, "conv-1") is False
            assert conversation_lock.holder(tmp_path, "conv-1") == holder.pid
        finally:
            holder.kill()
            holder.wait()
    assert conversation_lock.claim(tmp_path, "conv-1") is True
    conversation_lock.release_all()

"""`letta -p` with the flags hosts written for the official CLI pass: a conversation or an
agent named directly, a turn limit, partial-message events, no skills, and the official
CLI's flags that mean nothing here (accepted, named once on stderr)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from letta_code.testing import ModelServer, Reply
from tests.conftest import Letta

MODEL = ["-m", "openai/gpt-4.1"]


def result_of(stdout: str) -> dict[str, object]:
    return dict(json.loads(stdout))


def test_the_official_clis_test_argv_runs(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(text="hello")])
    proc = letta.run(
        "-p", "hi", "--output-format", "stream-json", "--memfs-startup", "skip", "--no-mods",
        "--no-system-info-reminder", "--backend", "api", "--yolo", *MODEL,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.splitlines()[-1])["result"] == "hello"
    notes = [line for line in proc.stderr.splitlines() if "official Letta Code CLI" in line]
    assert len(notes) == 1 and "--memfs-startup" in notes[0] and "--backend" in notes[0]


def test_a_conversation_named_directly_brings_its_agent(
    letta: Letta, model_server: ModelServer, tmp_path: Path
) -> None:
    model_server.script([Reply(text="first"), Reply(text="second")])
    first = result_of(letta.run("-p", "remember 7", "--new", "--output-format", "json", *MODEL).stdout)
    elsewhere = tmp_path / "elsewhere"  # no agent of its own: only the flag says which
    elsewhere.mkdir()
    proc = letta.run("-p", "and now?", "--conversation", str(first["conversation_id"]), "--output-format", "json",
                     cwd=elsewhere)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    second = result_of(proc.stdout)
    assert (second["agent_id"], second["conversation_id"]) == (first["agent_id"], first["conversation_id"])
    assert "remember 7" in json.dumps(model_server.last_messages())  # the conversation's history
    missing = letta.run("-p", "x", "--conv", "conv-nope", *MODEL)
    assert missing.returncode == 1 and "conversation conv-nope not found" in missing.stderr


def test_an_agent_named_by_its_name(letta: Letta, model_server: ModelServer, tmp_path: Path) -> None:
    model_server.script([Reply(text="first"), Reply(text="second")])
    first = result_of(letta.run("-p", "hi", "--output-format", "json", *MODEL).stdout)
    with sqlite3.connect(letta.home / "letta.db") as db:
        [(name,)] = db.execute("SELECT name FROM agents WHERE id = ?", (first["agent_id"],)).fetchall()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = letta.run("-p", "hi again", "--name", name, "--output-format", "json", cwd=elsewhere)
    assert proc.returncode == 0, proc.stderr
    assert result_of(proc.stdout)["agent_id"] == first["agent_id"]
    unknown = letta.run("-p", "x", "-n", "nobody-has-this-name", *MODEL)
    assert unknown.returncode == 1 and "no agent is named 'nobody-has-this-name'" in unknown.stderr


def test_max_turns_reached_is_an_error(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(tool_calls=[("Bash", {"command": "echo one"})]), Reply(text="never asked")])
    proc = letta.run("-p", "go", "--yolo", "--max-turns", "1", "--output-format", "json", *MODEL)
    assert proc.returncode == 1
    assert "maximum turns reached" in proc.stderr
    result = result_of(proc.stdout)
    assert result["is_error"] is True and result["num_turns"] == 1
    assert len(model_server.requests) == 1  # the second step was never asked for


def test_partial_messages_come_as_stream_events(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(text="Hi there, friend.")])
    proc = letta.run("-p", "hi", "--output-format", "stream-json", "--include-partial-messages", *MODEL)
    assert proc.returncode == 0, proc.stderr
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [e["type"] for e in events[:1] + events[-1:]] == ["init", "result"]
    middle = events[1:-1]
    assert middle and all(e["type"] == "stream_event" for e in middle)
    texts = [e["event"]["content"] for e in middle if e["event"]["messageType"] == "assistant_message"]
    assert "".join(texts) == "Hi there, friend." and len(texts) > 1
    assert all(e["session_id"] == events[0]["agent_id"] and e["uuid"] for e in middle)


def test_no_skills_loads_none(letta: Letta, model_server: ModelServer) -> None:
    skill = letta.cwd / ".skills" / "deploy"
    skill.mkdir(parents=True)
    (skill / "SKILL.md").write_text("---\nname: Deploy\ndescription: Ships it to production\n---\nRun make deploy.\n")
    model_server.script([Reply(text="one"), Reply(text="two")])
    assert letta.run("-p", "hi", *MODEL).returncode == 0
    assert "Ships it to production" in model_server.last_system_prompt()
    proc = letta.run("-p", "hi", "--no-skills", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert "Ships it to production" not in model_server.last_system_prompt()


def test_a_system_prompt_given_is_saved_on_the_agent(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(text="arr"), Reply(text="still arr")])
    proc = letta.run("-p", "hi", "--system", "You are a pirate who codes.", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert model_server.last_system_prompt().startswith("You are a pirate who codes.")
    assert letta.run("-p", "hi again", *MODEL).returncode == 0  # no flag: the agent keeps it
    assert model_server.last_system_prompt().startswith("You are a pirate who codes.")
    prompt_file = letta.cwd / "system.txt"
    prompt_file.write_text("You review code and nothing else.\n")
    model_server.script([Reply(text="reviewing")])
    assert letta.run("-p", "hi", "--system-file", str(prompt_file), *MODEL).returncode == 0
    assert model_server.last_system_prompt().startswith("You review code and nothing else.")
    missing = letta.run("-p", "hi", "--system-file", "nope.txt", *MODEL)
    assert missing.returncode == 1 and "--system-file: cannot read nope.txt" in missing.stderr
    empty = letta.run("-p", "hi", "--system", " ", *MODEL)
    assert empty.returncode == 1 and "the system prompt is empty" in empty.stderr

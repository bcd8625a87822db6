"""`letta -p` as a user runs it: a real subprocess, a real SQLite home, the scripted model."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from letta_code.testing import ModelServer, Reply
from letta_code.tools.registry import ALL_TOOL_NAMES
from tests.conftest import Letta, letta_executable

MODEL = ["-m", "openai/gpt-4.1"]


def client_tools(server: ModelServer) -> list[str]:
    """The coding tools (not the service's own tools) in the last model request."""
    return [t for t in server.last_tools() if t in ALL_TOOL_NAMES]


def test_bash_turn_json_output_and_stored_messages(letta: Letta, model_server: ModelServer) -> None:
    model_server.script(
        [Reply(tool_calls=[("Bash", {"command": "echo hi > out.txt"})]), Reply(text="I wrote out.txt.")]
    )
    proc = letta.run("-p", "write hi to out.txt", "--yolo", "--output-format", "json", *MODEL)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["type"] == "result" and result["subtype"] == "success" and result["is_error"] is False
    assert result["result"] == "I wrote out.txt."
    assert result["agent_id"].startswith("agent-") and result["session_id"] == result["agent_id"]
    assert result["num_turns"] == 2
    assert (
        result["usage"]["total_tokens"] == result["usage"]["prompt_tokens"] + result["usage"]["completion_tokens"] > 0
    )
    assert (letta.cwd / "out.txt").read_text() == "hi\n"
    # The tool result the model saw is the command's (empty) output.
    tool_msgs = [m for m in model_server.last_messages() if m.get("role") == "tool"]
    assert len(tool_msgs) == 1
    with sqlite3.connect(letta.home / "letta.db") as db:
        rows = db.execute("SELECT role, tool_call_id IS NOT NULL FROM messages ORDER BY seq").fetchall()
    assert [r[0] for r in rows] == ["user", "assistant", "tool", "assistant"]


def test_text_output_prints_the_answer(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(text="Hi! How can I help you today?")])
    proc = letta.run("-p", "hi there", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "Hi! How can I help you today?\n"


def test_prompt_from_stdin(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(text="ok")])
    proc = letta.run("-p", *MODEL, input="Explain this code\n")
    assert proc.returncode == 0, proc.stderr
    assert "Explain this code" in model_server.last_user_text()


def test_tool_needing_approval_is_denied_in_headless(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(tool_calls=[("Bash", {"command": "touch made.txt"})]), Reply(text="It was denied.")])
    proc = letta.run("-p", "make a file", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert not (letta.cwd / "made.txt").exists()
    denial = [m for m in model_server.last_messages() if m.get("role") == "tool"][0]["content"]
    assert "--allowedTools" in denial or "--yolo" in denial


def test_stream_json_events_in_seed_order(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(reasoning="The user says hi.", text="Hi! How can I help you today?")])
    proc = letta.run("-p", "hi there", "--output-format", "stream-json", *MODEL)
    assert proc.returncode == 0, proc.stderr
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    assert events[0]["type"] == "init" and events[0]["agent_id"].startswith("agent-")
    assert "Bash" in events[0]["tools"]
    assert events[-1]["type"] == "result" and events[-1]["result"] == "Hi! How can I help you today?"
    messages = events[1:-1]
    assert all(e["type"] == "message" for e in messages)
    kinds = [e["messageType"] for e in messages]
    assert kinds[-2:] == ["stop_reason", "usage_statistics"]
    assert kinds.index("reasoning_message") < kinds.index("assistant_message")
    assert messages[-2]["stopReason"] == "end_turn"
    assert messages[-1]["totalTokens"] > 0
    deltas = [e for e in messages if e["messageType"] == "assistant_message"]
    assert len(deltas) > 1 and len({e["otid"] for e in deltas}) == 1  # token-level, one otid
    seqs = [e["seqId"] for e in messages]
    assert seqs == sorted(seqs)
    assert "".join(e["content"] for e in deltas) == "Hi! How can I help you today?"
    # The envelope hosts written for the official CLI read: on every line, with the seed's shapes kept.
    agent_id = events[0]["agent_id"]
    assert {e["session_id"] for e in events} == {agent_id}
    assert events[0]["uuid"] == f"init-{agent_id}" and events[-1]["uuid"].startswith("result-")
    assert all(e["uuid"] for e in events) and deltas[0]["uuid"] == deltas[0]["otid"]
    stamp = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
    assert all(stamp.match(e["timestamp"]) for e in events), events[0]["timestamp"]


def test_memory_edit_reaches_new_conversations_and_other_agents(
    letta: Letta, model_server: ModelServer, tmp_path: Path
) -> None:
    model_server.script(
        [
            Reply(
                tool_calls=[
                    (
                        "memory_replace",
                        {
                            "label": "human",
                            "old_str": "(Nothing known about the user yet.)",
                            "new_str": "Prefers tabs.",
                        },
                    )
                ]
            ),
            Reply(text="Noted."),
        ]
    )
    first = letta.run("-p", "I prefer tabs", "--output-format", "json", *MODEL)
    assert first.returncode == 0, first.stderr
    model_server.script([Reply(text="ok")])
    second = letta.run("-p", "hello", "--new", "--output-format", "json", *MODEL)
    assert json.loads(second.stdout)["agent_id"] == json.loads(first.stdout)["agent_id"]
    assert json.loads(second.stdout)["conversation_id"] != json.loads(first.stdout)["conversation_id"]
    assert "Prefers tabs." in model_server.last_system_prompt()
    # Another project: a new agent that shares the global human block.
    other = tmp_path / "other-project"
    other.mkdir()
    model_server.script([Reply(text="ok")])
    third = letta.run("-p", "hello", "--output-format", "json", *MODEL, cwd=other)
    assert json.loads(third.stdout)["agent_id"] != json.loads(first.stdout)["agent_id"]
    assert "Prefers tabs." in model_server.last_system_prompt()


def test_auto_resume_new_and_new_agent(letta: Letta, model_server: ModelServer) -> None:
    def run(*flags: str) -> dict[str, str]:
        model_server.script([Reply(text="ok")])
        proc = letta.run("-p", "hi", "--output-format", "json", *MODEL, *flags)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    first, again = run(), run()
    assert again["agent_id"] == first["agent_id"] and again["conversation_id"] == first["conversation_id"]
    fresh_conv = run("--new")
    assert fresh_conv["agent_id"] == first["agent_id"] and fresh_conv["conversation_id"] != first["conversation_id"]
    fresh_agent = run("--new-agent")
    assert fresh_agent["agent_id"] != first["agent_id"]
    assert run("--agent", first["agent_id"])["agent_id"] == first["agent_id"]
    local = json.loads((letta.cwd / ".letta" / "settings.local.json").read_text())
    assert local["lastAgent"] == first["agent_id"]
    assert (letta.cwd / ".letta" / ".gitignore").read_text() == "settings.local.json\n"


def test_tools_flag_controls_the_schemas_sent(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(text="ok")])
    assert letta.run("-p", "hi", "--tools", "Bash,Read", *MODEL).returncode == 0
    assert sorted(client_tools(model_server)) == ["Bash", "Read"]
    model_server.script([Reply(text="ok")])
    assert letta.run("-p", "hi", "--tools", "", *MODEL).returncode == 0
    assert not client_tools(model_server)


def test_model_switch_on_resume_says_so(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(text="ok"), Reply(text="ok")])
    assert letta.run("-p", "hi", *MODEL).returncode == 0
    proc = letta.run("-p", "hi", "-m", "openai/gpt-4o")
    assert proc.returncode == 0, proc.stderr
    assert "openai/gpt-4.1" in proc.stderr and "openai/gpt-4o" in proc.stderr
    assert model_server.last_request()["model"] == "gpt-4o"


@pytest.mark.parametrize(
    ("setup", "args", "expected"),
    [
        (None, ["-p", "hi", "-m", "nosuch/model"], "unknown model"),
        (None, ["-p", "hi", "--frobnicate"], "unrecognized arguments: --frobnicate"),
        ("settings", ["-p", "hi"], "is not valid JSON"),
        ("unreachable", ["-p", "hi"], "127.0.0.1:9"),
        (None, ["-p", "hi", "--permission-mode", "sideways"], "sideways"),
    ],
)
def test_bad_input_gives_one_clear_line(letta: Letta, setup: str | None, args: list[str], expected: str) -> None:
    if setup == "settings":
        (letta.home / "settings.json").write_text("{oops")
    if setup == "unreachable":
        letta.env["OPENAI_BASE_URL"] = "http://127.0.0.1:9/v1"
        args = [*args, *MODEL]
    proc = letta.run(*args)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert expected in lines[0]
    assert "Traceback" not in proc.stderr


def test_json_error_result(letta: Letta) -> None:
    letta.env["OPENAI_BASE_URL"] = "http://127.0.0.1:9/v1"
    proc = letta.run("-p", "hi", "--output-format", "json", *MODEL)
    assert proc.returncode == 1
    result = json.loads(proc.stdout)
    assert result["is_error"] is True and result["subtype"] == "error" and "127.0.0.1:9" in result["result"]


def test_no_provider_configured_says_how(letta: Letta) -> None:
    for key in [k for k in letta.env if k.startswith(("OPENAI_", "ANTHROPIC_"))]:
        del letta.env[key]
    proc = letta.run("-p", "hi")
    assert proc.returncode == 1
    assert "OPENAI_API_KEY" in proc.stderr and "ANTHROPIC_API_KEY" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_ctrl_c_exits_130(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(text="slow", delay=20)])
    proc = subprocess.Popen(
        [*letta_executable(), "-p", "hi", *MODEL],
        cwd=letta.cwd,
        env=letta.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    model_server.wait_for_requests(1, timeout=20)
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert "Traceback" not in err
    # The interrupted run does not block the conversation, and is not resumed later.
    model_server.script([Reply(text="back again")])
    again = letta.run("-p", "hi again", *MODEL)
    assert again.returncode == 0, again.stderr
    assert again.stdout == "back again\n"
    with sqlite3.connect(letta.home / "letta.db") as db:
        statuses = [row[0] for row in db.execute("SELECT status FROM runs ORDER BY created_at")]
    assert statuses == ["failed", "completed"]


def test_version_and_help(letta: Letta) -> None:
    version = letta.run("--version")
    assert version.returncode == 0 and version.stdout.startswith("0.")
    helptext = letta.run("--help").stdout
    for flag in (
        "--new-agent",
        "--continue",
        "--resume",
        "--tools",
        "--allowedTools",
        "--disallowedTools",
        "--permission-mode",
        "--yolo",
        "--skills",
        "--link",
        "--unlink",
        "--output-format",
        "--model",
    ):
        assert flag in helptext


def test_unlink_and_link_change_what_the_model_sees(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(text="ok")] * 3)
    first = json.loads(letta.run("-p", "hi", "--output-format", "json", *MODEL).stdout)
    agent_id = first["agent_id"]
    assert "Bash" in model_server.last_tools()
    proc = letta.run("--agent", agent_id, "--unlink", "-p", "hi", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert not client_tools(model_server)
    # Unlinking is stored on the agent: a plain resume still has no coding tools.
    assert letta.run("-p", "hi", *MODEL).returncode == 0
    assert not client_tools(model_server)
    model_server.script([Reply(text="ok")])
    assert letta.run("--agent", agent_id, "--link", "-p", "hi", *MODEL).returncode == 0
    assert {"Bash", "Read", "Edit", "Write", "Grep", "Glob"} <= set(model_server.last_tools())


def test_link_needs_agent(letta: Letta) -> None:
    proc = letta.run("--link", "-p", "hi")
    assert proc.returncode == 1 and "--agent" in proc.stderr


def test_anthropic_protocol_round_trip_with_thinking(letta: Letta, model_server: ModelServer) -> None:
    model_server.script(
        [
            Reply(reasoning="I should list files.", tool_calls=[("Bash", {"command": "echo from-bash"})]),
            Reply(text="The command printed from-bash."),
        ]
    )
    proc = letta.run("-p", "run it", "--yolo", "--output-format", "json", "-m", "anthropic/claude-sonnet-4-5")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["result"] == "The command printed from-bash."
    last = model_server.last_request()
    assert last.path.endswith("/v1/messages")
    results = [
        b
        for m in last["messages"]
        for b in (m["content"] if isinstance(m["content"], list) else [])
        if b.get("type") == "tool_result"
    ]
    assert "from-bash" in json.dumps(results)
    # The thinking block went back with its signature (the fake server rejects forged ones).
    assert any(
        b.get("type") == "thinking" for m in last["messages"] if isinstance(m["content"], list) for b in m["content"]
    )


def test_bad_permission_rule_is_refused_before_anything_runs(letta: Letta) -> None:
    proc = letta.run("-p", "hi", "--allowedTools", "Bash(npm test", *MODEL)
    assert proc.returncode == 1
    assert "bad permission rule" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not (letta.home / "letta.db").exists()


def test_resume_picker_is_refused_in_headless_mode(letta: Letta) -> None:
    proc = letta.run("-p", "hi", "--resume", *MODEL)
    assert proc.returncode == 1 and "--continue" in proc.stderr


def test_json_usage_reports_cached_tokens_when_the_provider_does(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(text="cached", cached_tokens=1200), Reply(text="plain")])
    cached = json.loads(letta.run("-p", "hi", "--output-format", "json", "-m", "anthropic/claude-sonnet-4-5").stdout)
    assert cached["usage"]["cached_input_tokens"] == 1200
    plain = json.loads(letta.run("-p", "hi", "--output-format", "json", *MODEL).stdout)
    assert "cached_input_tokens" not in plain["usage"]

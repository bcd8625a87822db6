"""MCP servers in `letta -p`, black-box: the real `letta`, the real FastMCP test server over
stdio (started by letta from `.mcp.json` or `mcpServers`), the scripted model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from letta_code.testing import ModelServer, Reply
from tests.conftest import Letta
from tests.tools.mcp.conftest import stdio_entry

MODEL = ["-m", "openai/gpt-4.1"]


def write_mcp_json(project: Path, **servers: dict[str, Any]) -> None:
    (project / ".mcp.json").write_text(json.dumps({"mcpServers": servers}))


def offered(request: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The tools a model request offers, by name (OpenAI's shape)."""
    return {t["function"]["name"]: t["function"] for t in request.get("tools") or []}


def tool_results(request: dict[str, Any]) -> list[str]:
    return [str(m["content"]) for m in request["messages"] if m.get("role") == "tool"]


def init_event(stdout: str) -> dict[str, Any]:
    event = json.loads(stdout.splitlines()[0])
    assert event["type"] == "init"
    return dict(event)


def test_a_project_server_tool_is_offered_called_and_its_result_returned(
    letta: Letta, model_server: ModelServer
) -> None:
    write_mcp_json(letta.cwd, echo=stdio_entry())
    model_server.script([Reply(tool_calls=[("mcp__echo__echo", {"text": "from the model"})]), Reply(text="Done.")])
    proc = letta.run("-p", "use the echo tool", "--yolo", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "Done.\n"
    first, second = model_server.model_requests
    tool = offered(first)["mcp__echo__echo"]
    assert tool["description"] == "Say the text back."
    assert tool["parameters"]["properties"]["text"]["type"] == "string"
    assert tool["parameters"]["required"] == ["text"]
    assert {"mcp__echo__add", "mcp__echo__pixel", "Bash"} <= set(offered(first))
    assert tool_results(second) == ["echo: from the model"]


def test_an_unapproved_project_server_is_skipped_with_one_note(letta: Letta, model_server: ModelServer) -> None:
    write_mcp_json(letta.cwd, echo=stdio_entry())
    model_server.script([Reply(text="ok")])
    proc = letta.run("-p", "hi", "--output-format", "stream-json", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert init_event(proc.stdout)["mcp_servers"] == [{"name": "echo", "status": "skipped"}]
    notes = [line for line in proc.stderr.splitlines() if "echo" in line]
    assert len(notes) == 1 and "not approved" in notes[0] and "enabledMcpjsonServers" in notes[0]
    assert "--yolo" in notes[0]
    assert not [name for name in model_server.last_tools() if name.startswith("mcp__")]


def test_an_approved_server_starts_and_its_tools_follow_the_permission_rules(
    letta: Letta, model_server: ModelServer
) -> None:
    write_mcp_json(letta.cwd, echo=stdio_entry())
    (letta.cwd / ".letta").mkdir()
    (letta.cwd / ".letta" / "settings.local.json").write_text(json.dumps({"enabledMcpjsonServers": ["echo"]}))
    call = Reply(tool_calls=[("mcp__echo__echo", {"text": "x"})])
    # Default mode, no rule: the call asks, which headless mode answers as a denial naming the flag.
    model_server.script([call, Reply(text="denied")])
    proc = letta.run("-p", "echo", "--output-format", "stream-json", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert init_event(proc.stdout)["mcp_servers"] == [{"name": "echo", "status": "connected"}]
    (denial,) = tool_results(model_server.last_request())
    assert "--allowedTools" in denial and "echo: x" not in denial
    # A rule for the server allows its tools.
    model_server.script([call, Reply(text="allowed")])
    proc = letta.run("-p", "echo", "--allowedTools", "mcp__echo", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert tool_results(model_server.last_request())[-1] == "echo: x"
    # A deny rule wins even under --yolo.
    model_server.script([call, Reply(text="refused")])
    proc = letta.run("-p", "echo", "--yolo", "--disallowedTools", "mcp__echo__echo", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert "denied" in tool_results(model_server.last_request())[-1].lower()


def test_a_user_server_starts_without_approval_and_a_failing_one_is_one_line(
    letta: Letta, model_server: ModelServer
) -> None:
    add = letta.run("mcp", "add", "echo", "--", *[str(a) for a in [stdio_entry()["command"], *stdio_entry()["args"]]])
    assert add.returncode == 0, add.stderr
    write_mcp_json(letta.cwd, broken={"command": "no-such-mcp-server-command"})
    model_server.script([Reply(tool_calls=[("mcp__echo__add", {"a": 2, "b": 40})]), Reply(text="42")])
    proc = letta.run("-p", "add", "--yolo", "--output-format", "stream-json", *MODEL)
    assert proc.returncode == 0, proc.stderr
    servers = {s["name"]: s for s in init_event(proc.stdout)["mcp_servers"]}
    assert servers["echo"]["status"] == "connected"
    assert servers["broken"] == {
        "name": "broken",
        "status": "failed",
        "error": "command not found: no-such-mcp-server-command",
    }
    failures = [line for line in proc.stderr.splitlines() if "broken" in line]
    assert failures == [
        "letta: warning: MCP server 'broken' failed to start: command not found: no-such-mcp-server-command"
    ]
    assert tool_results(model_server.last_request()) == ['{\n  "sum": 42\n}']
    assert json.loads(proc.stdout.splitlines()[-1])["result"] == "42"


def test_a_server_that_crashes_mid_session_answers_an_error_and_the_turn_goes_on(
    letta: Letta, model_server: ModelServer
) -> None:
    write_mcp_json(letta.cwd, echo=stdio_entry())
    model_server.script(
        [
            Reply(tool_calls=[("mcp__echo__crash", {})]),
            Reply(tool_calls=[("mcp__echo__echo", {"text": "after"})]),
            Reply(text="The server is gone."),
        ]
    )
    proc = letta.run("-p", "crash it", "--yolo", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "The server is gone.\n"
    crashed, after = tool_results(model_server.last_request())
    assert "MCP server 'echo' failed" in crashed
    assert "is not connected" in after


def test_an_mcp_prompt_is_a_slash_command(letta: Letta, model_server: ModelServer) -> None:
    write_mcp_json(letta.cwd, echo=stdio_entry())
    model_server.script([Reply(text="Hello, Ann!")])
    proc = letta.run("-p", '/mcp__echo__greet "Ann Lee" gentle', "--yolo", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert model_server.last_user_text() == "Write a gentle greeting for Ann Lee."
    assert proc.stdout == "Hello, Ann!\n"

"""Subagents through the real `letta -p`: the Task tool runs its prompt in a separate context
(the parent's message is not in it) and returns the answer as the tool result; several Task
calls of one step run at once; explore gets the read-only tools; a custom type from
`.letta/agents/` brings its instructions and tools; a subagent's calls meet the parent's rules."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from letta_code.testing import ModelServer, RecordedRequest, Reply, text_of
from tests.conftest import Letta

pytestmark = pytest.mark.slow

MODEL = ["-m", "openai/gpt-4.1"]


SERVER_TOOLS = {"memory_insert", "memory_replace", "memory_rethink", "conversation_search"}


def tool_names(request: RecordedRequest) -> list[str]:
    return [t["function"]["name"] for t in request.get("tools", [])]


def client_tools(request: RecordedRequest) -> list[str]:
    """The tools the harness runs (the service's own memory and search tools left out)."""
    return sorted(n for n in tool_names(request) if n not in SERVER_TOOLS and not n.startswith("archival_"))


def tool_results(request: RecordedRequest) -> list[str]:
    return [text_of(m.get("content")) for m in request["messages"] if m.get("role") == "tool"]


def all_text(request: RecordedRequest) -> str:
    return "\n".join(text_of(m.get("content")) for m in request["messages"])


def system_text(request: RecordedRequest) -> str:
    return "\n".join(text_of(m.get("content")) for m in request["messages"] if m.get("role") == "system")


def task(prompt: str, kind: str = "general-purpose", **extra: Any) -> tuple[str, dict[str, Any]]:
    return ("Task", {"description": "look something up", "prompt": prompt, "subagent_type": kind, **extra})


def test_a_task_runs_in_its_own_context_and_its_answer_is_the_tool_result(
    letta: Letta, model_server: ModelServer
) -> None:
    model_server.script(
        [
            Reply(tool_calls=[task("Find where the port is set.")]),
            Reply(text="The port is set in app.py line 3."),
            Reply(text="The subagent says: app.py line 3."),
        ]
    )
    proc = letta.run("-p", "PARENT-ONLY-MARKER: where is the port set?", *MODEL)
    assert proc.returncode == 0, proc.stderr
    parent_first, sub, parent_next = model_server.model_requests
    assert "Task" in tool_names(parent_first)
    # The subagent's request: its own context, with the prompt but not the parent's message.
    assert "Find where the port is set." in all_text(sub)
    assert "PARENT-ONLY-MARKER" not in all_text(sub)
    assert "Task" not in tool_names(sub) and "Read" in tool_names(sub)
    # Its answer comes back as the Task call's result in the parent's next request.
    result = tool_results(parent_next)[-1]
    assert result.startswith("The port is set in app.py line 3.")
    assert "[subagent general-purpose: 0 tool uses" in result
    assert "app.py line 3" in proc.stdout


def test_two_tasks_of_one_step_run_at_the_same_time(letta: Letta, model_server: ModelServer) -> None:
    both_asked = threading.Barrier(2, timeout=20)

    def subagent(request: RecordedRequest) -> Reply:
        both_asked.wait()  # both subagents' requests are in before either is answered: in parallel
        name = "alpha" if "Task alpha" in all_text(request) else "beta"
        return Reply(text=f"answer from {name}")

    model_server.script(
        [
            Reply(tool_calls=[task("Task alpha: list files", "explore"), task("Task beta: read files", "explore")]),
            subagent,
            subagent,
            Reply(text="both done"),
        ]
    )
    proc = letta.run("-p", "do two things", *MODEL)
    assert proc.returncode == 0, proc.stderr
    requests = model_server.model_requests
    assert len(requests) == 4
    # explore subagents get the read-only tools only.
    for sub in requests[1:3]:
        assert client_tools(sub) == ["Glob", "Grep", "LS", "Read"]
    results = tool_results(requests[3])
    assert any(r.startswith("answer from alpha") for r in results)
    assert any(r.startswith("answer from beta") for r in results)


def test_a_custom_type_brings_its_instructions_and_tools(letta: Letta, model_server: ModelServer) -> None:
    agents = letta.cwd / ".letta" / "agents"
    agents.mkdir(parents=True)
    (agents / "reviewer.md").write_text(
        "---\nname: reviewer\ndescription: Reviews a diff for bugs\ntools: Read, Grep\n---\n"
        "REVIEWER-INSTRUCTIONS: point out bugs, never style.\n"
    )
    model_server.script(
        [
            Reply(tool_calls=[task("Review app.py", "reviewer")]),
            Reply(text="No bugs found."),
            Reply(text="Reviewed."),
        ]
    )
    proc = letta.run("-p", "review my change", *MODEL)
    assert proc.returncode == 0, proc.stderr
    parent_first, sub, parent_next = model_server.model_requests
    task_schema = next(t for t in parent_first["tools"] if t["function"]["name"] == "Task")
    assert "reviewer: Reviews a diff for bugs" in task_schema["function"]["description"]
    assert "REVIEWER-INSTRUCTIONS" in system_text(sub)
    assert client_tools(sub) == ["Grep", "Read"]
    assert tool_results(parent_next)[-1].startswith("No bugs found.")


def test_a_subagent_meets_the_parents_deny_rule(letta: Letta, model_server: ModelServer) -> None:
    marker = letta.cwd / "made-by-subagent.txt"
    model_server.script(
        [
            Reply(tool_calls=[task("Create the file.")]),
            Reply(tool_calls=[("Bash", {"command": f"touch {marker}"})]),
            Reply(text="I could not create it."),
            Reply(text="The subagent could not."),
        ]
    )
    proc = letta.run("-p", "make a file", "--yolo", "--disallowedTools", "Bash", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert not marker.exists()
    sub_second = model_server.model_requests[2]
    assert "Permission denied" in tool_results(sub_second)[-1]
    assert tool_results(model_server.model_requests[3])[-1].startswith("I could not create it.")


def test_a_subagent_out_of_steps_returns_an_error_not_a_hang(letta: Letta, model_server: ModelServer) -> None:
    (letta.cwd / "a.txt").write_text("a\n")
    read = ("Read", {"file_path": str(letta.cwd / "a.txt")})
    model_server.script(
        [
            Reply(tool_calls=[task("Read forever.")]),
            Reply(tool_calls=[read]),
            Reply(tool_calls=[read]),
            Reply(tool_calls=[read]),
            Reply(text="The subagent ran out of steps."),
        ]
    )
    proc = letta.run("-p", "go", "--max-steps", "3", *MODEL)
    assert proc.returncode == 0, proc.stderr
    result = tool_results(model_server.model_requests[-1])[-1]
    assert "did not finish: it reached its step limit" in result
    assert "Read×" in result or "3 tool uses" in result or "tool use" in result


def test_a_subagent_cannot_write_the_parents_memory(letta: Letta, model_server: ModelServer) -> None:
    model_server.script(
        [
            Reply(tool_calls=[task("Remember that I like tabs.")]),
            Reply(tool_calls=[("memory_insert", {"label": "human", "new_str": "SUBAGENT-WROTE-THIS"})]),
            Reply(text="Tried."),
            Reply(text="ok"),
            Reply(text="second turn"),
        ]
    )
    proc = letta.run("-p", "go", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert "read-only" in tool_results(model_server.model_requests[2])[-1].lower()
    proc = letta.run("--continue", "-p", "again", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert "SUBAGENT-WROTE-THIS" not in system_text(model_server.model_requests[-1])


def test_subagent_stop_hooks_fire_and_a_block_sends_the_subagent_on(letta: Letta, model_server: ModelServer) -> None:
    seen = letta.cwd / "subagent-stop.jsonl"
    once = letta.cwd / "blocked-once"
    hook = (
        f"cat >> {seen}; echo >> {seen}; "
        f'if [ ! -e {once} ]; then touch {once}; echo \'{{"decision": "block", "reason": "Also list the tests."}}\'; fi'
    )
    settings = letta.cwd / ".letta" / "settings.json"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(
        '{"hooks": {"SubagentStop": [{"hooks": [{"type": "command", "command": ' + json.dumps(hook) + "}]}]}}"
    )
    model_server.script(
        [
            Reply(tool_calls=[task("Look at the code.")]),
            Reply(text="First look done."),
            Reply(text="The tests are in tests/."),
            Reply(text="ok"),
        ]
    )
    proc = letta.run("-p", "look", *MODEL)
    assert proc.returncode == 0, proc.stderr
    events = [json.loads(line) for line in seen.read_text().splitlines() if line.strip()]
    assert [e["hook_event_name"] for e in events] == ["SubagentStop", "SubagentStop"]
    assert events[0]["subagent_type"] == "general-purpose" and events[0]["stop_hook_active"] is False
    assert events[1]["stop_hook_active"] is True
    # The block's reason went to the subagent, and its second answer is the tool result.
    assert model_server.model_requests[2]["messages"][-1]["content"] == "Also list the tests."
    assert tool_results(model_server.model_requests[3])[-1].startswith("The tests are in tests/.")


def test_wait_background_delivers_a_background_tasks_answer_as_a_turn(letta: Letta, model_server: ModelServer) -> None:
    def answer(request: RecordedRequest) -> Reply:
        if "in the background" in "".join(tool_results(request)):
            return Reply(text="Started.")
        return Reply(text="LATE-ANSWER from the subagent.", delay=0.5)

    model_server.script(
        [Reply(tool_calls=[task("Research slowly.", run_in_background=True)]), answer, answer, Reply(text="Got it.")]
    )
    proc = letta.run("-p", "research", "--wait-background", *MODEL)
    assert proc.returncode == 0, proc.stderr
    told = model_server.model_requests[-1]["messages"][-1]
    assert "<task-notification>" in text_of(told.get("content"))
    assert "LATE-ANSWER from the subagent." in text_of(told.get("content"))
    assert proc.stdout.rstrip().endswith("Got it.")

"""Reflection and the memory commands of `letta -p`, through the real CLI and the scripted model.

A lesson stated in one session is turned by `/reflect` into a project-block edit that a new
conversation's system prompt holds, attributed to reflection; a pass that is due after a
`letta -p` turn runs without holding the turn up; `/remember`, `/init`, `/compact`,
`/clear` run as commands, and an unknown one is an error, not a prompt.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from letta_code.testing import ModelServer, Reply
from tests.conftest import Letta

LESSON = "Remember: in this repo the tests run with `make check`, never plain pytest."
NOTE = "- tests: `make check` (never plain pytest)"


def _tools(request: dict[str, Any]) -> set[str]:
    """The tool names a request offers (either protocol)."""
    return {str(t.get("function", t)["name"]) for t in request.get("tools") or []}


def test_reflect_turns_a_lesson_into_memory_the_next_conversation_sees(letta: Letta, model_server: ModelServer) -> None:
    model_server.script(["Noted."])
    assert letta.run("-p", LESSON).returncode == 0
    model_server.script([Reply(tool_calls=[("memory_insert", {"label": "project", "new_str": NOTE})]), "Saved it."])
    done = letta.run("-p", "/reflect")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "memory updated by reflection: project +1 line"
    reflection = model_server.model_requests[1]
    assert LESSON in json.dumps(reflection["messages"])
    assert {"memory_insert", "memory_replace", "memory_rethink"} <= _tools(reflection)
    again = letta.run("-p", "/reflect")  # nothing new since: no request
    assert again.returncode == 0 and "nothing new" in again.stdout
    assert len(model_server.model_requests) == 3
    model_server.script(["hi"])
    assert letta.run("--new", "-p", "hello").returncode == 0
    assert NOTE in model_server.last_system_prompt()
    log = letta.run("memory", "log", "project")
    assert log.returncode == 0 and "reflection" in log.stdout.splitlines()[0]


def test_a_due_pass_runs_after_the_turn_without_holding_it_up(letta: Letta, model_server: ModelServer) -> None:
    letta.env["LETTA_REFLECTION_EVERY"] = "2"
    slow_edit = Reply(tool_calls=[("memory_insert", {"label": "human", "new_str": "- likes tabs"})], delay=2.0)
    model_server.script(["one", "two", slow_edit, "done"])
    assert letta.run("-p", "I like tabs").returncode == 0
    assert letta.run("-p", "second turn").returncode == 0  # due now: the pass starts in the background
    model_server.wait_for_requests(3, timeout=20)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        shown = letta.run("memory", "show", "human").stdout
        if "- likes tabs" in shown:
            break
        time.sleep(0.3)
    assert "- likes tabs" in shown
    assert "reflection" in letta.run("memory", "log", "human").stdout
    assert "I like tabs" in json.dumps(model_server.model_requests[2]["messages"])


def test_reflection_off_sends_no_pass(letta: Letta, model_server: ModelServer) -> None:
    model_server.script(["a", "b", "c"])
    for text in ("one", "two", "three"):
        assert letta.run("-p", text).returncode == 0  # LETTA_REFLECTION_EVERY is 0 in the fixture
    time.sleep(1.0)
    assert len(model_server.model_requests) == 3


def test_remember_and_init_are_turns_with_their_instructions(letta: Letta, model_server: ModelServer) -> None:
    model_server.script(
        [Reply(tool_calls=[("memory_insert", {"label": "human", "new_str": "- uses tabs"})]), "Filed in human."]
    )
    done = letta.run("-p", "/remember I always indent with tabs")
    assert done.returncode == 0 and done.stdout.strip() == "Filed in human."
    text = json.dumps(model_server.model_requests[0]["messages"])
    assert "I always indent with tabs" in text and "`human` for the user's preferences" in text
    assert "- uses tabs" in letta.run("memory", "show", "human").stdout
    model_server.script(["Recorded."])
    assert letta.run("-p", "/init").returncode == 0
    init = model_server.last_user_text()
    assert "project` memory block" in init and "no AGENTS.md" in init
    (letta.cwd / "AGENTS.md").write_text("# Agents\n")
    model_server.script(["Recorded."])
    assert letta.run("-p", "/init").returncode == 0
    assert "already has AGENTS.md; do not rewrite it" in model_server.last_user_text()
    bad = letta.run("-p", "/remember")
    assert bad.returncode == 1 and "/remember needs the text" in bad.stderr


def test_clear_compact_and_unknown_commands(letta: Letta, model_server: ModelServer) -> None:
    model_server.script(["first"])
    assert letta.run("-p", "hello").returncode == 0
    cleared = letta.run("-p", "/clear")
    assert cleared.returncode == 0 and "context cleared" in cleared.stdout
    compacted = letta.run("-p", "/compact", "--output-format", "json")
    assert compacted.returncode == 0
    assert "Nothing to compact" in json.loads(compacted.stdout)["result"]
    unknown = letta.run("-p", "/nosuch thing")
    assert unknown.returncode == 1
    assert "unknown command /nosuch" in unknown.stderr and "/reflect" in unknown.stderr
    assert len(model_server.model_requests) == 1  # none of them reached the model
    model_server.script(["a path, not a command"])
    path = letta.run("-p", "/usr/bin/env is broken")
    assert path.returncode == 0 and "/usr/bin/env is broken" in model_server.last_user_text()


def test_a_bad_reflection_variable_is_one_line(letta: Letta, model_server: ModelServer) -> None:
    letta.env["LETTA_REFLECTION_EVERY"] = "often"
    proc = letta.run("-p", "hi")
    assert proc.returncode == 1 and model_server.model_requests == []  # refused before the turn
    assert proc.stderr.strip().endswith(
        "LETTA_REFLECTION_EVERY must be a whole number of user turns (0 = off), not 'often'"
    )


def test_over_a_server_a_due_pass_is_a_background_run_of_the_server(
    letta: Letta, model_server: ModelServer, tmp_path: Path
) -> None:
    from tests.server.conftest import start_live_server

    live, thread = start_live_server(tmp_path / "server-home", model_server, api_key=None)
    try:
        letta.env.update({"LETTA_BASE_URL": live.url, "LETTA_REFLECTION_EVERY": "1"})
        model_server.script(
            ["hello", Reply(tool_calls=[("memory_insert", {"label": "human", "new_str": "- is Ada"})]), "ok"]
        )
        assert letta.run("-p", "I am Ada").returncode == 0
        model_server.wait_for_requests(3, timeout=20)
        deadline = time.monotonic() + 20
        human = ""
        while time.monotonic() < deadline and "- is Ada" not in human:
            agent = next(a for a in live.service.agents.list_agents() if "reflection" not in a.tags)
            human = next(b.value for b in agent.blocks if b.label == "human")
            time.sleep(0.2)
        assert "- is Ada" in human
        runs = live.service.runs.list(
            agent_id=next(a.id for a in live.service.agents.list_agents() if "reflection" in a.tags)
        )
        assert [r.background for r in runs] == [True]
    finally:
        thread.stop()

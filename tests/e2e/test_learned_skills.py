"""Learned skills through the real `letta -p`: the bundled skill-creator is listed, the model
loads it and writes `.skills/run-tests/SKILL.md`, and the next session lists the new skill.
Without permission the write is denied in headless mode and nothing is learned."""

from __future__ import annotations

import pytest

from letta_code.skills.render import CREATOR_HINT
from letta_code.testing import ModelServer, RecordedRequest, Reply, text_of
from tests.conftest import Letta

pytestmark = pytest.mark.slow

MODEL = ["-m", "openai/gpt-4.1"]
RUN_TESTS = """---
name: Run the tests
description: How this project's tests run (make check, not plain pytest)
category: Testing
---
# Run the tests

1. `make check` runs the linters, then the tests.
2. One file: `.venv/bin/pytest -q tests/test_app.py`.
"""
CATALOG_LINE = "## Testing\n- run-tests: Run the tests - How this project's tests run (make check, not plain pytest)"


def skills_block(request: RecordedRequest) -> str:
    """The value of the `skills` memory block in the system prompt of one model request."""
    system = "\n".join(text_of(m.get("content")) for m in request["messages"] if m.get("role") == "system")
    assert "<skills>" in system, "the request has no skills block"
    block = system.split("<skills>", 1)[1].split("</skills>", 1)[0]
    return block.split("<value>", 1)[-1].split("</value>", 1)[0].strip()


def tool_names(request: RecordedRequest) -> list[str]:
    return [t["function"]["name"] for t in request.get("tools", [])]


def tool_results(request: RecordedRequest) -> list[str]:
    return [text_of(m.get("content")) for m in request["messages"] if m.get("role") == "tool"]


def learn(letta: Letta, model_server: ModelServer, *flags: str) -> tuple[str, list[RecordedRequest]]:
    """Session 1: the model loads skill-creator, then writes the skill. Returns stdout and its requests."""
    target = letta.cwd / ".skills" / "run-tests" / "SKILL.md"
    model_server.script(
        [
            Reply(tool_calls=[("Skill", {"command": "load", "skill": "skill-creator"})]),
            Reply(tool_calls=[("Write", {"file_path": str(target), "content": RUN_TESTS})]),
            Reply(text="Saved how to run the tests as a skill."),
        ]
    )
    proc = letta.run("-p", "The tests pass now. Save how you ran them for next time.", *flags, *MODEL)
    assert proc.returncode == 0, proc.stderr
    requests = model_server.model_requests
    assert len(requests) == 3
    first = requests[0]
    assert "- skill-creator: Skill Creator - " in skills_block(first)
    assert skills_block(first).endswith(CREATOR_HINT)
    assert "Skill" in tool_names(first) and "Write" in tool_names(first)
    # After the load, the creator's instructions are in the agent's memory.
    assert "Loaded skill 'skill-creator'" in tool_results(requests[1])[-1]
    system = text_of(requests[1]["messages"][0].get("content"))
    assert "<loaded_skills>" in system and ".skills/<id>/SKILL.md" in system
    return proc.stdout, requests


def next_session_skills(letta: Letta, model_server: ModelServer) -> str:
    before = len(model_server.model_requests)
    model_server.script([Reply(text="ok")])
    proc = letta.run("-p", "run the tests", *MODEL)
    assert proc.returncode == 0, proc.stderr
    return skills_block(model_server.model_requests[before])


@pytest.mark.parametrize("flags", [["--yolo"], ["--allowedTools", "Edit(.skills/**)"]], ids=["yolo", "allow-rule"])
def test_a_skill_written_with_skill_creator_is_listed_by_the_next_session(
    letta: Letta, model_server: ModelServer, flags: list[str]
) -> None:
    stdout, requests = learn(letta, model_server, *flags)
    assert stdout.strip() == "Saved how to run the tests as a skill."
    written = letta.cwd / ".skills" / "run-tests" / "SKILL.md"
    assert written.read_text(encoding="utf-8") == RUN_TESTS
    assert "run-tests" not in skills_block(requests[-1])  # this session's catalog is from its start
    block = next_session_skills(letta, model_server)
    assert CATALOG_LINE in block and "- skill-creator: Skill Creator - " in block


def test_without_permission_the_write_is_denied_and_nothing_is_learned(letta: Letta, model_server: ModelServer) -> None:
    _, requests = learn(letta, model_server)
    denial = tool_results(requests[2])[-1]
    assert "--allowedTools" in denial or "--yolo" in denial, denial
    assert not (letta.cwd / ".skills").exists()
    block = next_session_skills(letta, model_server)
    assert "run-tests" not in block and "- skill-creator: Skill Creator - " in block

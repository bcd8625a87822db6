"""Permissions end to end: what a headless run with an allow rule really executes,
and plan mode refusing writes until the plan is approved."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from letta_code.client.embedded import EmbeddedBackend
from letta_code.harness.executor import PendingCall, ToolExecutor, UserAnswer, client_tool_schema
from letta_code.harness.turn import TurnRunner
from letta_code.permissions import Decision, PermissionChecker, PermissionMode
from letta_code.testing import ModelServer, Reply
from letta_code.tools.base import ToolSession
from letta_code.tools.registry import select_tools
from tests.conftest import Letta

PLAIN = ["echo plain-one", 'echo "plain two"', "echo -n plain-three", "echo plain-four 2>&1"]
SNEAKY = [
    "echo a; touch pwned1",
    "echo a && touch pwned2",
    "echo a || touch pwned3",
    "echo $(touch pwned4)",
    "echo `touch pwned5`",
    "echo a | tee pwned6",
    "echo a > pwned7",
    "echo a\ntouch pwned8",
    'bash -c "touch pwned9"',
    "env X=1 touch pwned10",
    "echo a & touch pwned11",
    "(touch pwned12)",
    "echo <(touch pwned13)",
    "eval 'touch pwned14'",
    "echo a >> pwned15",
    "timeout 5 touch pwned16",
    "xargs touch pwned17 < /dev/null",
    "sh -c 'echo a; touch pwned18'",
    "echo a;touch pwned19",
    "ech\u043e a; touch pwned20",
]


def test_only_plain_echo_runs_with_an_echo_rule(letta: Letta, model_server: ModelServer) -> None:
    calls = [("Bash", {"command": c}) for c in PLAIN + SNEAKY]
    model_server.script([Reply(tool_calls=calls), Reply(text="done")])
    proc = letta.run("-p", "try these", "--allowedTools", "Bash(echo:*)", "-m", "openai/gpt-4.1")
    assert proc.returncode == 0, proc.stderr
    made = sorted(p.name for p in letta.cwd.iterdir() if p.name.startswith("pwned"))
    assert made == [], made
    results = [m["content"] for m in model_server.last_messages() if m.get("role") == "tool"]
    assert len(results) == len(PLAIN) + len(SNEAKY)
    for command, output in zip(PLAIN, results[: len(PLAIN)], strict=True):
        assert "plain" in output and "Permission denied" not in output, (command, output)
    for command, output in zip(SNEAKY, results[len(PLAIN) :], strict=True):
        assert output.startswith("Permission denied"), (command, output)


def test_plan_mode_refuses_writes_until_the_plan_is_approved(
    tmp_path: Path, model_server: ModelServer, monkeypatch, letta_home: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # letta_home: the runner's records of started calls go there, not to ~/.letta
    write = ("Write", {"file_path": "plan.txt", "content": "step 1"})
    model_server.script(
        [
            Reply(tool_calls=[write]),
            Reply(tool_calls=[("ExitPlanMode", {"plan": "1. write plan.txt"})]),
            Reply(tool_calls=[write]),
            Reply(text="written after approval"),
        ]
    )
    asked: list[tuple[str, str]] = []

    async def scenario() -> str:
        backend = EmbeddedBackend(tmp_path / "letta.db", model_server.env())
        checker = PermissionChecker(PermissionMode.PLAN, cwd=tmp_path)

        async def user(call: PendingCall, decision: Decision) -> UserAnswer:
            asked.append((call.name, checker.mode.value))
            return UserAnswer("allow")

        def leave_plan_mode() -> None:
            checker.mode = PermissionMode.ACCEPT_EDITS

        agent = await backend.create_agent(
            name="p", model="openai/gpt-4.1", block_ids=[], tools=["Write", "ExitPlanMode"]
        )
        conv = await backend.default_conversation(agent.id)
        executor = ToolExecutor(ToolSession(cwd=tmp_path), checker, user, on_plan_approved=leave_plan_mode)
        runner = TurnRunner(
            backend,
            executor,
            conversation_id=conv.id,
            client_tools=[client_tool_schema(t) for t in select_tools(["Write", "ExitPlanMode"])],
            stream_tokens=False,
        )
        result = await runner.run("write the plan file")
        return result.text

    assert asyncio.run(scenario()) == "written after approval"
    results = [m["content"] for m in model_server.last_messages() if m.get("role") == "tool"]
    assert results[0].startswith("Permission denied") and "plan mode" in results[0].lower()
    assert asked == [("ExitPlanMode", "plan")]  # the only question: approving the plan
    assert (tmp_path / "plan.txt").read_text() == "step 1"
    assert json.dumps(results[2]).find("Error") == -1

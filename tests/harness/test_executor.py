"""Tool results as the executor hands them to the service (real `letta` processes, and
the executor on its own with a real permission checker)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from letta_code.harness.executor import PendingCall, ToolExecutor, UserAnswer
from letta_code.permissions import Decision, PermissionChecker
from letta_code.schemas.chunks import ToolArguments
from letta_code.testing import ModelServer, Reply
from letta_code.tools.base import ToolResult, ToolSession
from tests.conftest import Letta

MODEL = ["-m", "openai/gpt-4.1", "--yolo"]


def test_a_file_name_that_is_not_utf8_reaches_the_model_as_a_replacement_character(
    letta: Letta, model_server: ModelServer
) -> None:
    # Python lists this name as "caf\udce9.txt": text that cannot be stored or sent as is.
    with open(os.path.join(os.fsencode(letta.cwd), b"caf\xe9.txt"), "wb") as handle:
        handle.write(b"x")
    model_server.script(
        [
            Reply(tool_calls=[("Bash", {"command": "ls"}), ("LS", {"path": str(letta.cwd)})]),
            Reply(text="listed"),
            Reply(text="still fine"),
        ]
    )
    first = letta.run("-p", "list the files", *MODEL)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "listed"
    results = [m for m in model_server.last_messages() if m["role"] == "tool"]
    assert len(results) == 2 and all("caf\ufffd.txt" in str(m["content"]) for m in results), results
    second = letta.run("-p", "and now?", *MODEL)  # the conversation is not poisoned
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == "still fine"


class Unexpected(Exception):
    """Not an error any tool is written to raise: only the executor's safety net catches it."""


def test_a_tool_that_raises_becomes_an_error_result_and_the_other_calls_still_run(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("alpha\n")
    seen: list[tuple[str, str, str | None]] = []

    async def explode(args: ToolArguments) -> ToolResult:
        raise Unexpected("the disk is on fire")

    async def never_asked(call: PendingCall, decision: Decision) -> UserAnswer:
        raise AssertionError(f"{call.name} needed no question")

    executor = ToolExecutor(
        ToolSession(cwd=tmp_path),
        PermissionChecker("default", cwd=tmp_path),
        never_asked,
        observer=lambda call, phase, result, _s: seen.append((call.name, phase, result.status if result else None)),
        special_tools={"Explode": explode},
    )
    calls = [PendingCall("c1", "Explode", "{}"), PendingCall("c2", "Read", '{"file_path": "notes.txt"}')]
    items = asyncio.run(executor.run_calls(calls))
    assert items[0] == {
        "type": "tool",
        "tool_call_id": "c1",
        "tool_return": "Error: Explode failed: Unexpected: the disk is on fire",
        "status": "error",
    }
    assert items[1].get("status") == "success" and "alpha" in str(items[1].get("tool_return"))
    assert ("Explode", "end", "error") in seen  # the observer (the TUI's spinner) hears it ended

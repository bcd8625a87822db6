"""Tool results as the executor hands them to the service (real `letta` processes, and
the executor on its own with a real permission checker)."""

from __future__ import annotations

import asyncio
import json
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


# -- hooks ---------------------------------------------------------------------------------
def hooked_executor(
    tmp_path: Path,
    hooks: dict[str, str],
    *,
    mode: str = "default",
    deny: list[str] | None = None,
    asked: list[str] | None = None,
) -> ToolExecutor:
    """An executor over a real checker whose hooks are `{event: command}` (every tool matches);
    the user, when asked, says yes and is recorded in `asked`."""
    from letta_code.harness.hook_config import parse_hooks
    from letta_code.harness.hooks import HookRunner, HookSession

    table = {event: [{"hooks": [{"type": "command", "command": command}]}] for event, command in hooks.items()}
    config = parse_hooks([(tmp_path / ".letta" / "settings.json", {"hooks": table})])
    runner = HookRunner(config, tmp_path, lambda: HookSession("agent-1", "conv-1", mode), lambda line: None)

    async def ask_user(call: PendingCall, decision: Decision) -> UserAnswer:
        (asked if asked is not None else []).append(f"{call.name}: {decision.reason}")
        return UserAnswer("allow")

    checker = PermissionChecker(mode, deny=deny or [], cwd=tmp_path)
    return ToolExecutor(ToolSession(cwd=tmp_path), checker, ask_user, hooks=runner)


def bash(command: str) -> PendingCall:
    return PendingCall("call-1", "Bash", json.dumps({"command": command}))


def test_a_pre_tool_use_deny_under_bypass_mode_leaves_no_side_effect(tmp_path: Path) -> None:
    answer = {"hookSpecificOutput": {"permissionDecision": "deny", "permissionDecisionReason": "not today"}}
    executor = hooked_executor(
        tmp_path, {"PreToolUse": f"cat > seen.json; echo '{json.dumps(answer)}'"}, mode="bypassPermissions"
    )
    (item,) = asyncio.run(executor.run_calls([bash("touch marker")]))
    assert item == {
        "type": "tool",
        "tool_call_id": "call-1",
        "tool_return": "Blocked by a PreToolUse hook: not today",
        "status": "error",
    }
    assert not (tmp_path / "marker").exists()
    assert json.loads((tmp_path / "seen.json").read_text())["tool_input"] == {"command": "touch marker"}


def test_a_rewritten_input_is_what_the_checker_checks_and_what_runs(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("x")
    rewrite = {"hookSpecificOutput": {"updatedInput": {"command": "rm keep.txt"}}}
    executor = hooked_executor(
        tmp_path, {"PreToolUse": f"echo '{json.dumps(rewrite)}'"}, mode="bypassPermissions", deny=["Bash(rm:*)"]
    )
    (item,) = asyncio.run(executor.run_calls([bash("ls")]))
    assert item.get("status") == "error" and "Permission denied" in str(item.get("tool_return"))
    assert (tmp_path / "keep.txt").exists()  # the rewrite to a denied command was denied
    safe = {"hookSpecificOutput": {"updatedInput": {"command": "echo rewritten > out.txt"}}}
    executor = hooked_executor(tmp_path, {"PreToolUse": f"echo '{json.dumps(safe)}'"}, mode="bypassPermissions")
    (item,) = asyncio.run(executor.run_calls([bash("echo original > out.txt")]))
    assert item.get("status") == "success" and (tmp_path / "out.txt").read_text() == "rewritten\n"


def test_a_hook_allow_answers_an_ask_but_never_overrides_a_deny_rule(tmp_path: Path) -> None:
    allow = {"hookSpecificOutput": {"permissionDecision": "allow"}}
    asked: list[str] = []
    executor = hooked_executor(
        tmp_path, {"PreToolUse": f"echo '{json.dumps(allow)}'"}, deny=["Bash(rm:*)"], asked=asked
    )
    items = asyncio.run(executor.run_calls([bash("touch made"), PendingCall("call-2", "Bash", '{"command": "rm x"}')]))
    assert items[0].get("status") == "success" and (tmp_path / "made").exists()
    assert items[1].get("status") == "error" and "denied by the rule Bash(rm:*)" in str(items[1].get("tool_return"))
    assert asked == []  # touch would have asked in default mode: the hook answered


def test_a_hook_ask_asks_the_user_even_in_bypass_mode(tmp_path: Path) -> None:
    ask = {"hookSpecificOutput": {"permissionDecision": "ask", "permissionDecisionReason": "touching files"}}
    asked: list[str] = []
    executor = hooked_executor(
        tmp_path, {"PreToolUse": f"echo '{json.dumps(ask)}'"}, mode="bypassPermissions", asked=asked
    )
    (item,) = asyncio.run(executor.run_calls([bash("touch made")]))
    assert asked == ["Bash: a PreToolUse hook asks for approval: touching files"]
    assert item.get("status") == "success"  # the user said yes


def test_a_permission_request_hook_answers_the_prompt(tmp_path: Path) -> None:
    deny = {"hookSpecificOutput": {"decision": {"behavior": "deny", "message": "ask the admin"}}}
    asked: list[str] = []
    executor = hooked_executor(tmp_path, {"PermissionRequest": f"echo '{json.dumps(deny)}'"}, asked=asked)
    (item,) = asyncio.run(executor.run_calls([bash("touch made")]))
    assert "Permission denied by a PermissionRequest hook: ask the admin" in str(item.get("tool_return"))
    assert not (tmp_path / "made").exists()
    allow = {"hookSpecificOutput": {"decision": {"behavior": "allow"}}}
    executor = hooked_executor(tmp_path, {"PermissionRequest": f"echo '{json.dumps(allow)}'"}, asked=asked)
    (item,) = asyncio.run(executor.run_calls([bash("touch made")]))
    assert item.get("status") == "success" and (tmp_path / "made").exists()
    assert asked == []  # neither call prompted the user


def test_post_tool_use_sees_the_result_and_its_feedback_reaches_the_model(tmp_path: Path) -> None:
    feedback = {"decision": "block", "reason": "style check failed", "hookSpecificOutput": {"additionalContext": "x=1"}}
    executor = hooked_executor(
        tmp_path,
        {
            "PostToolUse": f"cat > post.json; echo '{json.dumps(feedback)}'",
            "PostToolUseFailure": "cat > failure.json",
        },
        mode="bypassPermissions",
    )
    ok, failed = asyncio.run(
        executor.run_calls([bash("echo hello"), PendingCall("call-2", "Read", '{"file_path": "missing.txt"}')])
    )
    assert ok.get("tool_return") == "hello\n\nPostToolUse hook: style check failed\n\nPostToolUse hook: x=1"
    post = json.loads((tmp_path / "post.json").read_text())
    assert post["tool_response"] == {"output": "hello", "status": "success"} and post["tool_use_id"] == "call-1"
    failure = json.loads((tmp_path / "failure.json").read_text())
    assert failure["tool_name"] == "Read" and failure["tool_response"]["status"] == "error"
    assert failed.get("status") == "error" and failure["error"] == failed.get("tool_return")


def test_a_file_tool_that_succeeds_reports_the_path_it_touched(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "notes.txt").write_text("alpha\n")
    touched: list[Path] = []

    async def on_file_touched(path: Path) -> None:
        touched.append(path)

    async def never_asked(call: PendingCall, decision: Decision) -> UserAnswer:
        raise AssertionError(f"{call.name} needed no question")

    executor = ToolExecutor(
        ToolSession(cwd=tmp_path),
        PermissionChecker("bypassPermissions", cwd=tmp_path),
        never_asked,
        on_file_touched=on_file_touched,
    )
    calls = [
        PendingCall("c1", "Read", '{"file_path": "pkg/notes.txt"}'),
        PendingCall("c2", "Read", '{"file_path": "pkg/missing.txt"}'),  # an error: nothing was read
        PendingCall("c3", "Grep", json.dumps({"pattern": "alpha", "path": str(tmp_path / "pkg")})),
        PendingCall("c4", "Bash", '{"command": "true"}'),  # names no path
        PendingCall("c5", "Write", '{"file_path": "new/out.txt", "content": "x"}'),
    ]
    items = asyncio.run(executor.run_calls(calls))
    assert [item.get("status") for item in items] == ["success", "error", "success", "success", "success"]
    assert sorted(touched) == sorted([tmp_path / "pkg" / "notes.txt", tmp_path / "pkg", tmp_path / "new" / "out.txt"])

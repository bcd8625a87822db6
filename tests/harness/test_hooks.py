"""The hook runner: which hooks an event runs, in parallel, and how their answers combine
(real `/bin/sh` scripts in a temporary project)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from letta_code.harness.hook_config import parse_hooks
from letta_code.harness.hooks import HookOutcome, HookRunner, HookSession

SOURCE = Path("/p/.letta/settings.json")


def runner(tmp_path: Path, hooks: dict[str, list[tuple[str, str]]], notes: list[str]) -> HookRunner:
    """A runner over `{event: [(matcher, command), ...]}`; its notices go to `notes`."""
    table = {
        event: [{"matcher": m, "hooks": [{"type": "command", "command": c, "timeout": 10}]} for m, c in entries]
        for event, entries in hooks.items()
    }
    config = parse_hooks([(SOURCE, {"hooks": table})])
    return HookRunner(config, tmp_path, lambda: HookSession("agent-1", "conv-1", "acceptEdits"), notes.append)


def say(answer: dict[str, object]) -> str:
    return f"echo '{json.dumps(answer)}'"


def test_the_event_json_has_the_common_and_the_event_fields(tmp_path: Path) -> None:
    notes: list[str] = []
    hooks = runner(tmp_path, {"PostToolUseFailure": [("Read", "cat > seen.json")]}, notes)
    asyncio.run(hooks.post_tool_use("Read", {"file_path": "x"}, "call-7", "Error: no such file", failed=True))
    seen = json.loads((tmp_path / "seen.json").read_text())
    assert seen == {
        "hook_event_name": "PostToolUseFailure",
        "session_id": "conv-1",
        "agent_id": "agent-1",
        "conversation_id": "conv-1",
        "cwd": str(tmp_path),
        "permission_mode": "acceptEdits",
        "transcript_path": None,
        "tool_name": "Read",
        "tool_input": {"file_path": "x"},
        "tool_use_id": "call-7",
        "tool_response": {"output": "Error: no such file", "status": "error"},
        "error": "Error: no such file",
    }
    assert notes == []


def test_only_matching_hooks_run(tmp_path: Path) -> None:
    hooks = runner(tmp_path, {"PreToolUse": [("Bash", "touch bash-ran"), ("Edit|Write", "touch edit-ran")]}, [])
    outcome = asyncio.run(hooks.pre_tool_use("Write", {"file_path": "a"}, "c1"))
    assert outcome == HookOutcome()
    assert (tmp_path / "edit-ran").exists() and not (tmp_path / "bash-ran").exists()


def test_matching_hooks_run_in_parallel(tmp_path: Path) -> None:
    # Each waits for the other's file: one at a time, the first would wait out its timeout.
    first = "touch a; for i in $(seq 100); do [ -e b ] && exit 0; sleep 0.05; done; exit 1"
    second = "touch b; for i in $(seq 100); do [ -e a ] && exit 0; sleep 0.05; done; exit 1"
    notes: list[str] = []
    hooks = runner(tmp_path, {"Stop": [("", first), ("", second)]}, notes)
    assert asyncio.run(hooks.stop(active=False)) == HookOutcome()
    assert notes == []  # both saw the other's file


def test_block_wins_over_ask_over_allow_and_reasons_are_joined(tmp_path: Path) -> None:
    allow = say({"hookSpecificOutput": {"permissionDecision": "allow", "permissionDecisionReason": "fine"}})
    ask = say({"hookSpecificOutput": {"permissionDecision": "ask", "permissionDecisionReason": "check it"}})
    notes: list[str] = []
    both = runner(tmp_path, {"PreToolUse": [("", allow), ("", ask)]}, notes)
    outcome = asyncio.run(both.pre_tool_use("Bash", {}, "c"))
    assert (outcome.decision, outcome.reason) == ("ask", "check it")
    blocked = runner(
        tmp_path,
        {"PreToolUse": [("", allow), ("", ask), ("", "echo first >&2; exit 2"), ("", say({"decision": "block"}))]},
        notes,
    )
    outcome = asyncio.run(blocked.pre_tool_use("Bash", {}, "c"))
    assert outcome.blocked and outcome.reason == "first\nblocked by a PreToolUse hook"
    assert notes == []


def test_a_failing_hook_is_one_line_and_changes_nothing(tmp_path: Path) -> None:
    notes: list[str] = []
    hooks = runner(
        tmp_path,
        {
            "PreToolUse": [
                ("", "echo 'it broke' >&2; echo more >&2; exit 1"),
                ("", "echo '{broken'"),
                ("", say({"systemMessage": "checked by the team hook"})),
            ]
        },
        notes,
    )
    outcome = asyncio.run(hooks.pre_tool_use("Bash", {"command": "ls"}, "c"))
    assert outcome == HookOutcome()
    assert notes[0] == "hook PreToolUse \"echo 'it broke' >&2; echo more >&2; exit 1\" failed: exit 1: it broke"
    assert notes[1].startswith("hook PreToolUse \"echo '{broken'\" failed: stdout is not valid JSON")
    assert notes[2] == "PreToolUse hook: checked by the team hook"


def test_the_last_rewrite_wins_and_contexts_are_kept_in_order(tmp_path: Path) -> None:
    one = say({"hookSpecificOutput": {"updatedInput": {"command": "ls"}, "additionalContext": "one"}})
    two = say({"hookSpecificOutput": {"updatedInput": {"command": "ls -a"}, "additionalContext": "two"}})
    outcome = asyncio.run(runner(tmp_path, {"PreToolUse": [("", one), ("", two)]}, []).pre_tool_use("Bash", {}, "c"))
    assert outcome.updated_input == {"command": "ls -a"} and outcome.context == ["one", "two"]


def test_session_start_context_waits_for_the_next_prompt_and_notice_events_only_tell_the_user(
    tmp_path: Path,
) -> None:
    notes: list[str] = []
    hooks = runner(
        tmp_path,
        {
            "SessionStart": [("startup", "echo 'on branch main'"), ("clear", "echo 'after a clear'")],
            "PreCompact": [("manual", "echo 'saving notes first' >&2; exit 2")],
        },
        notes,
    )
    asyncio.run(hooks.session_start("startup"))
    assert hooks.take_context() == ["on branch main"] and hooks.take_context() == []
    asyncio.run(hooks.pre_compact("auto"))  # another trigger: nothing runs
    assert notes == []
    asyncio.run(hooks.pre_compact("manual"))
    assert notes == ["PreCompact hook: saving notes first"]


def test_a_hook_that_outlives_its_timeout_is_reported(tmp_path: Path) -> None:
    table = {"Notification": [{"hooks": [{"type": "command", "command": "sleep 20", "timeout": 0.3}]}]}
    notes: list[str] = []
    hooks = HookRunner(
        parse_hooks([(SOURCE, {"hooks": table})]), tmp_path, lambda: HookSession("a", "c", "default"), notes.append
    )
    asyncio.run(hooks.notification("Letta needs your permission to use Bash"))
    assert notes == ['hook Notification "sleep 20" failed: timed out after 0.3s']

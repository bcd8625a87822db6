"""Running one command hook for real (`/bin/sh`) and reading its answer."""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path

import pytest

from letta_code.harness.hook_config import HookSpec
from letta_code.harness.hook_process import HookAnswer, HookRun, read_answer, run_hook


def spec(command: str, timeout: float = 10, event: str = "PreToolUse") -> HookSpec:
    return HookSpec(event, "", command, timeout, Path("/p/.letta/settings.json"))


def run(command: str, cwd: Path, payload: bytes = b"{}", timeout: float = 10) -> HookRun:
    return asyncio.run(run_hook(spec(command, timeout), payload, cwd))


def test_the_command_gets_the_event_on_stdin_and_runs_in_the_project_with_its_variables(tmp_path: Path) -> None:
    done = run('cat; echo; pwd; echo "$LETTA_PROJECT_DIR|$CLAUDE_PROJECT_DIR"', tmp_path, b'{"tool_name": "Bash"}')
    assert done.exit_code == 0 and done.problem is None
    lines = done.stdout.splitlines()
    assert json.loads(lines[0]) == {"tool_name": "Bash"}
    assert lines[1] == str(tmp_path) and lines[2] == f"{tmp_path}|{tmp_path}"


def test_exit_codes_and_output_are_kept(tmp_path: Path) -> None:
    done = run("echo out; echo err >&2; exit 2", tmp_path)
    assert (done.exit_code, done.stdout, done.stderr) == (2, "out\n", "err\n")


def test_a_hook_that_ignores_stdin_is_fine(tmp_path: Path) -> None:
    done = run("exit 0", tmp_path, b"x" * 1_000_000)  # more than a pipe holds
    assert done.exit_code == 0 and done.problem is None


def test_a_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    started = time.monotonic()
    done = run(f"sleep 30 & echo $! > {pid_file}; wait", tmp_path, timeout=0.5)
    assert done.problem == "timed out after 0.5s" and done.exit_code is None
    assert time.monotonic() - started < 5
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _alive(child):
        time.sleep(0.05)
    assert not _alive(child)  # the background `sleep` went with the hook


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie has exited
        return stat.read().split(") ")[1][0] != "Z"


def test_a_command_that_cannot_start_is_a_problem_not_an_exception(tmp_path: Path) -> None:
    done = run("true", tmp_path / "missing-folder")
    assert done.problem is not None and done.problem.startswith("cannot start:")


def answer(event: str, exit_code: int, stdout: str = "", stderr: str = "") -> HookAnswer:
    return read_answer(event, HookRun(exit_code, stdout, stderr))


def test_exit_2_blocks_with_stderr_and_other_exits_fail_with_the_first_stderr_line() -> None:
    assert answer("PreToolUse", 2, stderr="  not here\n").block == "not here"
    assert answer("PreToolUse", 2).block == "blocked by a hook (exit 2)"
    failed = answer("PreToolUse", 1, stderr="\nboom\nmore\n")
    assert failed.failure == "exit 1: boom" and failed.block is None
    assert answer("Stop", 127).failure == "exit 127"
    assert read_answer("Stop", HookRun(None, problem="timed out after 1s")).failure == "timed out after 1s"


def test_plain_stdout_is_context_only_for_the_events_that_take_it() -> None:
    assert answer("UserPromptSubmit", 0, "the date is Monday\n").context == "the date is Monday"
    assert answer("SessionStart", 0, "branch main\n").context == "branch main"
    assert answer("PreToolUse", 0, "some log line\n") == HookAnswer()


def test_json_answers_are_read() -> None:
    pre = answer(
        "PreToolUse",
        0,
        json.dumps(
            {
                "systemMessage": "rewrote the command",
                "hookSpecificOutput": {
                    "hookEventName": "PreToolUse",
                    "permissionDecision": "allow",
                    "permissionDecisionReason": "safe",
                    "updatedInput": {"command": "ls -la"},
                },
            }
        ),
    )
    assert (pre.permission, pre.permission_reason, pre.updated_input) == ("allow", "safe", {"command": "ls -la"})
    assert pre.system_message == "rewrote the command" and pre.block is None
    deny = answer(
        "PreToolUse", 0, '{"hookSpecificOutput": {"permissionDecision": "deny", "permissionDecisionReason": "no"}}'
    )
    assert deny.block == "no"
    post = answer(
        "PostToolUse",
        0,
        '{"decision": "block", "reason": "lint failed", "hookSpecificOutput": {"additionalContext": "x"}}',
    )
    assert (post.block, post.context) == ("lint failed", "x")
    stop = answer("PostToolUse", 0, '{"continue": false, "stopReason": "enough"}')
    assert stop.stop == "enough"
    asked = answer("PermissionRequest", 0, '{"hookSpecificOutput": {"decision": {"behavior": "deny", "message": "m"}}}')
    assert asked.block == "m"
    allowed = answer("PermissionRequest", 0, '{"hookSpecificOutput": {"decision": {"behavior": "allow"}}}')
    assert allowed.permission == "allow"


@pytest.mark.parametrize(
    ("stdout", "failure"),
    [
        ("{not json", "stdout is not valid JSON"),
        ('{"decision": "maybe"}', '"decision" must be "block" or "approve"'),
        ('{"hookSpecificOutput": {"permissionDecision": "perhaps"}}', '"permissionDecision" must be allow'),
        ('{"hookSpecificOutput": {"updatedInput": "ls"}}', '"updatedInput" must be an object'),
        ('{"reason": 5, "decision": "block"}', '"reason" must be a string'),
        ('{"hookSpecificOutput": []}', '"hookSpecificOutput" must be an object'),
    ],
)
def test_an_unreadable_answer_is_a_failure(stdout: str, failure: str) -> None:
    got = answer("PreToolUse", 0, stdout)
    assert got.failure is not None and got.failure.startswith(failure), got.failure
    assert got.block is None and got.permission is None

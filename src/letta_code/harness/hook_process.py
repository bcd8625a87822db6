"""Running one command hook and reading what it answered.

The command runs through `/bin/sh -c` in the project folder, with `LETTA_PROJECT_DIR`
(and `CLAUDE_PROJECT_DIR`, for scripts written for Claude Code) set, the event as JSON
on stdin, in a process group of its own: on its timeout (or an interrupt) the whole
group is killed. `read_answer` turns the exit code and output into a `HookAnswer`:
exit 0 reads a JSON object on stdout (plain text is extra context where that event
takes it), exit 2 blocks with stderr as the reason, anything else is a failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from letta_code.harness.hook_config import HookSpec
from letta_code.schemas.chunks import ToolArguments

BLOCK_EXIT = 2
MAX_TEXT = 10_000  # characters of a hook's reason or context passed on
DRAIN_SECONDS = 2.0  # after a kill: how long to wait for the pipes to close
# Events whose plain (non-JSON) stdout on exit 0 is context for the model.
PLAIN_CONTEXT_EVENTS = ("UserPromptSubmit", "SessionStart")

Permission = Literal["allow", "deny", "ask"]


@dataclass(frozen=True)
class HookRun:
    """What the command did: its exit code and output, or why it never finished."""

    exit_code: int | None
    stdout: str = ""
    stderr: str = ""
    problem: str | None = None  # timed out, could not start


@dataclass
class HookAnswer:
    """One hook's answer to one event."""

    failure: str | None = None  # why the hook failed (then the rest says nothing)
    block: str | None = None  # exit 2, decision "block", or a deny: the reason
    permission: Permission | None = None  # allow / ask (deny is a block)
    permission_reason: str = ""
    updated_input: ToolArguments | None = None
    context: str | None = None
    system_message: str | None = None
    stop: str | None = None  # "continue": false, with its stopReason


async def run_hook(spec: HookSpec, payload: bytes, cwd: Path) -> HookRun:
    """Run `spec.command` with `payload` on stdin; never raises for the command's failures."""
    env = {**os.environ, "LETTA_PROJECT_DIR": str(cwd), "CLAUDE_PROJECT_DIR": str(cwd)}
    try:
        proc = await asyncio.create_subprocess_exec(
            "/bin/sh",
            "-c",
            spec.command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=cwd,
            env=env,
            start_new_session=True,
        )
    except OSError as exc:
        return HookRun(None, problem=f"cannot start: {exc.strerror or exc}")
    try:
        out, err = await asyncio.wait_for(proc.communicate(payload), spec.timeout)
    except TimeoutError:
        await _kill(proc)
        return HookRun(None, problem=f"timed out after {spec.timeout:g}s")
    finally:
        if proc.returncode is None:  # cancelled (an interrupt): the group goes too
            await _kill(proc)
    return HookRun(proc.returncode, _text(out), _text(err))


async def _kill(proc: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    if proc.stdin is not None:  # a write cut short leaves it open
        proc.stdin.close()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(proc.communicate(), DRAIN_SECONDS)
    with contextlib.suppress(Exception):
        await proc.wait()


def _text(data: bytes | None) -> str:
    return (data or b"").decode("utf-8", errors="replace")


def read_answer(event: str, run: HookRun) -> HookAnswer:
    """The hook's answer from its exit code and output (see the module docstring)."""
    if run.problem is not None:
        return HookAnswer(failure=run.problem)
    if run.exit_code == BLOCK_EXIT:
        return HookAnswer(block=clip(run.stderr.strip()) or "blocked by a hook (exit 2)")
    if run.exit_code != 0:
        return HookAnswer(failure=f"exit {run.exit_code}{_first_line(run.stderr)}")
    text = run.stdout.strip()
    if not text.startswith("{"):
        plain = clip(text) if text and event in PLAIN_CONTEXT_EVENTS else None
        return HookAnswer(context=plain)
    try:
        data = json.loads(text)
    except ValueError as exc:
        return HookAnswer(failure=f"stdout is not valid JSON ({exc})")
    if not isinstance(data, dict):
        return HookAnswer(failure="stdout is not a JSON object")
    try:
        return _read_json(event, data)
    except _BadAnswer as exc:
        return HookAnswer(failure=str(exc))


class _BadAnswer(Exception):
    """A JSON answer with a field of the wrong shape."""


def _read_json(event: str, data: dict[str, object]) -> HookAnswer:
    answer = HookAnswer(system_message=_string(data, "systemMessage"))
    if data.get("continue") is False:
        answer.stop = clip(_string(data, "stopReason") or "") or f"a {event} hook stopped the agent"
    decision = data.get("decision")
    reason = clip(_string(data, "reason") or "")
    if decision == "block":
        answer.block = reason or f"blocked by a {event} hook"
    elif decision == "approve":  # the older spelling of permissionDecision "allow"
        answer.permission, answer.permission_reason = "allow", reason
    elif decision is not None:
        raise _BadAnswer(f'"decision" must be "block" or "approve", not {json.dumps(decision)[:40]}')
    specific = data.get("hookSpecificOutput")
    if specific is None:
        return answer
    if not isinstance(specific, dict):
        raise _BadAnswer('"hookSpecificOutput" must be an object')
    _read_specific(event, specific, answer)
    return answer


def _read_specific(event: str, specific: dict[str, object], answer: HookAnswer) -> None:
    context = _string(specific, "additionalContext")
    answer.context = clip(context) if context else None
    permission = specific.get("permissionDecision")
    reason = clip(_string(specific, "permissionDecisionReason") or "")
    if permission == "deny":
        answer.block = answer.block or reason or f"denied by a {event} hook"
    elif permission in ("allow", "ask"):
        answer.permission, answer.permission_reason = permission, reason
    elif permission is not None:
        raise _BadAnswer(f'"permissionDecision" must be allow, deny or ask, not {json.dumps(permission)[:40]}')
    updated = specific.get("updatedInput")
    if updated is not None and not isinstance(updated, dict):
        raise _BadAnswer('"updatedInput" must be an object (the whole new tool input)')
    answer.updated_input = updated
    verdict = specific.get("decision")
    if event == "PermissionRequest" and verdict is not None:
        _read_verdict(verdict, answer)


def _read_verdict(verdict: object, answer: HookAnswer) -> None:
    """PermissionRequest's `hookSpecificOutput.decision`: {behavior: allow|deny, message}."""
    if not isinstance(verdict, dict) or verdict.get("behavior") not in ("allow", "deny"):
        raise _BadAnswer('"hookSpecificOutput.decision" must be {"behavior": "allow" or "deny"}')
    if verdict["behavior"] == "deny":
        answer.block = answer.block or clip(_string(verdict, "message") or "") or "denied by a PermissionRequest hook"
    else:
        answer.permission = "allow"


def _string(data: dict[str, object], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _BadAnswer(f'"{key}" must be a string')
    return value


def _first_line(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return f": {lines[0][:200]}" if lines else ""


def clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + " … (cut)"

"""Hooks: the user's own commands, run at points of a session (Claude Code's format).

`HookRunner` fires one event: it picks the hooks that match (`hook_config.py`), runs
them in parallel (`hook_process.py`), reports each failure and `systemMessage` as one
line through `notify`, and folds their answers into one `HookOutcome`: any block (or
deny) wins over ask, ask over allow; the reasons are joined. A failing hook changes
nothing: the event goes on as if it had said nothing. With no hook for an event,
nothing is spawned.

The executor fires the tool events (`harness/executor.py`), the turn runner
UserPromptSubmit and Stop (`harness/turn.py`), the CLI the session events. The
context SessionStart hooks give waits in `pending_context` for the next user prompt.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, NamedTuple

from letta_code.harness.hook_config import HookConfig, HookSpec
from letta_code.harness.hook_process import HookAnswer, read_answer, run_hook
from letta_code.schemas.chunks import ToolArguments

# Events whose exit-2 / block answer only reaches the user (nothing to block).
NOTICE_EVENTS = ("SessionStart", "SessionEnd", "PreCompact", "Notification")
COMMAND_SHOWN = 60  # characters of a command in a failure line


class HookSession(NamedTuple):
    """Who the events are about, asked afresh for each event (the TUI switches conversations)."""

    agent_id: str
    conversation_id: str
    permission_mode: str


Notify = Callable[[str], None]


def _stderr_notice(line: str) -> None:
    print(f"letta: {line}", file=sys.stderr)


@dataclass
class HookOutcome:
    """What the hooks of one event said, together."""

    decision: Literal["block", "ask", "allow"] | None = None  # block: exit 2, decision block, or deny
    reason: str = ""  # the block reasons (or the ask/allow reasons), joined
    updated_input: ToolArguments | None = None  # PreToolUse: the tool input to use instead
    context: list[str] = field(default_factory=list)  # additionalContext, in settings order
    stop: str | None = None  # a hook answered "continue": false, with this stopReason

    @property
    def blocked(self) -> bool:
        return self.decision == "block"


def combine(answers: list[HookAnswer]) -> HookOutcome:
    """One outcome from several answers (failures already left out)."""
    outcome = HookOutcome()
    blocks = [a.block for a in answers if a.block]
    asks = [a for a in answers if a.permission == "ask"]
    allows = [a for a in answers if a.permission == "allow"]
    if blocks:
        outcome.decision, outcome.reason = "block", "\n".join(blocks)
    elif asks or allows:
        chosen = asks or allows
        outcome.decision = "ask" if asks else "allow"
        outcome.reason = "\n".join(a.permission_reason for a in chosen if a.permission_reason)
    for answer in answers:
        if answer.updated_input is not None:
            outcome.updated_input = answer.updated_input  # the last hook in settings order wins
        if answer.context:
            outcome.context.append(answer.context)
        if answer.stop and outcome.stop is None:
            outcome.stop = answer.stop
    return outcome


class HookRunner:
    """Fires the hook events of one session."""

    def __init__(
        self,
        config: HookConfig,
        cwd: Path,
        session: Callable[[], HookSession],
        notify: Notify | None = None,
    ) -> None:
        self.config = config
        self.cwd = cwd
        self.session = session
        self.notify: Notify = notify or _stderr_notice  # the TUI prints a dim line instead
        self.pending_context: list[str] = []  # from SessionStart, for the next user prompt

    def take_context(self) -> list[str]:
        taken, self.pending_context = self.pending_context, []
        return taken

    # -- the events --------------------------------------------------------------------
    async def pre_tool_use(self, name: str, args: ToolArguments, tool_use_id: str) -> HookOutcome:
        return await self.fire("PreToolUse", name, _tool_fields(name, args, tool_use_id))

    async def permission_request(self, name: str, args: ToolArguments, tool_use_id: str) -> HookOutcome:
        return await self.fire("PermissionRequest", name, _tool_fields(name, args, tool_use_id))

    async def post_tool_use(
        self, name: str, args: ToolArguments, tool_use_id: str, output: str, *, failed: bool
    ) -> HookOutcome:
        """PostToolUse after a call that succeeded, PostToolUseFailure after an error result."""
        fields = _tool_fields(name, args, tool_use_id)
        fields["tool_response"] = {"output": output, "status": "error" if failed else "success"}
        if failed:
            fields["error"] = output
        return await self.fire("PostToolUseFailure" if failed else "PostToolUse", name, fields)

    async def user_prompt_submit(self, prompt: str) -> HookOutcome:
        return await self.fire("UserPromptSubmit", None, {"prompt": prompt})

    async def stop(self, *, active: bool) -> HookOutcome:
        return await self.fire("Stop", None, {"stop_hook_active": active})

    async def session_start(self, source: Literal["startup", "resume", "clear", "compact"]) -> None:
        outcome = await self.fire("SessionStart", source, {"source": source})
        self.pending_context.extend(outcome.context)

    async def session_end(self, reason: Literal["clear", "logout", "prompt_input_exit", "other"]) -> None:
        await self.fire("SessionEnd", None, {"reason": reason})

    async def pre_compact(self, trigger: Literal["manual", "auto"], instructions: str = "") -> None:
        await self.fire("PreCompact", trigger, {"trigger": trigger, "custom_instructions": instructions})

    async def notification(self, message: str, kind: str = "permission_prompt") -> None:
        await self.fire("Notification", kind, {"message": message, "notification_type": kind})

    # -- running -----------------------------------------------------------------------
    def has(self, event: str, subject: str | None = None) -> bool:
        return bool(self.config.matching(event, subject))

    async def fire(self, event: str, subject: str | None, fields: Mapping[str, object]) -> HookOutcome:
        """Run the hooks of `event` that match `subject` in parallel; their combined answer."""
        specs = self.config.matching(event, subject)
        if not specs:
            return HookOutcome()
        payload = json.dumps({**self._common(event), **fields}, ensure_ascii=False).encode()
        runs = await asyncio.gather(*(run_hook(spec, payload, self.cwd) for spec in specs))
        answers: list[HookAnswer] = []
        for spec, run in zip(specs, runs, strict=True):
            answer = read_answer(event, run)
            if answer.failure is not None:
                self.notify(failure_line(spec, answer.failure))
                continue
            if answer.system_message:
                self.notify(f"{event} hook: {answer.system_message}")
            answers.append(answer)
        outcome = combine(answers)
        if event in NOTICE_EVENTS and outcome.blocked:
            self.notify(f"{event} hook: {outcome.reason}")
        return outcome

    def _common(self, event: str) -> dict[str, object]:
        who = self.session()
        return {
            "hook_event_name": event,
            "session_id": who.conversation_id,
            "agent_id": who.agent_id,
            "conversation_id": who.conversation_id,
            "cwd": str(self.cwd),
            "permission_mode": who.permission_mode,
            "transcript_path": None,  # there is no transcript file: the service keeps the messages
        }


def _tool_fields(name: str, args: ToolArguments, tool_use_id: str) -> dict[str, object]:
    return {"tool_name": name, "tool_input": args, "tool_use_id": tool_use_id}


def failure_line(spec: HookSpec, problem: str) -> str:
    command = " ".join(spec.command.split())
    if len(command) > COMMAND_SHOWN:
        command = command[: COMMAND_SHOWN - 1] + "…"
    return f'hook {spec.event} "{command}" failed: {problem}'

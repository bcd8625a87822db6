"""Run the client tool calls of an approval request: permission check, then execute.

Read-only tools (and harness-side tools that say they may, as `Task` does) run in
parallel; tools that change things run one at a time, in the order the model asked
for them. Each call ends as one approval item for the service (`schemas/chunks.py`):
a `ToolResultItem` `{type: "tool", tool_call_id, tool_return, status}` or, when the
user said no, an `ApprovalDecisionItem`.

With hooks (`harness/hooks.py`): PreToolUse runs before the permission checker, in
every mode (a block stops the call; a rewritten input is what the checker checks and
what runs; allow answers an ask, never a deny; ask asks even in bypassPermissions),
PermissionRequest before the user is asked, PostToolUse (PostToolUseFailure) after
the call, its feedback appended to the result the model gets.

`StartedCalls` remembers on disk which calls began executing until their results
are delivered, so a later session can tell a call that never ran from one that a
crash (a SIGKILLed `letta`) cut short while it ran.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import hashlib
import json
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from dataclasses import replace as replace_call
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, cast

from letta_code.config.paths import letta_home
from letta_code.permissions import Decision, PermissionChecker
from letta_code.permissions.categories import PATH_ARGUMENT
from letta_code.schemas.chunks import (
    ApprovalDecisionItem,
    ApprovalItem,
    ClientToolSchema,
    ContentPart,
    ToolArguments,
    ToolResultItem,
)
from letta_code.schemas.text import scrub
from letta_code.tools.base import ClientTool, ToolResult, ToolSession
from letta_code.tools.core import resolve_path
from letta_code.tools.registry import get_tool

if TYPE_CHECKING:  # imported only by a session that has hooks
    from letta_code.harness.hooks import HookOutcome, HookRunner


@dataclass
class PendingCall:
    tool_call_id: str
    name: str
    arguments: str

    def args(self) -> ToolArguments:
        try:
            parsed = json.loads(self.arguments or "{}")
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}

    def argument_error(self) -> str | None:
        """Why the arguments are not a JSON object (None when they are)."""
        try:
            parsed = json.loads(self.arguments or "{}")
        except ValueError as exc:
            return f"not valid JSON ({exc})"
        return None if isinstance(parsed, dict) else "expected a JSON object"


@dataclass
class UserAnswer:
    """What the user said to an approval prompt."""

    choice: Literal["allow", "allow_always", "deny"]
    reason: str | None = None
    rule: str | None = None
    # Send `reason` as the tool's (error) result rather than as a user's refusal;
    # headless mode does this, since no user was asked.
    as_result: bool = False


# (call, decision) -> the user's answer; the TUI prompts, headless denies.
AskUser = Callable[[PendingCall, Decision], Awaitable[UserAnswer]]
# (call, phase, result) for rendering: phase "start" | "end"
ToolObserver = Callable[[PendingCall, str, ToolResult | None, float], None]
# A harness-side tool that is not in the tools registry (e.g. Skill, which edits the
# agent's memory through the backend): args -> result. Always allowed, run in order.
SpecialTool = Callable[[ToolArguments], Awaitable[ToolResult]]
OnStart = Callable[[PendingCall], None]


@dataclass(frozen=True)
class SpecialCall:
    """The harness-side tool call being run, and the executor running it: what a tool that runs
    tool calls of its own (`Task`'s subagents) asks through, so its prompts are the caller's."""

    executor: ToolExecutor
    call: PendingCall


_SPECIAL_CALL: contextvars.ContextVar[SpecialCall | None] = contextvars.ContextVar("special_call", default=None)


def current_special_call() -> SpecialCall | None:
    """Inside a harness-side tool: its call and executor (None elsewhere)."""
    return _SPECIAL_CALL.get()


class ExternalTool(Protocol):
    """A client tool served by another process (an MCP server's tool): it goes through the
    permission checker like any tool, and runs by awaiting `call` (not in a worker thread)."""

    @property
    def name(self) -> str: ...

    @property
    def read_only(self) -> bool:
        """The server says the tool changes nothing: a hint for running calls in parallel,
        never a permission."""
        ...

    async def call(self, args: ToolArguments) -> ToolResult: ...


class StartedCalls:
    """The tool calls of one conversation that began executing and whose results are not delivered yet:
    one empty file each under `$LETTA_HOME/started-tool-calls/` (written before the tool starts)."""

    def __init__(self, conversation_id: str, folder: Path | None = None) -> None:
        self.conversation_id = conversation_id
        self.folder = folder

    def _path(self, tool_call_id: str) -> Path:
        folder = self.folder or letta_home() / "started-tool-calls"
        key = hashlib.sha256(f"{self.conversation_id}\0{tool_call_id}".encode()).hexdigest()[:40]
        return folder / key

    def record(self, call: PendingCall) -> None:
        path = self._path(call.tool_call_id)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
        except OSError:  # a read-only home: the next session says less, nothing breaks
            pass

    def started(self, tool_call_id: str) -> bool:
        return self._path(tool_call_id).exists()

    def forget(self, tool_call_ids: Iterable[str]) -> None:
        for tool_call_id in tool_call_ids:
            with contextlib.suppress(OSError):
                self._path(tool_call_id).unlink()


class ToolExecutor:
    def __init__(
        self,
        session: ToolSession,
        checker: PermissionChecker,
        ask_user: AskUser,
        observer: ToolObserver | None = None,
        on_allow_always: Callable[[str], None] | None = None,
        on_plan_approved: Callable[[], None] | None = None,
        special_tools: dict[str, SpecialTool] | None = None,
        external_tools: Mapping[str, ExternalTool] | None = None,
        hooks: HookRunner | None = None,
        on_file_touched: Callable[[Path], Awaitable[None]] | None = None,
    ) -> None:
        self.session = session
        self.checker = checker
        self.ask_user = ask_user
        self.observer = observer
        self.on_allow_always = on_allow_always
        self.on_plan_approved = on_plan_approved
        self.special_tools = dict(special_tools or {})
        self.external_tools = external_tools if external_tools is not None else {}
        self.hooks = hooks
        self.on_file_touched = on_file_touched  # a file tool read or changed this path (project instructions)
        self.stop_request: str | None = None  # a hook answered "continue": false (its stopReason)
        self.tool_calls = 0

    async def run_calls(self, calls: list[PendingCall], *, on_start: OnStart | None = None) -> list[ApprovalItem]:
        """Decide and execute every call; returns the approval items in call order.
        `on_start(call)` runs right before a call starts executing."""
        results: dict[str, ApprovalItem] = {}
        parallel: list[PendingCall] = []
        for call in calls:
            call, denial = await self._permit(call)
            if denial is not None:
                results[call.tool_call_id] = denial
                continue
            if self._read_only(call.name):
                parallel.append(call)
            else:
                await self._flush_parallel(parallel, results, on_start)
                results[call.tool_call_id] = await self._execute(call, on_start)
        await self._flush_parallel(parallel, results, on_start)
        return [results[c.tool_call_id] for c in calls]

    async def _flush_parallel(
        self, batch: list[PendingCall], results: dict[str, ApprovalItem], on_start: OnStart | None
    ) -> None:
        if not batch:
            return
        items = await asyncio.gather(*(self._execute(c, on_start) for c in batch))
        for call, item in zip(batch, items, strict=True):
            results[call.tool_call_id] = item
        batch.clear()

    def _read_only(self, name: str) -> bool:
        """Whether the call may run alongside others: a read-only tool, or a harness-side tool that
        says it may (`concurrent = True`, as `Task` does: each subagent's calls are checked on their own)."""
        if getattr(self.special_tools.get(name), "concurrent", False):
            return True
        external = self.external_tools.get(name)
        if external is not None:
            return external.read_only
        tool = get_tool(name)
        return tool is not None and tool.read_only

    def _known(self, name: str) -> bool:
        return name in self.special_tools or name in self.external_tools or get_tool(name) is not None

    async def _permit(self, call: PendingCall) -> tuple[PendingCall, ApprovalItem | None]:
        """The call to run (its input perhaps rewritten by a PreToolUse hook), and None when it
        may run; else the denial item to send back."""
        problem = self._unrunnable(call)
        if problem is not None:
            return call, problem
        hook = await self._pre_tool_hook(call)
        if hook is not None and hook.blocked:
            return call, _item(call, f"Blocked by a PreToolUse hook: {hook.reason}", "error")
        if hook is not None and hook.updated_input is not None:
            call = replace_call(call, arguments=json.dumps(hook.updated_input, ensure_ascii=False))
        return call, await self._decide(call, hook)

    def _unrunnable(self, call: PendingCall) -> ApprovalItem | None:
        if not self._known(call.name):
            return _item(call, f"Error: unknown tool '{call.name}'", "error")
        problem = call.argument_error()
        if problem:
            return _item(call, f"Error: invalid arguments for {call.name}: {problem}", "error")
        return None

    async def _pre_tool_hook(self, call: PendingCall) -> HookOutcome | None:
        """The PreToolUse hooks' answer (None without hooks): they run in every mode, before the checker."""
        if self.hooks is None:
            return None
        return self._note_stop(await self.hooks.pre_tool_use(call.name, call.args(), call.tool_call_id))

    def _note_stop(self, outcome: HookOutcome) -> HookOutcome:
        if outcome.stop is not None and self.stop_request is None:
            self.stop_request = outcome.stop
        return outcome

    def take_stop_request(self) -> str | None:
        """Why a hook asked to stop the turn since the last call (None: none did)."""
        reason, self.stop_request = self.stop_request, None
        return reason

    async def _decide(self, call: PendingCall, hook: HookOutcome | None) -> ApprovalItem | None:
        # The checker sees the input that will run: a hook's rewrite, never the old one.
        decision = self.checker.check(call.name, call.args())
        if decision.behavior == "deny":  # a hook may answer an ask, never override a deny
            return _item(call, f"Permission denied: {decision.reason}", "error")
        said = hook.decision if hook is not None else None
        if said == "ask":
            assert hook is not None
            reason = f"a PreToolUse hook asks for approval{': ' + hook.reason if hook.reason else ''}"
            return await self._ask(call, Decision("ask", reason), by_hook=True)
        # The harness's own tools (Skill) touch only the agent's memory: a deny rule
        # still stops them, nothing else asks.
        if call.name in self.special_tools or said == "allow" or decision.behavior == "allow":
            return None
        return await self._ask(call, decision)

    async def _ask(self, call: PendingCall, decision: Decision, *, by_hook: bool = False) -> ApprovalItem | None:
        """PermissionRequest hooks may answer an ask; else the user is asked."""
        if self.hooks is not None:
            outcome = self._note_stop(await self.hooks.permission_request(call.name, call.args(), call.tool_call_id))
            if outcome.blocked:
                return _item(call, f"Permission denied by a PermissionRequest hook: {outcome.reason}", "error")
            if outcome.decision == "allow":
                self._approved(call)
                return None
        answer = await self.ask_user(call, decision)
        if answer.choice == "deny" and answer.as_result and by_hook:  # no one to ask (headless)
            text = f"Permission denied: {decision.reason}, and no user can be asked in this session"
            return _item(call, text, "error")
        if answer.choice == "deny" and answer.as_result:
            return _item(call, answer.reason or "Permission denied", "error")
        if answer.choice == "deny":
            reason = answer.reason or "the user declined"
            refusal: ApprovalDecisionItem = {
                "type": "approval",
                "tool_call_id": call.tool_call_id,
                "approve": False,
                "reason": reason,
            }
            return refusal
        if answer.choice == "allow_always":
            rule = answer.rule or decision.suggestion
            if rule:
                self.checker.add_session_rule(rule)
                if self.on_allow_always:
                    self.on_allow_always(rule)
        self._approved(call)
        return None

    def _approved(self, call: PendingCall) -> None:
        if call.name == "ExitPlanMode" and self.on_plan_approved:
            self.on_plan_approved()

    async def _execute(self, call: PendingCall, on_start: OnStart | None = None) -> ToolResultItem:
        special = self.special_tools.get(call.name)
        external = self.external_tools.get(call.name)
        tool = get_tool(call.name)
        assert tool is not None or special is not None or external is not None
        if on_start is not None:
            on_start(call)
        self.tool_calls += 1
        started = time.monotonic()
        if self.observer:
            self.observer(call, "start", None, 0.0)
        try:
            if special is not None:
                token = _SPECIAL_CALL.set(SpecialCall(self, call))
                try:
                    result = await special(call.args())
                finally:
                    _SPECIAL_CALL.reset(token)
            elif external is not None:
                result = await external.call(call.args())
            else:
                assert tool is not None
                result = await asyncio.to_thread(tool.run, call.args(), self.session)
        except Exception as exc:  # a tool bug is reported to the model, not a crash
            result = ToolResult(f"Error: {call.name} failed: {type(exc).__name__}: {exc}", "error")
        if self.observer:
            self.observer(call, "end", result, time.monotonic() - started)
        if tool is not None and special is None and external is None and result.status != "error":
            await self._touched(call)
        notes = await self._post_tool_hook(call, result)
        content: str | list[ContentPart] = result.output + notes
        if result.images:
            content = [{"type": "text", "text": result.output + notes}]
            content += [
                {"type": "image", "source": {"type": "base64", "media_type": img["media_type"], "data": img["data"]}}
                for img in result.images
            ]
        return _item(call, content, result.status)

    async def _touched(self, call: PendingCall) -> None:
        """Tell `on_file_touched` the path a file tool (`PATH_ARGUMENT`) just worked on."""
        raw = call.args().get(PATH_ARGUMENT.get(call.name, ""))
        if self.on_file_touched is not None and isinstance(raw, str) and raw.strip():
            await self.on_file_touched(resolve_path(self.session, raw))

    async def _post_tool_hook(self, call: PendingCall, result: ToolResult) -> str:
        """What PostToolUse (PostToolUseFailure after an error) hooks add to the result the model
        gets: a block reason and additional context, each on its own line; "" without hooks."""
        if self.hooks is None:
            return ""
        failed = result.status == "error"
        outcome = self._note_stop(
            await self.hooks.post_tool_use(call.name, call.args(), call.tool_call_id, result.output, failed=failed)
        )
        event = "PostToolUseFailure" if failed else "PostToolUse"
        notes = ([outcome.reason] if outcome.blocked else []) + outcome.context
        return "".join(f"\n\n{event} hook: {note}" for note in notes)


def _item(
    call: PendingCall, tool_return: str | list[ContentPart], status: Literal["success", "error"]
) -> ToolResultItem:
    # A tool's output may carry undecodable bytes (a file name that is not UTF-8): shown as U+FFFD.
    return {"type": "tool", "tool_call_id": call.tool_call_id, "tool_return": scrub(tool_return), "status": status}


def client_tool_schema(tool: ClientTool) -> ClientToolSchema:
    """What the service is told of a client tool: `tool.schema()`, typed (the tools
    package knows nothing of `schemas`, so it cannot say so itself)."""
    return cast("ClientToolSchema", tool.schema())

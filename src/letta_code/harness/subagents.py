"""The `Task` tool: run a prompt in a subagent with its own context, and return its answer.

A subagent is a hidden agent of the service (tags `hidden`, `subagent`, `parent:<id>`,
`subagent:<type>`), one per parent and type, made on first use and reused. It sees the
parent's `human` and `project` blocks as read-only copies refreshed before each task
(the real blocks when the type says `memory: write`), the parent's `instructions` block,
and a read-only `subagent` block with its type's instructions. Each task runs in a new
conversation of it, so nothing of the parent's context comes along but the prompt (a
`fork` also gets the parent conversation's recent messages, quoted in the prompt).

The subagent's tool calls run here, in the parent's session: through the parent's
permission checker (narrowed when the type asks for a stricter mode), its hooks and,
when a call asks, the parent's approval prompt, labelled with the subagent. Several
`Task` calls of one step run at once (`concurrent`); their approval prompts take turns.
A subagent that fails, is refused or runs out of steps returns that as an error result.
With `run_in_background` the call returns at once and the answer is kept for the front
end to deliver as a notification message (`take_finished`, `wait_background`).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from letta_code.client.backend import Backend, BackendError
from letta_code.harness.executor import (
    AskUser,
    ExternalTool,
    PendingCall,
    ToolExecutor,
    UserAnswer,
    current_special_call,
)
from letta_code.harness.subagent_types import SubagentType
from letta_code.harness.turn import TurnResult, TurnRunner
from letta_code.permissions import Decision, PermissionChecker, PermissionMode, parse_mode
from letta_code.schemas.chunks import ClientToolSchema, MessageView, ToolArguments
from letta_code.schemas.defaults import HIDDEN_TAG
from letta_code.schemas.state import AgentState, BlockState, ConversationState
from letta_code.tools.base import ToolResult, ToolSession

if TYPE_CHECKING:
    from letta_code.harness.hooks import HookRunner

TASK_TOOL = "Task"
SUBAGENT_TAG = "subagent"
SHARED_LABELS = ("human", "project")  # the parent's blocks a subagent sees
INSTRUCTIONS_LABEL = "instructions"  # the parent's read-only AGENTS.md block, attached as it is
TYPE_BLOCK = "subagent"
FORK_MESSAGES = 60  # the parent's last messages a fork is given
FORK_CHARS = 20_000
MAX_STOP_CONTINUATIONS = 3  # SubagentStop hooks that block: the subagent goes on at most this often
# How much each mode lets through without asking. `strict` (asks for everything) and `plan`
# (no edits) allow less than `default` in different ways, so neither is traded for the other.
_LOOSENESS = {
    PermissionMode.STRICT: 0,
    PermissionMode.PLAN: 0,
    PermissionMode.DEFAULT: 1,
    PermissionMode.ACCEPT_EDITS: 2,
    PermissionMode.BYPASS_PERMISSIONS: 3,
}


@dataclass
class SubagentRun:
    """A running subagent, as the TUI shows it."""

    kind: str
    started: float = field(default_factory=time.monotonic)
    tool: PendingCall | None = None  # the call it runs now
    tool_calls: Counter[str] = field(default_factory=Counter)


class Subagents:
    """The harness side of the `Task` tool for one session (`ToolExecutor(special_tools=...)`)."""

    concurrent = True  # several Task calls of one step run at once (the executor asks)

    def __init__(
        self,
        backend: Backend,
        *,
        parent: Callable[[], AgentState],
        conversation: Callable[[], ConversationState],
        types: list[SubagentType],
        client_tools: Callable[[], list[ClientToolSchema]],
        checker: PermissionChecker,
        tool_session: ToolSession,
        external_tools: Mapping[str, ExternalTool] | None = None,
        hooks: HookRunner | None = None,
        max_steps: int = 50,
    ) -> None:
        self.backend = backend
        self.parent = parent
        self.conversation = conversation
        self.types = {t.name: t for t in types}
        self.client_tools = client_tools
        self.checker = checker
        self.tool_session = tool_session
        self.external_tools = external_tools if external_tools is not None else {}
        self.hooks = hooks
        self.max_steps = max_steps
        self.running: dict[str, SubagentRun] = {}  # by the Task call's id
        self.on_finished: Callable[[], None] = lambda: None  # a background task ended (the TUI wakes)
        self._agents: dict[tuple[str, str], AgentState] = {}
        self._asking = asyncio.Lock()  # one approval prompt at a time
        self._background: dict[str, asyncio.Task[ToolResult]] = {}
        self._finished: list[str] = []

    # -- the tool's schema -----------------------------------------------------------------
    def schema(self) -> ClientToolSchema:
        kinds = "; ".join(f"{t.name}: {t.description}" for t in self.types.values())
        return {
            "name": TASK_TOOL,
            "description": (
                "Start a subagent for a self-contained task; it works in its own context and returns its "
                "final answer. Give it everything it needs in `prompt`. Several Task calls at once run in "
                f"parallel. Types: {kinds}"
            ),
            "parameters": {
                "type": "object",
                "properties": {
                    "description": {"type": "string", "description": "The task in 3-5 words"},
                    "prompt": {"type": "string", "description": "The full task for the subagent"},
                    "subagent_type": {"type": "string", "enum": list(self.types)},
                    "run_in_background": {"type": "boolean", "description": "Return now; the answer comes later"},
                },
                "required": ["description", "prompt", "subagent_type"],
            },
        }

    # -- one call ----------------------------------------------------------------------------
    async def __call__(self, args: ToolArguments) -> ToolResult:
        description = str(args.get("description") or "").strip() or "task"
        prompt = args.get("prompt")
        kind = self.types.get(str(args.get("subagent_type") or "general-purpose"))
        if not isinstance(prompt, str) or not prompt.strip():
            return ToolResult("Error: 'prompt' must be a non-empty string", "error")
        if kind is None:
            names = ", ".join(self.types)
            return ToolResult(f"Error: unknown subagent_type {args.get('subagent_type')!r}; known: {names}", "error")
        caller = current_special_call()
        task_id = caller.call.tool_call_id if caller is not None else uuid.uuid4().hex[:12]
        ask = caller.executor.ask_user if caller is not None else None
        if args.get("run_in_background") is True:
            job: asyncio.Task[ToolResult] = asyncio.ensure_future(self._run(kind, prompt, task_id, ask))
            self._background[task_id] = job

            def finished(done: asyncio.Task[ToolResult]) -> None:
                self._done_in_background(task_id, description, done)

            job.add_done_callback(finished)
            return ToolResult(
                f"Started subagent task {task_id} ({kind.name}: {description}) in the background; "
                "its answer will arrive as a message when it is done."
            )
        return await self._run(kind, prompt, task_id, ask)

    async def _run(self, kind: SubagentType, prompt: str, task_id: str, ask: AskUser | None) -> ToolResult:
        run = self.running[task_id] = SubagentRun(kind.name)
        try:
            agent = await self._agent(kind)
            conversation = await self.backend.create_conversation(agent.id)
            text = await self._fork_context(prompt) if kind.fork else prompt
            runner = TurnRunner(
                self.backend,
                self._executor(kind, run, ask),
                conversation_id=conversation.id,
                client_tools=self._tools_for(kind),
                stream_tokens=False,
                max_steps=self.max_steps,
            )
            try:
                result = await self._drive(runner, kind, text)
            except asyncio.CancelledError:  # the parent's turn was interrupted: stop the subagent too
                await asyncio.shield(self._cancel(conversation.id))
                raise
        except BackendError as exc:
            return ToolResult(f"Error: subagent {kind.name} could not run: {exc}", "error")
        finally:
            self.running.pop(task_id, None)
        return _result(kind, result, run)

    async def _drive(self, runner: TurnRunner, kind: SubagentType, text: str) -> TurnResult:
        result = await runner.run(text, model=kind.model)
        for continued in range(MAX_STOP_CONTINUATIONS):
            if self.hooks is None or result.stop_reason != "end_turn":
                break
            outcome = await self.hooks.fire(
                "SubagentStop", None, {"stop_hook_active": continued > 0, "subagent_type": kind.name}
            )
            if not outcome.blocked or not outcome.reason:
                break
            result = await runner.run(outcome.reason, model=kind.model)
        return result

    async def _cancel(self, conversation_id: str) -> None:
        with contextlib.suppress(Exception):  # the run may be over already
            await self.backend.cancel(conversation_id)

    # -- what the subagent may use -----------------------------------------------------------
    def _tools_for(self, kind: SubagentType) -> list[ClientToolSchema]:
        return [t for t in self.client_tools() if kind.allows(t["name"])]

    def _executor(self, kind: SubagentType, run: SubagentRun, ask: AskUser | None) -> ToolExecutor:
        def observe(call: PendingCall, phase: str, result: ToolResult | None, seconds: float) -> None:
            if phase == "start":
                run.tool_calls[call.name] += 1
            run.tool = call if phase == "start" else None

        allowed = {t["name"] for t in self._tools_for(kind)}
        return ToolExecutor(
            ToolSession(cwd=self.tool_session.cwd, hidden=self.tool_session.hidden, sandbox=self.tool_session.sandbox),
            self._checker_for(kind),
            self._asker(kind, ask),
            observe,
            external_tools={n: t for n, t in self.external_tools.items() if n in allowed},
            hooks=self.hooks,
        )

    def _checker_for(self, kind: SubagentType) -> PermissionChecker:
        """The parent's checker, or a copy in the type's mode when that allows less than the
        session's mode does now (never more: `strict` and `plan` sessions keep their mode)."""
        if kind.permission_mode is None:
            return self.checker
        wanted = parse_mode(kind.permission_mode)
        if _LOOSENESS[wanted] >= _LOOSENESS[self.checker.mode]:
            return self.checker
        narrowed = copy.copy(self.checker)
        narrowed.mode = wanted
        return narrowed

    def _asker(self, kind: SubagentType, ask: AskUser | None) -> AskUser:
        async def labelled(call: PendingCall, decision: Decision) -> UserAnswer:
            if ask is None:
                return UserAnswer("deny", f"Permission denied: {decision.reason}", as_result=True)
            reason = f"subagent {kind.name}: {decision.reason}"
            async with self._asking:
                return await ask(call, Decision(decision.behavior, reason, decision.rule, decision.suggestion))

        return labelled

    # -- the hidden agent ---------------------------------------------------------------------
    async def _agent(self, kind: SubagentType) -> AgentState:
        # The parent as stored now: its memory tools may have changed its blocks since start.
        parent = await self.backend.find_agent(self.parent().id) or self.parent()
        key = (parent.id, kind.name)
        agent = self._agents.get(key) or await self._find_agent(parent, kind)
        if agent is None:
            agent = await self._create_agent(parent, kind)
        else:
            agent = await self._refresh(parent, kind, agent)
        self._agents[key] = agent
        return agent

    async def _find_agent(self, parent: AgentState, kind: SubagentType) -> AgentState | None:
        wanted = {SUBAGENT_TAG, f"parent:{parent.id}", f"subagent:{kind.name}"}
        for agent in await self.backend.list_agents():
            if wanted <= set(agent.tags):
                return agent
        return None

    async def _create_agent(self, parent: AgentState, kind: SubagentType) -> AgentState:
        block_ids: list[str] = []
        for block in parent.blocks:
            if block.label in SHARED_LABELS and kind.memory_write:
                block_ids.append(block.id)
            elif block.label in SHARED_LABELS:
                copied = await self.backend.create_block(block.label, block.value, limit=block.limit, read_only=True)
                block_ids.append(copied.id)
            elif block.label == INSTRUCTIONS_LABEL:
                block_ids.append(block.id)
        own = await self.backend.create_block(TYPE_BLOCK, kind.instructions, read_only=True)
        return await self.backend.create_agent(
            name=f"{parent.name}-{kind.name}",
            model=parent.model,
            block_ids=[*block_ids, own.id],
            tools=[t["name"] for t in self._tools_for(kind)],
            tags=[HIDDEN_TAG, SUBAGENT_TAG, f"parent:{parent.id}", f"subagent:{kind.name}"],
        )

    async def _refresh(self, parent: AgentState, kind: SubagentType, agent: AgentState) -> AgentState:
        """Bring the read-only copies and the type's instructions up to date before a task."""
        source = {b.label: b for b in parent.blocks}
        stale = [(b, value) for b in agent.blocks if (value := _wanted_value(b, source, kind)) is not None]
        for block, value in stale:
            await self.backend.update_block(block.id, value)
        if agent.model != parent.model:
            return await self.backend.update_agent(agent.id, model=parent.model)
        return (await self.backend.find_agent(agent.id) or agent) if stale else agent

    async def _fork_context(self, prompt: str) -> str:
        messages = await self.backend.list_messages(self.conversation().id, limit=FORK_MESSAGES)
        quoted = _transcript(messages)
        return f"<parent-conversation>\n{quoted}\n</parent-conversation>\n\nYour task:\n{prompt}"

    # -- background tasks ----------------------------------------------------------------------
    def _done_in_background(self, task_id: str, description: str, job: asyncio.Task[ToolResult]) -> None:
        self._background.pop(task_id, None)
        if job.cancelled():
            return
        error = job.exception()
        answer = f"Error: {type(error).__name__}: {error}" if error is not None else job.result().output
        self._finished.append(
            f'<task-notification>\nSubagent task {task_id} ("{description}") finished.\n{answer}\n</task-notification>'
        )
        self.on_finished()

    def take_finished(self) -> list[str]:
        """The notification texts of background tasks that ended since the last call."""
        taken, self._finished = self._finished, []
        return taken

    def has_finished(self) -> bool:
        return bool(self._finished)

    def background_running(self) -> int:
        return len(self._background)

    async def wait_background(self) -> None:
        """Until every background task has ended."""
        while self._background:
            await asyncio.wait(list(self._background.values()))


def _wanted_value(block: BlockState, source: Mapping[str, BlockState], kind: SubagentType) -> str | None:
    """The value a subagent's block should have now, when it differs from what it has."""
    wanted = None
    if block.label == TYPE_BLOCK:
        wanted = kind.instructions
    elif block.label in SHARED_LABELS and block.read_only and block.label in source:
        wanted = source[block.label].value
    return wanted if wanted is not None and wanted != block.value else None


def _result(kind: SubagentType, result: TurnResult, run: SubagentRun) -> ToolResult:
    uses = sum(run.tool_calls.values())
    tools = ", ".join(f"{n}×{c}" if c > 1 else n for n, c in run.tool_calls.most_common())
    elapsed = time.monotonic() - run.started
    summary = f"[subagent {kind.name}: {uses} tool use{'s' if uses != 1 else ''}"
    summary += f" ({tools})" if tools else ""
    summary += f", {result.steps} step{'s' if result.steps != 1 else ''}, {elapsed:.1f}s]"
    answer = result.text.strip()
    if result.stop_reason == "end_turn" and answer:
        return ToolResult(f"{answer}\n\n{summary}")
    why = result.error or {
        "max_steps": "it reached its step limit",
        "requires_approval": "it was left waiting on a tool call",
        "cancelled": "it was cancelled",
        "end_turn": "it ended without an answer",
    }.get(str(result.stop_reason), f"it stopped ({result.stop_reason})")
    partial = f"\nIts last words: {answer}" if answer else ""
    return ToolResult(f"Error: subagent {kind.name} did not finish: {why}.{partial}\n\n{summary}", "error")


def _transcript(messages: list[MessageView]) -> str:
    lines: list[str] = []
    for message in messages:
        kind = message["message_type"]
        if kind in ("user_message", "assistant_message"):
            content: object = message.get("content")
            parts = content if isinstance(content, list) else []
            texts = [str(p.get("text") or "") for p in parts if isinstance(p, dict)]
            text = content if isinstance(content, str) else " ".join(texts)
            if text.strip() and not text.lstrip().startswith("<system-reminder"):
                lines.append(f"{'user' if kind == 'user_message' else 'agent'}: {text.strip()}")
        elif kind in ("tool_call_message", "approval_request_message"):
            call: object = message.get("tool_call")
            name, arguments = (call.get("name"), call.get("arguments")) if isinstance(call, dict) else ("?", "")
            lines.append(f"agent called {name}({str(arguments or '')[:300]})")
        elif kind == "tool_return_message":
            lines.append(f"tool result: {str(message.get('tool_return') or '')[:500]}")
    text = "\n".join(lines)
    return text if len(text) <= FORK_CHARS else "…" + text[-FORK_CHARS:]

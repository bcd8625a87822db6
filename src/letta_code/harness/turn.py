"""One user turn: send, drain the stream, execute approved tools, send results, repeat.

Shared by the headless runner and the TUI. Rendering happens through `on_chunk`
(every Letta chunk as received, plus local tool returns as `tool_return_message`).
A dropped stream is resumed from the last `seq_id` the harness saw, waiting (with
growing pauses, about half a minute in all) for a server that is restarting. A
`message_superseded` event (a step the server redid after a restart answered
differently) drops the partial message it names from the assembled text.

Tool calls answered without running them (left waiting by an earlier session, cut
off by an interrupt or by the step limit) all go through `answer_without_running`:
an error tool result that tells the truth. A call that had started executing when
its session died or was interrupted (see `StartedCalls`) "may have completed"; only
one that never started is said to be "not run".

With hooks (`harness/hooks.py`), UserPromptSubmit runs before a user prompt is sent
(a block sends nothing; additional context becomes a second text part) and Stop when
the agent ends its turn (a block sends its reason as a new user message, at most
`MAX_STOP_CONTINUATIONS` times a turn). A tool hook's "continue": false ends the turn
once its batch of results is stored.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from letta_code.client.backend import Backend, BackendError
from letta_code.harness.executor import PendingCall, StartedCalls, ToolExecutor
from letta_code.schemas.chunks import (
    ApprovalInput,
    ApprovalItem,
    ClientToolSchema,
    ContentPart,
    OutgoingMessage,
    StreamChunk,
    ToolCallData,
    ToolReturnChunk,
    UsageChunk,
)
from letta_code.schemas.defaults import DEFAULT_MAX_STEPS

if TYPE_CHECKING:  # imported only by a session that has hooks
    from letta_code.harness.hooks import HookRunner

# Pauses before each attempt to resume a lost stream (a restarting server takes a few seconds).
RESUME_DELAYS = (0.0, 0.2, 0.5, 1.0, 1.0, 2.0, 2.0, 3.0, 5.0, 5.0, 5.0, 5.0)
# A cancelled run takes a moment to wind down: answers sent meanwhile are refused (409, busy).
BUSY_RETRIES = 20
BUSY_PAUSE = 0.1
# A Stop hook that blocks sends its reason as a new user message: at most this many times a turn.
MAX_STOP_CONTINUATIONS = 5

# Every chunk as it arrives, and the tool returns of local calls (`TurnRunner.on_chunk`).
OnChunk = Callable[[StreamChunk], None]


@dataclass
class TurnResult:
    text: str = ""
    stop_reason: str | None = None
    error: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_input_tokens: int | None = None  # None: the provider reported no cache use
    usage_estimated: bool = False  # the model server reported no usage: the counts are our estimate
    steps: int = 0
    run_ids: list[str] = field(default_factory=list)
    hook_stop: str | None = None  # a hook ended the turn (a blocked prompt, "continue": false): the line for the user

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def add_usage(self, chunk: UsageChunk) -> None:
        """Count a `usage_statistics` chunk (one run's steps and tokens) into the turn."""
        self.prompt_tokens += int(chunk.get("prompt_tokens") or 0)
        self.completion_tokens += int(chunk.get("completion_tokens") or 0)
        if chunk.get("cached_input_tokens") is not None:
            self.cached_input_tokens = (self.cached_input_tokens or 0) + int(chunk["cached_input_tokens"])
        self.steps += int(chunk.get("step_count") or 0)
        self.usage_estimated = self.usage_estimated or bool(chunk.get("estimated"))


class TurnRunner:
    def __init__(
        self,
        backend: Backend,
        executor: ToolExecutor,
        *,
        conversation_id: str,
        client_tools: Sequence[ClientToolSchema],
        stream_tokens: bool,
        on_chunk: OnChunk | None = None,
        max_steps: int = DEFAULT_MAX_STEPS,
        started: StartedCalls | None = None,
        hooks: HookRunner | None = None,
    ) -> None:
        self.backend = backend
        self.executor = executor
        self.conversation_id = conversation_id
        self.client_tools = client_tools
        self.stream_tokens = stream_tokens
        self.on_chunk: OnChunk = on_chunk or (lambda chunk: None)
        self.max_steps = max_steps
        self.current_run: str | None = None
        self.started = started or StartedCalls(conversation_id)  # default: under $LETTA_HOME
        self.hooks = hooks
        self.turn_model: str | None = None  # the model every run of the current turn uses (None: the agent's)

    async def resolve_pending(self) -> TurnResult | None:
        """Finish tool calls left waiting by an earlier session (crash, Ctrl-C)."""
        self.turn_model = None
        pending = await self.backend.pending_approvals(self.conversation_id)
        if not pending:
            return None
        approvals = await self.executor.run_calls(_pending_calls(pending), on_start=self.started.record)
        stopped = await self._stop_if_asked(approvals, TurnResult())
        return stopped or await self._drive([_approval(approvals)])

    async def discard_pending(self, reason: str) -> int:
        """Answer tool calls left waiting by an earlier session without running them (a
        command someone interrupted must not run again unasked); how many there were."""
        return await answer_without_running(
            self.backend, self.conversation_id, reason, client_tools=self.client_tools, started=self.started
        )

    async def run(self, user_content: str | list[ContentPart], *, model: str | None = None) -> TurnResult:
        """One user turn, every run of it on `model` when given (the agent's own model is left as it is). With
        hooks: UserPromptSubmit first (it may block the prompt or add context), Stop when the agent ends its turn."""
        self.turn_model = model
        if self.hooks is None:
            return await self._drive([_user_message(user_content)])
        outcome = await self.hooks.user_prompt_submit(_prompt_text(user_content))
        stopped = outcome.stop or (outcome.reason if outcome.blocked else None)
        if stopped is not None:
            line = f"a UserPromptSubmit hook blocked the prompt: {stopped}"
            return TurnResult(error=line, hook_stop=line)
        context = self.hooks.take_context() + outcome.context
        result = await self._drive([_user_message(_with_context(user_content, context))])
        return await self._after_stop_hooks(result)

    async def _after_stop_hooks(self, result: TurnResult) -> TurnResult:
        """Run the Stop hooks when the agent ended its turn; a block sends its reason as a new
        user message (at most MAX_STOP_CONTINUATIONS times), with stop_hook_active set after."""
        assert self.hooks is not None
        for continuation in range(MAX_STOP_CONTINUATIONS):
            if result.stop_reason != "end_turn" or result.hook_stop or result.steps >= self.max_steps:
                break
            outcome = await self.hooks.stop(active=continuation > 0)
            if not outcome.blocked or outcome.stop is not None:
                break
            result = await self._drive([_user_message(f"Stop hook feedback:\n{outcome.reason}")], result)
        return result

    async def _drive(self, messages: list[OutgoingMessage], result: TurnResult | None = None) -> TurnResult:
        result = result if result is not None else TurnResult()
        text_parts: dict[str, str] = {}
        while True:
            approvals = await self._one_run(messages, result, text_parts, self.max_steps - result.steps)
            if result.stop_reason != "requires_approval" or not approvals:
                break
            if result.steps >= self.max_steps:
                # The step budget is per user turn, not per run: every batch of tool
                # results starts a new run on the service.
                reason = f"the turn reached its limit of {self.max_steps} steps"
                await answer_without_running(
                    self.backend,
                    self.conversation_id,
                    reason,
                    client_tools=self.client_tools,
                    calls=approvals,
                    started=self.started,
                    on_chunk=self.on_chunk,
                )
                result.stop_reason = "max_steps"
                break
            items = await self.executor.run_calls(approvals, on_start=self.started.record)
            for call, item in zip(approvals, items, strict=True):
                self._report_local_return(call, item)
            if await self._stop_if_asked(items, result):
                break
            messages = [_approval(items)]
        return result

    async def _stop_if_asked(self, items: list[ApprovalItem], result: TurnResult) -> TurnResult | None:
        """When a tool hook said "continue": false: store the results without a model step and
        end the turn (`result`, saying why); None when no hook asked."""
        stop = self.executor.take_stop_request()
        if stop is None:
            return None
        await _send_quietly(self.backend, self.conversation_id, _approval(items), self.client_tools, self.on_chunk)
        self.started.forget(item["tool_call_id"] for item in items)
        result.hook_stop = result.error = f"a hook stopped the turn: {stop}"
        result.stop_reason = "end_turn"
        return result

    async def _one_run(
        self, messages: list[OutgoingMessage], result: TurnResult, text_parts: dict[str, str], max_steps: int
    ) -> list[PendingCall]:
        calls: dict[str, PendingCall] = {}
        last_seq = 0
        # Tool results this run delivers: once it streams, the service has stored them.
        answered = [item["tool_call_id"] for m in messages if "approvals" in m for item in m["approvals"]]
        stream = self.backend.send(
            self.conversation_id,
            messages,
            client_tools=self.client_tools,
            stream_tokens=self.stream_tokens,
            max_steps=max_steps,
            override_model=self.turn_model,
        )
        attempts = 0
        result.stop_reason = None
        while True:
            try:
                async for chunk in stream:
                    if answered:
                        self.started.forget(answered)
                        answered = []
                    last_seq = chunk.get("seq_id") or last_seq
                    if chunk.get("run_id") and chunk["run_id"] != self.current_run:
                        self.current_run = chunk["run_id"]
                        result.run_ids.append(chunk["run_id"])
                    absorb_chunk(chunk, result, text_parts, calls)
                    self.on_chunk(chunk)
                break
            except BackendError:
                raise
            except (ConnectionError, OSError, TimeoutError) as exc:
                if self.current_run is None or attempts >= len(RESUME_DELAYS):
                    raise BackendError(f"lost the connection to the agent service: {exc}") from exc
                await asyncio.sleep(RESUME_DELAYS[attempts])
                attempts += 1
                stream = self.backend.resume(self.current_run, last_seq)
        self.current_run = None
        return list(calls.values())

    def _report_local_return(self, call: PendingCall, item: ApprovalItem) -> None:
        status: Literal["success", "error"]
        if item["type"] == "approval":
            text, status = f"Denied: {item.get('reason', '')}", "error"
        else:
            raw = item["tool_return"]
            text = raw if isinstance(raw, str) else "".join(p["text"] for p in raw if p["type"] == "text")
            status = item["status"]
        local: ToolReturnChunk = {
            "message_type": "tool_return_message",
            "id": f"message-local-{call.tool_call_id}",
            "tool_call_id": call.tool_call_id,
            "tool_return": text,
            "status": status,
            "name": call.name,
        }
        self.on_chunk(local)

    async def cancel(self) -> None:
        await self.backend.cancel(self.conversation_id)


async def answer_without_running(
    backend: Backend,
    conversation_id: str,
    reason: str,
    *,
    client_tools: Sequence[ClientToolSchema],
    calls: list[PendingCall] | None = None,
    started: StartedCalls | None = None,
    on_chunk: OnChunk | None = None,
) -> int:
    """Answer `calls` (None: the calls waiting in the conversation) without running them;
    returns how many were answered.

    Each answer is an error tool result (`unrun_result`), not a user's denial: a call an
    interrupt cut short may have done its work, and the model must hear that. The answers
    are stored without a model step (max_steps=0). While the conversation is still busy
    (409: a cancelled run winding down) the answer is retried, and the waiting calls looked
    up again; BackendError when the service refuses.
    """
    started = started if started is not None else StartedCalls(conversation_id)
    for attempt in range(BUSY_RETRIES):
        todo = calls if calls is not None else await _waiting_calls(backend, conversation_id)
        if not todo:
            return 0
        try:
            await _send_unrun(backend, conversation_id, todo, reason, client_tools, started, on_chunk)
        except BackendError as exc:
            if exc.status != 409 or attempt == BUSY_RETRIES - 1:
                raise
            await asyncio.sleep(BUSY_PAUSE)
            continue
        started.forget(c.tool_call_id for c in todo)  # delivered: the records are done with
        return len(todo)
    return 0  # not reached: the last attempt returns or raises


async def _waiting_calls(backend: Backend, conversation_id: str) -> list[PendingCall]:
    return _pending_calls(await backend.pending_approvals(conversation_id))


def _pending_calls(waiting: list[ToolCallData]) -> list[PendingCall]:
    return [PendingCall(p["tool_call_id"], p["name"], p["arguments"]) for p in waiting]


async def _send_unrun(
    backend: Backend,
    conversation_id: str,
    calls: list[PendingCall],
    reason: str,
    client_tools: Sequence[ClientToolSchema],
    started: StartedCalls,
    on_chunk: OnChunk | None,
) -> None:
    items: list[ApprovalItem] = [
        {
            "type": "tool",
            "tool_call_id": c.tool_call_id,
            "tool_return": unrun_result(started, c.tool_call_id, reason),
            "status": "error",
        }
        for c in calls
    ]
    await _send_quietly(backend, conversation_id, _approval(items), client_tools, on_chunk)


async def _send_quietly(
    backend: Backend,
    conversation_id: str,
    message: ApprovalInput,
    client_tools: Sequence[ClientToolSchema],
    on_chunk: OnChunk | None,
) -> None:
    """Store the answers of `message` without a model step (max_steps=0)."""
    try:
        stream = backend.send(conversation_id, [message], client_tools=client_tools, stream_tokens=False, max_steps=0)
        async for chunk in stream:
            if on_chunk is not None:
                on_chunk(chunk)
    except (ConnectionError, OSError, TimeoutError) as exc:
        raise BackendError(f"lost the connection to the agent service: {exc}") from exc


def unrun_result(started: StartedCalls, tool_call_id: str, reason: str) -> str:
    """What the model is told of a call answered without running it now."""
    if started.started(tool_call_id):
        return f"Error: interrupted while it ran; it may have completed — check before running it again ({reason})"
    return f"Error: not run: {reason}"


def _otid() -> str:
    return f"otid-{uuid.uuid4()}"


def _user_message(content: str | list[ContentPart]) -> OutgoingMessage:
    return {"role": "user", "content": content, "otid": _otid()}


def _prompt_text(content: str | list[ContentPart]) -> str:
    return content if isinstance(content, str) else "\n".join(p["text"] for p in content if p["type"] == "text")


def _with_context(content: str | list[ContentPart], context: list[str]) -> str | list[ContentPart]:
    """The prompt with the hooks' additional context as a second text part."""
    if not context:
        return content
    parts: list[ContentPart] = [{"type": "text", "text": content}] if isinstance(content, str) else list(content)
    parts.append({"type": "text", "text": "\n\n".join(context)})
    return parts


def _approval(items: list[ApprovalItem]) -> ApprovalInput:
    """The message that delivers `items`, the answers to a run's approval request."""
    return {"type": "approval", "approvals": items, "otid": _otid()}


def absorb_chunk(chunk: StreamChunk, result: TurnResult, texts: dict[str, str], calls: dict[str, PendingCall]) -> None:
    """Fold one chunk of a run into `result` (text, stop reason, usage, error) and `calls`."""
    if chunk["message_type"] == "assistant_message":
        # One entry per message id and otid, in the order they came: the last is the answer.
        key = f"{chunk.get('id') or ''}\n{chunk.get('otid') or ''}"
        texts[key] = texts.pop(key, "") + str(chunk.get("content", ""))
        result.text = texts[key]
    elif chunk["message_type"] == "event_message" and chunk["event_type"] == "message_superseded":
        dropped = f"{(chunk.get('event_data') or {}).get('message_id')}\n"
        for key in [k for k in texts if k.startswith(dropped)]:
            del texts[key]
        result.text = next(reversed(texts.values()), "")
    elif chunk["message_type"] == "approval_request_message":
        for call in chunk.get("tool_calls") or [chunk["tool_call"]]:
            calls[call["tool_call_id"]] = PendingCall(call["tool_call_id"], call["name"], call["arguments"])
    elif chunk["message_type"] == "stop_reason":
        result.stop_reason = chunk["stop_reason"]
    elif chunk["message_type"] == "usage_statistics":
        result.add_usage(chunk)
    elif chunk["message_type"] == "error_message":
        result.error = str(chunk.get("message") or chunk.get("detail") or "unknown error")

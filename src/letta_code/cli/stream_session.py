"""`letta -p --input-format stream-json`: a host (an IDE plugin, an agent SDK) drives one
session over JSON lines, turn after turn, until it closes stdin.

In, one JSON object a line:
- `{"type": "user", "message": {"role": "user", "content": "..."}}`: a turn (content as
  the API takes it, text or parts). A turn sent while one runs waits for it.
- `{"type": "control_request", "request_id": ID, "request": {"subtype": ...}}`, each
  answered by one `{"type": "control_response", "response": {"subtype": "success" |
  "error", "request_id": ID, ...}}`: `initialize` (the session; with `"can_use_tool":
  true` the calls that would ask are put to the host), `interrupt` (stops the running
  turn), `set_permission_mode` (`"mode"`), `recover_pending_approvals` (answers calls an
  earlier session left waiting). Another subtype is an error response.
- `{"type": "control_response", "response": {"request_id": "perm-<call id>", "subtype":
  "success", "response": {"behavior": "allow" | "deny", "message"?}}}`: the host's answer
  to our `can_use_tool` request. Anything but an allow is a deny (fail closed).

Out: the stream-json lines of `letta -p` (`init` first, then per turn its `message` lines
and a `result`), the control responses, our `can_use_tool` requests, and
`{"type": "error", "message": ...}` for a line that is not JSON or not understood.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import threading
import time
from collections.abc import Mapping
from typing import Any

from letta_code.cli import conversation_lock
from letta_code.cli.args import CliOptions
from letta_code.cli.failure import error_line
from letta_code.cli.headless import (
    count_progress,
    deny_in_headless,
    emit_result,
    headless_executor,
    result_event,
    step_limit_error,
)
from letta_code.cli.session import EXIT_OUTPUT_CLOSED, SessionContext, close_session, open_session
from letta_code.cli.session_hooks import session_ended, session_started
from letta_code.cli.stream_json import OutputClosed, emit_chunk, emit_init, emit_line
from letta_code.harness.executor import PendingCall, UserAnswer
from letta_code.harness.turn import TurnResult, TurnRunner
from letta_code.permissions import Decision, parse_mode
from letta_code.schemas.chunks import StreamChunk
from letta_code.tools.registry import interrupt, shutdown

INTERRUPTED = "the host interrupted the turn"
CANCEL_WAIT = 5.0  # seconds the service gets to stop a run before the turn is dropped


def _read_lines(loop: asyncio.AbstractEventLoop, lines: asyncio.Queue[str | None]) -> None:
    """Stdin, a line at a time, onto `lines` (None at the end); a thread, as stdin may be a pipe."""
    for raw in sys.stdin.buffer:
        loop.call_soon_threadsafe(lines.put_nowait, raw.decode("utf-8", "replace"))
    loop.call_soon_threadsafe(lines.put_nowait, None)


class StreamSession:
    """One host's session: reads its lines, runs its turns one at a time, answers its requests."""

    def __init__(self, ctx: SessionContext, args: CliOptions) -> None:
        self.ctx = ctx
        self.args = args
        self.agent_id = ctx.target.agent.id
        self.ask_host = False  # `initialize` with can_use_tool: calls that would ask go to the host
        self.answers: dict[str, asyncio.Future[Mapping[str, Any]]] = {}  # request id -> host's answer
        self.turns: asyncio.Queue[Any] = asyncio.Queue()
        self.current: asyncio.Task[None] | None = None
        self.interrupted = False
        self.failed = False
        self.progress = TurnResult()  # the running turn's usage so far: its result if it is interrupted
        self.runner = TurnRunner(
            ctx.backend,
            headless_executor(ctx, self._ask, lambda *_: None),
            conversation_id=ctx.target.conversation.id,
            client_tools=ctx.client_tools,
            stream_tokens=args.stream,
            on_chunk=self._on_chunk,
            max_steps=min(args.max_steps, args.max_turns or args.max_steps),
            hooks=ctx.hooks,
        )

    def _on_chunk(self, chunk: StreamChunk) -> None:
        count_progress(chunk, self.progress)
        emit_chunk(chunk, self.agent_id, partial=self.args.include_partial_messages)

    def _emit(self, event: Mapping[str, object]) -> None:
        emit_line(event, session=self.agent_id)

    def _respond(self, request_id: object, response: Mapping[str, object] | None = None, *, error: str = "") -> None:
        if error:
            body: dict[str, object] = {"subtype": "error", "request_id": request_id, "error": error}
        else:
            body = {"subtype": "success", "request_id": request_id, "response": dict(response or {})}
        self._emit({"type": "control_response", "response": body})

    # ----------------------------------------------------------------- asking
    async def _ask(self, call: PendingCall, decision: Decision) -> UserAnswer:
        if not self.ask_host:
            return await deny_in_headless(call, decision)
        request_id = f"perm-{call.tool_call_id}"
        answer = asyncio.get_running_loop().create_future()
        self.answers[request_id] = answer
        self._emit(
            {
                "type": "control_request",
                "request_id": request_id,
                "request": {
                    "subtype": "can_use_tool",
                    "tool_name": call.name,
                    "input": call.args(),
                    "tool_call_id": call.tool_call_id,
                    "permission_suggestions": [],
                    "blocked_path": None,
                },
            }
        )
        try:
            response = await answer
        finally:
            self.answers.pop(request_id, None)
        result = response.get("response") if response.get("subtype") == "success" else None
        if isinstance(result, Mapping) and result.get("behavior") == "allow":
            return UserAnswer("allow")
        message = result.get("message") if isinstance(result, Mapping) else response.get("error")
        return UserAnswer("deny", str(message or "The host denied this tool call."))

    # ------------------------------------------------------------------ turns
    async def _run_turns(self) -> None:
        while (content := await self.turns.get()) is not None:
            self.interrupted = False
            self.current = asyncio.current_task()
            started = time.monotonic()
            self.progress = TurnResult()
            result: TurnResult | None = None
            error: str | None = None
            try:
                result = await self.runner.run(content)
                error = result.error or step_limit_error(result, self.args)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if not self.interrupted or task is None:
                    raise
                task.uncancel()  # the interrupt was for this turn; the loop goes on
                error = "interrupted"
                with contextlib.suppress(Exception):
                    await self.runner.discard_pending(INTERRUPTED)
            except Exception as exc:  # one line in the result; the session goes on
                error = error_line(exc)
            finally:
                self.current = None
            self.failed = bool(error)
            event = result_event(
                result or self.progress,
                error=error,
                started=started,
                api_seconds=time.monotonic() - started,
                agent_id=self.agent_id,
                conversation_id=self.ctx.target.conversation.id,
            )
            emit_result("stream-json", event)

    async def _interrupt(self) -> bool:
        """Stop the running turn (its tools killed, its run cancelled); False when none runs."""
        task = self.current
        if task is None or task.done():
            return False
        self.interrupted = True
        interrupt(self.ctx.tool_session)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.runner.cancel(), CANCEL_WAIT)
        for answer in self.answers.values():  # a prompt the host never answered: denied
            if not answer.done():
                answer.set_result({"subtype": "error", "error": INTERRUPTED})
        task.cancel()
        return True

    # --------------------------------------------------------------- requests
    async def _control(self, request_id: object, request: Mapping[str, Any]) -> None:
        subtype = request.get("subtype")
        if subtype == "initialize":
            self.ask_host = request.get("can_use_tool") is True
            self._respond(
                request_id,
                {
                    "agent_id": self.agent_id,
                    "conversation_id": self.ctx.target.conversation.id,
                    "model": self.ctx.target.agent.model,
                    "tools": self.ctx.tool_names,
                    "permission_mode": self.ctx.checker.mode.value,
                    "can_use_tool": self.ask_host,
                },
            )
        elif subtype == "interrupt":
            self._respond(request_id, {"interrupted": await self._interrupt()})
        elif subtype == "set_permission_mode":
            try:
                self.ctx.checker.mode = parse_mode(str(request.get("mode", "")))
            except ValueError as exc:
                self._respond(request_id, error=str(exc))
            else:
                self._respond(request_id, {"mode": self.ctx.checker.mode.value})
        elif subtype == "recover_pending_approvals":
            if request.get("agent_id") not in (None, self.agent_id):
                self._respond(
                    request_id,
                    error=f"recover_pending_approvals agent mismatch: {request['agent_id']} != {self.agent_id}",
                )
                return
            answered = await self.runner.discard_pending(
                "the host recovered it: it was left waiting by an earlier session"
            )
            self._respond(request_id, {"recovered": True, "pending_approval": False, "approvals_processed": answered})
        else:
            self._respond(request_id, error=f"Unknown control request subtype: {subtype}")

    async def _line(self, line: str) -> None:
        if not line.strip():
            return
        try:
            message = json.loads(line)
        except json.JSONDecodeError as exc:
            self._emit({"type": "error", "message": f"Invalid JSON: {exc}"})
            return
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "user":
            body = message.get("message")
            content = body.get("content") if isinstance(body, dict) else None
            if isinstance(content, (str, list)) and content:
                self.turns.put_nowait(content)
            else:
                self._emit({"type": "error", "message": "a user message needs message.content"})
        elif kind == "control_request" and isinstance(message.get("request"), dict):
            await self._control(message.get("request_id"), message["request"])
        elif kind == "control_response" and isinstance(message.get("response"), dict):
            response = message["response"]
            answer = self.answers.get(str(response.get("request_id")))
            if answer is not None and not answer.done():
                answer.set_result(response)
        else:
            self._emit({"type": "error", "message": f"not a message this session takes: {line.strip()[:200]}"})

    async def serve(self) -> int:
        """Until stdin closes and the turns sent before it are done; 1 if the last turn failed."""
        lines: asyncio.Queue[str | None] = asyncio.Queue()
        threading.Thread(target=_read_lines, args=(asyncio.get_running_loop(), lines), daemon=True).start()
        turns = asyncio.create_task(self._run_turns())
        while (line := await lines.get()) is not None:
            await self._line(line)
        self.ask_host = False  # the host is gone: what would ask now is denied, as in `letta -p`
        for answer in self.answers.values():
            if not answer.done():
                answer.set_result({"subtype": "error", "error": "the host closed its input before answering"})
        self.turns.put_nowait(None)
        await turns
        return 1 if self.failed else 0


async def run_stream_session(args: CliOptions, env: dict[str, str]) -> int:
    try:
        ctx = await open_session(args, env, exclusive=True)
    except Exception as exc:
        print(f"letta: {error_line(exc)}", file=sys.stderr)
        return 1
    try:
        emit_init(ctx)
        await session_started(ctx)
        session = StreamSession(ctx, args)
        await session.runner.discard_pending("the session that asked for it was interrupted")
        return await session.serve()
    except OutputClosed:
        return EXIT_OUTPUT_CLOSED  # the host stopped reading: quietly, as under `| head`
    finally:
        shutdown(ctx.tool_session)
        await session_ended(ctx, "other")
        await close_session(ctx)
        conversation_lock.release_all()

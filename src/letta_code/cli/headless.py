"""Headless mode (`letta -p`): one prompt, output as text, json or stream-json.

The shapes follow the seed README: `json` prints one `result` object at the end;
`stream-json` prints an `init` event, one `message` event per chunk (camelCase
keys, `messageType`, `otid`, `seqId`), then the `result` event.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
import time
from collections.abc import Callable
from typing import Any, Literal, NotRequired, TypedDict
from uuid import uuid4

from letta_code.cli import conversation_lock
from letta_code.cli.args import CliOptions
from letta_code.cli.failure import debug_enabled, error_line, is_expected
from letta_code.cli.headless_commands import run_builtin
from letta_code.cli.notices import compaction_note, is_overflow_compaction
from letta_code.cli.prompt_input import read_prompt
from letta_code.cli.reflection_setup import make_reflector, reflect_after_headless_turn
from letta_code.cli.session import EXIT_OUTPUT_CLOSED, SessionContext, close_session, open_session
from letta_code.cli.session_hooks import session_ended, session_started
from letta_code.cli.stream_json import OutputClosed, emit_chunk, emit_init, emit_line, write_out
from letta_code.client.backend import BackendError
from letta_code.config import paths
from letta_code.harness.executor import AskUser, PendingCall, ToolExecutor, ToolObserver, UserAnswer
from letta_code.harness.prompt_commands import Expanded, expand_invocation
from letta_code.harness.turn import TurnResult, TurnRunner
from letta_code.permissions import Decision, headless_denial_message
from letta_code.schemas.chunks import StreamChunk
from letta_code.tools.base import ToolSession
from letta_code.tools.registry import interrupt, shutdown


def emit_result(fmt: str, event: ResultEvent) -> None:
    if fmt == "json":
        write_out(json.dumps({**event, "session_id": event["agent_id"]}, indent=2, ensure_ascii=False) + "\n")
    else:
        emit_line(event, session=event["agent_id"], uuid=f"result-{uuid4()}")


async def deny_in_headless(call: PendingCall, decision: Decision) -> UserAnswer:
    """Nobody to ask: a call that would ask is denied, with what would allow it."""
    return UserAnswer("deny", headless_denial_message(call.name, call.args(), decision), as_result=True)


def headless_executor(ctx: SessionContext, ask: AskUser, observe: ToolObserver) -> ToolExecutor:
    """The tool executor of a headless session; `ask` answers the calls that need asking."""

    def on_plan_approved() -> None:
        ctx.checker.mode = ctx.mode

    return ToolExecutor(
        ctx.tool_session,
        ctx.checker,
        ask,
        observe,
        on_plan_approved=on_plan_approved,
        special_tools=ctx.special_tools,
        external_tools=ctx.external_tools,
        hooks=ctx.hooks,
        on_file_touched=ctx.instructions.touched,
    )


def kill_tools_on_sigint(session: ToolSession) -> Callable[[], None]:
    """On Ctrl-C, stop the running shell commands at once (they run in their own process
    group, so the terminal's SIGINT does not reach them), then interrupt as usual.
    Returns the function that puts the previous handler back."""
    previous = signal.getsignal(signal.SIGINT)

    def on_sigint(signum: int, frame: Any) -> None:
        interrupt(session)
        if callable(previous):
            previous(signum, frame)
        else:
            raise KeyboardInterrupt

    def restore() -> None:
        signal.signal(signal.SIGINT, previous)

    signal.signal(signal.SIGINT, on_sigint)
    return restore


class ResultUsage(TypedDict):
    prompt_tokens: int | None  # null: nothing was counted
    completion_tokens: int
    total_tokens: int
    cached_input_tokens: NotRequired[int]  # only when the provider reported cache use
    estimated: NotRequired[Literal[True]]  # the model server reported none: our own counts


class ResultEvent(TypedDict):
    """What `json` prints at the end, and `stream-json` as its last line."""

    type: Literal["result"]
    subtype: Literal["error", "success"]
    is_error: bool
    duration_ms: int
    duration_api_ms: int
    num_turns: int
    result: str
    stop_reason: str | None
    agent_id: str | None
    conversation_id: str | None
    usage: ResultUsage


def result_event(
    result: TurnResult | None,
    *,
    error: str | None,
    started: float,
    api_seconds: float,
    agent_id: str | None,
    conversation_id: str | None,
) -> ResultEvent:
    # A prompt is never empty: 0 means nothing was counted, which json says as null.
    usage: ResultUsage = {
        "prompt_tokens": (result.prompt_tokens or None) if result else None,
        "completion_tokens": result.completion_tokens if result else 0,
        "total_tokens": result.total_tokens if result else 0,
    }
    if result is not None and result.cached_input_tokens is not None:
        usage["cached_input_tokens"] = result.cached_input_tokens
    if result is not None and result.usage_estimated:
        usage["estimated"] = True  # the model server reported none: these are our own counts
    return {
        "type": "result",
        "subtype": "error" if error else "success",
        "is_error": bool(error),
        "duration_ms": int((time.monotonic() - started) * 1000),
        "duration_api_ms": int(api_seconds * 1000),
        "num_turns": result.steps if result else 0,
        "result": error if error else (result.text if result else ""),
        "stop_reason": result.stop_reason if result else None,
        "agent_id": agent_id,
        "conversation_id": conversation_id,
        "usage": usage,
    }


def count_progress(chunk: StreamChunk, progress: TurnResult) -> None:
    """Add a usage chunk to what the turn has done so far: what a result reports when
    the turn ends early (Ctrl-C), when the runner's own result never comes back."""
    if chunk["message_type"] == "usage_statistics":
        progress.add_usage(chunk)


def busy_note(busy: str, conversation_id: str) -> str:
    return (
        f"letta: conversation {busy} is busy with another letta; "
        f"this turn uses a new conversation {conversation_id} of the same agent"
    )


def is_busy(exc: BackendError) -> bool:
    """The service refused the run because another run has the conversation."""
    return exc.status == 409 and "is busy" in str(exc)


def step_limit_error(result: TurnResult, args: CliOptions) -> str | None:
    if result.stop_reason != "max_steps":
        return None
    if args.max_turns is not None and args.max_turns <= args.max_steps:
        return f"maximum turns reached ({args.max_turns}, --max-turns) before the agent finished"
    return (
        f"the turn stopped at its limit of {args.max_steps} model steps (--max-steps) before the agent "
        "finished; raise --max-steps, or go on with --continue"
    )


async def run_headless(args: CliOptions, env: dict[str, str]) -> int:
    try:
        return await _run_headless(args, env)
    except OutputClosed:
        return EXIT_OUTPUT_CLOSED  # quietly, as Unix tools end under `| head`
    finally:
        conversation_lock.release_all()


async def _stop_turn(runner: TurnRunner) -> None:
    """The reader has gone mid-turn: cancel the run, so the conversation is not left busy
    (tool calls it was waiting on are answered by the next session's discard_pending)."""
    with contextlib.suppress(Exception):
        await runner.cancel()


async def _move_off_busy(ctx: SessionContext) -> str | None:
    """A new conversation of the agent, taken for this process, when the session may move
    (the user named no conversation); None when it must not."""
    if ctx.args.continue_last or ctx.args.new or ctx.args.conversation:
        return None
    conversation = await ctx.backend.create_conversation(ctx.target.agent.id)
    conversation_lock.claim(paths.letta_home(), conversation.id)
    print(busy_note(ctx.target.conversation.id, conversation.id), file=sys.stderr)
    ctx.target.conversation = conversation
    return conversation.id


async def _run_headless(args: CliOptions, env: dict[str, str]) -> int:
    started = time.monotonic()
    fmt = args.output_format
    agent_id = conversation_id = None
    result: TurnResult | None = None
    progress = TurnResult()  # counted from the chunks as they come: the result after Ctrl-C
    tool_seconds = 0.0
    try:
        prompt = await read_prompt(args)
        ctx = await open_session(args, env, exclusive=True)
        reflector = make_reflector(ctx, env)  # a bad LETTA_REFLECTION_EVERY stops us before the turn
        agent_id, conversation_id = ctx.target.agent.id, ctx.target.conversation.id
        if ctx.target.busy_conversation:
            print(busy_note(ctx.target.busy_conversation, conversation_id), file=sys.stderr)
        if ctx.target.model_switched_from and fmt == "text":
            print(
                f"letta: switched the agent's model from {ctx.target.model_switched_from} to {ctx.target.agent.model}",
                file=sys.stderr,
            )
        if fmt == "stream-json":
            emit_init(ctx)
        await session_started(ctx)  # hooks: SessionStart (its context goes with the prompt)

        def observe(call: PendingCall, phase: str, _result: Any, seconds: float) -> None:
            nonlocal tool_seconds
            tool_seconds += seconds

        executor = headless_executor(ctx, deny_in_headless, observe)

        def on_chunk(chunk: StreamChunk) -> None:
            count_progress(chunk, progress)
            if fmt == "stream-json":
                emit_chunk(chunk, ctx.target.agent.id, partial=args.include_partial_messages)
            elif fmt == "text" and is_overflow_compaction(chunk):
                print(f"letta: {compaction_note(chunk['event_data'])}", file=sys.stderr)

        def make_runner(conversation: str) -> TurnRunner:
            return TurnRunner(
                ctx.backend,
                executor,
                conversation_id=conversation,
                client_tools=ctx.client_tools,
                stream_tokens=fmt == "stream-json" and args.stream,
                on_chunk=on_chunk,
                max_steps=min(args.max_steps, args.max_turns or args.max_steps),
                hooks=ctx.hooks,
            )

        runner = make_runner(conversation_id)
        restore_sigint = kill_tools_on_sigint(ctx.tool_session)
        try:
            await runner.discard_pending("the session that asked for it was interrupted")
            builtin = await run_builtin(ctx, prompt, env)  # /init, /remember, /reflect, /compact, /clear
            if builtin is not None and builtin.line is not None:
                result = TurnResult(text=builtin.line, stop_reason="end_turn")
            else:
                # `/name args`: a custom command, on its file's model when it names one (a bad one: one line)
                expanded = (
                    Expanded(builtin.prompt)
                    if builtin is not None and builtin.prompt is not None
                    else await expand_invocation(ctx.prompt_commands, prompt, ctx.backend.models)
                )
                prompt = expanded.text
                try:
                    result = await runner.run(prompt, model=expanded.model)
                except BackendError as exc:
                    # Another process (the TUI, a server's run) has a run in the conversation.
                    moved = await _move_off_busy(ctx) if is_busy(exc) else None
                    if moved is None:
                        raise
                    conversation_id = moved
                    runner = make_runner(moved)
                    result = await runner.run(prompt, model=expanded.model)
                if args.wait_background:  # each end of a background command: a turn of its own
                    from letta_code.harness.background import report_until_done

                    answer = (lambda r: write_out(r.text + "\n")) if fmt == "text" else None
                    result = await report_until_done(
                        ctx.tool_session, runner.run, result, before_next=answer, subagents=ctx.subagents
                    )
                if not result.error:  # a pass that is due starts now and never holds up the exit
                    await reflect_after_headless_turn(reflector, env, ctx.backend.base_url is None)
            await ctx.team_memory.after_turn()  # the turn's memory edits into .letta/project.md
        except OutputClosed:
            await _stop_turn(runner)
            raise
        finally:
            restore_sigint()
            shutdown(ctx.tool_session)
            await session_ended(ctx, "other")  # hooks: SessionEnd
            await close_session(ctx)  # the MCP servers, then the backend
        error = result.error or step_limit_error(result, args)
        if error is None and result.stop_reason not in ("end_turn", "requires_approval", "max_steps"):
            error = f"the run stopped: {result.stop_reason}"
    except OutputClosed:
        raise
    except Exception as exc:  # one line, the same as every entry point (cli/failure.py)
        if not is_expected(exc) and debug_enabled(env):
            raise
        error = error_line(exc)
    except asyncio.CancelledError:  # Ctrl-C: the json formats still end with a result, of what was done
        if fmt in ("json", "stream-json"):
            emit_result(
                fmt,
                result_event(
                    result or progress,
                    error="interrupted",
                    started=started,
                    api_seconds=max(0.0, time.monotonic() - started - tool_seconds),
                    agent_id=agent_id,
                    conversation_id=conversation_id,
                ),
            )
        raise
    api_seconds = max(0.0, time.monotonic() - started - tool_seconds)
    if error:
        print(f"letta: {error}", file=sys.stderr)
    if fmt in ("json", "stream-json"):
        event = result_event(
            result,
            error=error,
            started=started,
            api_seconds=api_seconds,
            agent_id=agent_id,
            conversation_id=conversation_id,
        )
        emit_result(fmt, event)
    elif not error and result is not None:
        write_out(result.text + "\n")
    return 1 if error else 0

"""Sending messages and following runs: what the agent, conversation and run routes share."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from letta_code.schemas.chunks import StreamChunk
from letta_code.server.common import check_model
from letta_code.server.requests import MessageRequest
from letta_code.server.sse import STALL_SECONDS, sse_events, sse_response
from letta_code.service.errors import BadRequestError
from letta_code.service.service import AgentService

# Chunk types that are messages (LettaResponse.messages); the rest is bookkeeping.
MESSAGE_TYPES = {
    "system_message",
    "user_message",
    "reasoning_message",
    "hidden_reasoning_message",
    "assistant_message",
    "tool_call_message",
    "tool_return_message",
    "approval_request_message",
    "approval_response_message",
}
NO_RETRY = {"x-should-retry": "false"}


Keep = Callable[[Mapping[str, object]], bool]  # which chunks a client asked for


def _filter(types: list[str] | None) -> Keep:
    if not types:
        return lambda chunk: True
    wanted = {part for value in types for part in value.split(",")}
    return lambda chunk: chunk.get("message_type") not in MESSAGE_TYPES or chunk.get("message_type") in wanted


def stall_seconds(service: AgentService) -> float | None:
    """How long a stream's client may take nothing while frames wait (LETTA_SERVER_STALL_SECONDS; 0: forever)."""
    try:
        seconds = float(service.env.get("LETTA_SERVER_STALL_SECONDS") or STALL_SECONDS)
    except ValueError:
        seconds = STALL_SECONDS
    return seconds if seconds > 0 else None


def ping_interval(request: Request, include_pings: bool | None) -> float | None:
    if include_pings is False:
        return None
    interval: float | None = request.app.state.ping_interval
    return interval


async def send_messages(
    request: Request,
    service: AgentService,
    body: MessageRequest,
    *,
    agent_id: str | None,
    conversation_id: str | None,
    stream: bool,
) -> Response:
    """Start a run with the request's messages; stream it (SSE) or answer when it ends."""
    messages = body.input_messages()
    if not messages:
        raise BadRequestError("send at least one message (messages=[...] or input=...)")
    if body.override_model:
        check_model(body.override_model)
    run = service.start_run(
        agent_id=agent_id,
        conversation_id=conversation_id,
        messages=messages,
        client_tools=[t.spec() for t in body.client_tools or []],
        client_skills=[s.spec() for s in body.client_skills or []],
        stream_tokens=body.stream_tokens and stream,
        max_steps=body.max_steps,
        background=body.background,
        override_model=body.override_model,
    )
    keep = _filter(body.include_return_message_types)
    if stream:
        events = sse_events(
            service.follow_run(run.id),
            run_id=run.id,
            ping_interval=ping_interval(request, body.include_pings),
            keep=keep,
            stall_seconds=stall_seconds(service),
        )
        return sse_response(events, run.id)
    chunks = [chunk async for chunk in service.follow_run(run.id)]
    return letta_response(chunks, keep)


def letta_response(chunks: Sequence[StreamChunk], keep: Keep) -> Response:
    """A finished run as Letta's non-streaming `LettaResponse`."""
    stop_reason: str = "error"
    usage: dict[str, object] = {}
    error: StreamChunk | None = None
    for chunk in chunks:
        if chunk["message_type"] == "stop_reason":
            stop_reason = chunk["stop_reason"]
        elif chunk["message_type"] == "usage_statistics":
            usage = {k: v for k, v in chunk.items() if k not in ("run_id", "seq_id")}
        elif chunk["message_type"] == "error_message" and error is None:
            error = chunk
    if error is not None and stop_reason in ("error", "llm_api_error"):
        status = 502 if stop_reason == "llm_api_error" else 500
        detail = str(error.get("message") or error.get("detail") or "the run failed")
        return JSONResponse({"detail": detail, "run_id": error.get("run_id")}, status, headers=NO_RETRY)
    messages = [c for c in chunks if c["message_type"] in MESSAGE_TYPES and keep(c)]
    return JSONResponse(
        {
            "messages": messages,
            "stop_reason": {"message_type": "stop_reason", "stop_reason": stop_reason},
            "usage": usage,
        }
    )


def follow_stream(
    request: Request,
    service: AgentService,
    run_id: str,
    *,
    starting_after: int,
    include_pings: bool | None,
) -> Response:
    """Replay a run's chunks after `starting_after`, then follow it live until it ends."""
    chunks = service.follow_run(run_id, starting_after)  # 404 before the stream starts
    events = sse_events(
        chunks,
        run_id=run_id,
        ping_interval=ping_interval(request, include_pings),
        stall_seconds=stall_seconds(service),
        starting_after=starting_after,
    )
    return sse_response(events, run_id)

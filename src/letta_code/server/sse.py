"""Server-sent events: a run's chunks as `data: <json>` frames, pings while idle, `[DONE]`.

The stream only *follows* a run; the run itself is a task of the service. When
the client goes away, Starlette cancels this generator, which cancels the
follower and nothing else, so background runs keep going and can be resumed
with `starting_after`.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

from fastapi.responses import StreamingResponse

from letta_code.service.errors import ServiceError

DONE = b"data: [DONE]\n\n"


def frame(data: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


def error_frame(detail: str, status: int = 500) -> bytes:
    body = {"detail": detail, "status_code": status, "message_type": "error"}
    return f"event: error\ndata: {json.dumps(body)}\n\n".encode()


def ping(run_id: str | None) -> dict[str, Any]:
    chunk: dict[str, Any] = {
        "message_type": "ping",
        "id": f"ping-{uuid.uuid4()}",
        "date": datetime.now(UTC).isoformat(),
    }
    if run_id:
        chunk["run_id"] = run_id
    return chunk


async def sse_events(
    chunks: AsyncIterator[dict[str, Any]],
    *,
    run_id: str | None,
    ping_interval: float | None,
    keep: Callable[[dict[str, Any]], bool] = lambda chunk: True,
) -> AsyncIterator[bytes]:
    """Frame `chunks`; a ping goes out whenever nothing came for `ping_interval` seconds."""
    queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()

    async def pump() -> None:
        try:
            async for chunk in chunks:
                await queue.put(("chunk", chunk))
            await queue.put(("done", None))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # reported to the client as an error event
            await queue.put(("error", exc))

    follower = asyncio.get_running_loop().create_task(pump())
    try:
        while True:
            try:
                kind, item = await asyncio.wait_for(queue.get(), timeout=ping_interval)
            except TimeoutError:
                yield frame(ping(run_id))
                continue
            if kind == "chunk":
                if keep(item):
                    yield frame(item)
            elif kind == "done":
                yield DONE
                return
            else:
                status = item.status_code if isinstance(item, ServiceError) else 500
                detail = item.detail if isinstance(item, ServiceError) else f"{type(item).__name__}: {item}"
                yield error_frame(detail, status)
                return
    finally:
        follower.cancel()  # stops following; never touches the run's own task


def sse_response(events: AsyncIterator[bytes], run_id: str | None) -> StreamingResponse:
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    if run_id:
        headers["Letta-Run-Id"] = run_id
    return StreamingResponse(events, media_type="text/event-stream", headers=headers)

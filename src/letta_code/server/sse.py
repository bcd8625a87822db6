"""Server-sent events: a run's chunks as `data: <json>` frames, pings while idle, `[DONE]`.

The stream only *follows* a run; the run itself is a task of the service. When
the client goes away, Starlette cancels this generator, which cancels the
follower and nothing else, so background runs keep going and can be resumed
with `starting_after`.

A client that reads slowly holds back only its own stream: the frames waiting
for it are bounded (`MAX_BUFFERED_BYTES`; the follower waits while they are
full, and the run never does). One that takes nothing for `stall_seconds` while
frames wait is dropped: its buffer and follower are let go at once, and should
it read again it gets an `event: error` marked `resumable` that says which
`starting_after` resumes the stream.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from fastapi.responses import StreamingResponse

from letta_code.errors import UserError
from letta_code.service.errors import ServiceError

log = logging.getLogger(__name__)

DONE = b"data: [DONE]\n\n"
MAX_BUFFERED_BYTES = 256 * 1024  # frames framed ahead of one client, at most (one bigger frame may wait alone)
STALL_SECONDS = 30.0  # a client that takes nothing this long while frames wait is dropped


def frame(data: Mapping[str, object]) -> bytes:
    return f"data: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


def error_frame(detail: str, status: int = 500, **extra: Any) -> bytes:
    body = {"detail": detail, "status_code": status, "message_type": "error", **extra}
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


class FrameBuffer:
    """The frames waiting for one client, at most `limit` bytes of them (plus the end of the stream)."""

    def __init__(self, limit: int = MAX_BUFFERED_BYTES) -> None:
        self.limit = limit
        self.items: deque[tuple[str, Any, int]] = deque()  # (kind, frame or error, seq_id)
        self.size = 0  # bytes of the frames in `items`
        self.peak = 0  # the most bytes it ever held
        self.dropped = False
        self._ready = asyncio.Event()
        self._room = asyncio.Event()

    async def put(self, data: bytes, seq: int, stall: float | None) -> bool:
        """Add a frame once there is room; False (and the buffer is emptied) when none came within `stall`."""
        while self.items and self.size + len(data) > self.limit:
            self._room.clear()
            try:
                await asyncio.wait_for(self._room.wait(), stall)
            except TimeoutError:
                self.items.clear()
                self.size, self.dropped = 0, True
                self.end("dropped")
                return False
        self.items.append(("frame", data, seq))
        self.size += len(data)
        self.peak = max(self.peak, self.size)
        self._ready.set()
        return True

    def end(self, kind: str, error: Exception | None = None) -> None:
        """The stream's last item: "done", "error" or "dropped"; it never waits for room."""
        self.items.append((kind, error, 0))
        self._ready.set()

    async def get(self, timeout: float | None) -> tuple[str, Any, int] | None:
        """The next item; None when nothing came within `timeout` seconds."""
        while not self.items:
            self._ready.clear()
            try:
                await asyncio.wait_for(self._ready.wait(), timeout)
            except TimeoutError:
                return None
        kind, data, seq = self.items.popleft()
        if kind == "frame":
            self.size -= len(data)
            self._room.set()
        return kind, data, seq


async def sse_events(
    chunks: AsyncIterator[Mapping[str, object]],
    *,
    run_id: str | None,
    ping_interval: float | None,
    keep: Callable[[Mapping[str, object]], bool] = lambda chunk: True,
    stall_seconds: float | None = STALL_SECONDS,
    buffer: FrameBuffer | None = None,
    starting_after: int = 0,
) -> AsyncIterator[bytes]:
    """Frame `chunks`; a ping goes out whenever nothing came for `ping_interval` seconds.

    `stall_seconds`: how long a client may take nothing while frames wait (None: forever);
    `buffer`: where the frames wait (to watch it); `starting_after`: where a resumed stream
    began (what a client dropped before its first chunk is told to resume from).
    """
    waiting = buffer if buffer is not None else FrameBuffer()

    async def pump() -> None:
        try:
            async for chunk in chunks:
                seq = chunk.get("seq_id")
                if keep(chunk) and not await waiting.put(
                    frame(chunk), seq if isinstance(seq, int) else 0, stall_seconds
                ):
                    close = getattr(chunks, "aclose", None)
                    if close is not None:
                        await close()  # dropped: the follower lets go of the run now
                    return
            waiting.end("done")
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # reported to the client as an error event
            waiting.end("error", exc)

    follower = asyncio.get_running_loop().create_task(pump())
    sent = starting_after  # seq_id of the last chunk handed to the client
    try:
        while True:
            item = await waiting.get(ping_interval)
            if item is None:
                yield frame(ping(run_id))
                continue
            kind, data, seq = item
            if kind == "frame":
                sent = seq or sent
                yield data
            elif kind == "done":
                yield DONE
                return
            elif kind == "dropped":
                detail = f"this client read the stream too slowly and was dropped; resume it with starting_after={sent}"
                yield error_frame(detail, 408, resumable=True, run_id=run_id, starting_after=sent)
                return
            else:
                yield error_frame(*failure_detail(data))
                return
    finally:
        follower.cancel()  # stops following; never touches the run's own task


def failure_detail(exc: BaseException) -> tuple[str, int]:
    """What a stream says of the failure that ended it: a user error's own words, else (as the
    app's 500 handler does) the exception's type only, logged in full here."""
    if isinstance(exc, ServiceError):
        return exc.detail, exc.status_code
    if isinstance(exc, UserError):
        return str(exc), 500
    log.error("stream failed", exc_info=exc)
    return f"internal error ({type(exc).__name__}); see the server log", 500


def sse_response(events: AsyncIterator[bytes], run_id: str | None) -> StreamingResponse:
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    if run_id:
        headers["Letta-Run-Id"] = run_id
    return StreamingResponse(events, media_type="text/event-stream", headers=headers)

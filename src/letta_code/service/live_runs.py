"""Live runs: chunk numbering, persistence before anyone sees a chunk, fan-out, resume.

Every chunk a run emits gets the run's next `seq_id` and is written to the
`run_chunks` table before any follower is given it: emitted chunks are stored
in one transaction per event-loop tick (so a burst of token deltas costs one
commit), and only then handed to the followers in this process. A client
therefore never holds a `seq_id` the database does not have, and a run resumed
after a crash (see `service/agent/recovery.py`) continues the numbering right
after the last stored chunk. A follower of a run executing elsewhere (or over)
reads the table, a page at a time: a follower whose client reads slowly waits
between pages (see `server/sse.py`) and so holds one page, never the whole run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from letta_code.schemas.chunks import StreamChunk
from letta_code.schemas.state import RunTotals
from letta_code.service.store.runs import ACTIVE_STATUSES, RunStore

POLL_SECONDS = 0.1
PAGE = 200  # chunks a follower reads from the database at a time
REAP_EVERY = 10  # polls between checks that the process running a followed run is alive

log = logging.getLogger(__name__)


class WireChunk(Protocol):
    run_id: str | None
    seq_id: int | None

    def to_wire(self) -> dict[str, Any]: ...


@dataclass
class LiveRun:
    run_id: str
    conversation_id: str
    chunks: list[StreamChunk] = field(default_factory=list)  # chunk seq_id n is chunks[n - 1]
    persisted: int = 0  # chunks[:persisted] are stored; followers see only those
    done: bool = False
    cancel: asyncio.Event = field(default_factory=asyncio.Event)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    task: asyncio.Task[None] | None = None
    flush_handle: asyncio.Handle | None = None


class RunRegistry:
    """The runs executing in this process, and resuming any run's stream."""

    def __init__(self, store: RunStore) -> None:
        self.store = store
        self.live: dict[str, LiveRun] = {}

    def open(self, run_id: str, conversation_id: str, stored: list[StreamChunk] | None = None) -> LiveRun:
        """Register a run executing here; `stored`: the chunks it already has (a resumed run)."""
        live = LiveRun(run_id, conversation_id, chunks=list(stored or []))
        live.persisted = len(live.chunks)
        self.live[run_id] = live
        return live

    def emit(self, live: LiveRun, chunk: WireChunk) -> StreamChunk:
        chunk.run_id = live.run_id
        chunk.seq_id = len(live.chunks) + 1
        data = cast(StreamChunk, chunk.to_wire())  # a `schemas.messages` chunk: see schemas/chunks.py
        live.chunks.append(data)
        if live.flush_handle is None:
            try:
                live.flush_handle = asyncio.get_running_loop().call_soon(self._flush_soon, live)
            except RuntimeError:  # no loop: store it now
                self.flush(live)
        return data

    def _flush_soon(self, live: LiveRun) -> None:
        live.flush_handle = None
        try:
            self.flush(live)
        except Exception:  # the database is busy or failing: the step's end flushes (and raises) again
            log.exception("storing chunks of run %s failed; retrying at the next flush", live.run_id)

    def flush(self, live: LiveRun, *, usage: RunTotals | None = None) -> None:
        """Store the chunks not stored yet (and `usage`, at a step's end), then show them to followers."""
        if live.flush_handle is not None:
            live.flush_handle.cancel()
            live.flush_handle = None
        pending = self._pending(live)
        if not pending and usage is None:
            return
        self.store.append_chunks(live.run_id, pending, usage=usage)
        live.persisted = len(live.chunks)
        self._notify(live)

    def finish(
        self,
        live: LiveRun,
        *,
        status: str,
        stop_reason: str,
        usage: RunTotals,
        error: str | None = None,
    ) -> None:
        """End the run: its last chunks and its final status are stored together."""
        if live.flush_handle is not None:
            live.flush_handle.cancel()
            live.flush_handle = None
        self.store.finish(
            live.run_id, status=status, stop_reason=stop_reason, usage=usage, error=error, chunks=self._pending(live)
        )
        live.persisted = len(live.chunks)
        live.done = True
        self._notify(live)
        self.live.pop(live.run_id, None)

    @staticmethod
    def _pending(live: LiveRun) -> list[tuple[int, StreamChunk]]:
        return [(live.persisted + i + 1, data) for i, data in enumerate(live.chunks[live.persisted :])]

    @staticmethod
    def _notify(live: LiveRun) -> None:
        async def wake() -> None:
            async with live.changed:
                live.changed.notify_all()

        with contextlib.suppress(RuntimeError):  # no loop: nobody can be waiting
            asyncio.get_running_loop().create_task(wake())

    def request_cancel(self, run_id: str) -> bool:
        """Ask a run to stop at the next safe point. True if it was running."""
        self.store.request_cancel(run_id)
        live = self.live.get(run_id)
        if live is not None:
            live.cancel.set()
            return True
        return self.store.get(run_id).status in ACTIVE_STATUSES

    def _page(self, run_id: str, after: int) -> list[tuple[int, StreamChunk]]:
        """The next stored chunks of a run after `after`, at most PAGE of them."""
        return self.store.chunks_after(run_id, after, limit=PAGE)

    async def follow(self, run_id: str, starting_after: int = 0) -> AsyncIterator[StreamChunk]:
        """Yield the run's chunks after `starting_after`, then live ones until it ends."""
        position = starting_after
        live = self.live.get(run_id)
        polls = 0
        if live is None:
            # Ended, or executing in another process: read from the database.
            while True:
                page = self._page(run_id, position)
                for seq, data in page:
                    position = seq
                    yield data
                if len(page) == PAGE:
                    continue
                if self.store.get(run_id).status not in ACTIVE_STATUSES:
                    while page := self._page(run_id, position):
                        for seq, data in page:
                            position = seq
                            yield data
                    return
                if run_id in self.live:
                    live = self.live[run_id]
                    break
                polls += 1
                if polls % REAP_EVERY == 0 and self.store.reap(run_id):
                    continue  # its process died: the run is failed now, the next pass ends
                await asyncio.sleep(POLL_SECONDS)
        while True:
            while position < live.persisted:
                position += 1
                yield live.chunks[position - 1]
            if live.done:
                return
            async with live.changed:
                if position >= live.persisted and not live.done:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(live.changed.wait(), timeout=1.0)

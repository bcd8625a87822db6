"""Live runs: chunk numbering, persistence in batches, fan-out to followers, resume.

Every chunk a run emits gets the run's next `seq_id`, is kept in memory for
followers in this process and written to the `run_chunks` table, so a client can
resume with `starting_after` from memory or, after the run ended, from the database.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from letta_code.service.store.runs import ACTIVE_STATUSES, RunStore

FLUSH_EVERY = 64
POLL_SECONDS = 0.1


class WireChunk(Protocol):
    run_id: str | None
    seq_id: int | None

    def to_wire(self) -> dict[str, Any]: ...


@dataclass
class LiveRun:
    run_id: str
    conversation_id: str
    chunks: list[dict[str, Any]] = field(default_factory=list)
    unflushed: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    done: bool = False
    cancel: asyncio.Event = field(default_factory=asyncio.Event)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    task: asyncio.Task[None] | None = None


class RunRegistry:
    """The runs executing in this process, and resuming any run's stream."""

    def __init__(self, store: RunStore) -> None:
        self.store = store
        self.live: dict[str, LiveRun] = {}

    def open(self, run_id: str, conversation_id: str) -> LiveRun:
        live = LiveRun(run_id, conversation_id)
        self.live[run_id] = live
        return live

    def emit(self, live: LiveRun, chunk: WireChunk) -> dict[str, Any]:
        chunk.run_id = live.run_id
        chunk.seq_id = len(live.chunks) + 1
        data = chunk.to_wire()
        live.chunks.append(data)
        live.unflushed.append((chunk.seq_id, data))
        if len(live.unflushed) >= FLUSH_EVERY:
            self.flush(live)
        self._notify(live)
        return data

    def flush(self, live: LiveRun) -> None:
        pending, live.unflushed = live.unflushed, []
        self.store.append_chunks(live.run_id, pending)

    def close(self, live: LiveRun) -> None:
        self.flush(live)
        live.done = True
        self._notify(live)
        self.live.pop(live.run_id, None)

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

    async def follow(self, run_id: str, starting_after: int = 0) -> AsyncIterator[dict[str, Any]]:
        """Yield the run's chunks after `starting_after`, then live ones until it ends."""
        position = starting_after
        live = self.live.get(run_id)
        if live is None:
            # Ended, or executing in another process: read from the database.
            while True:
                for seq, data in self.store.chunks_after(run_id, position):
                    position = seq
                    yield data
                if self.store.get(run_id).status not in ACTIVE_STATUSES:
                    for seq, data in self.store.chunks_after(run_id, position):
                        position = seq
                        yield data
                    return
                if run_id in self.live:
                    live = self.live[run_id]
                    break
                await asyncio.sleep(POLL_SECONDS)
        while True:
            while position < len(live.chunks):
                position += 1
                yield live.chunks[position - 1]
            if live.done:
                return
            async with live.changed:
                if position >= len(live.chunks) and not live.done:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(live.changed.wait(), timeout=1.0)

"""Reflection passes from the session's side: when one is due, starting it, and what it changed.

The pass itself is the service's (`service/agent/reflection.py`): a run of the agent's
reflection agent over the messages since the last pass. Here:

- `Reflector.after_turn()` starts a pass once `every` user turns came since the last one
  and returns as soon as it has started: the pass runs while the user goes on (a task in
  this process on the embedded service, a background run on a server);
- `Reflector.reflect_now()` (`/reflect`, and `/exit` for what is left) starts one and waits;
- `Reflector.wait()` lets a running pass finish before the process ends;
- a finished pass is compared block by block with the memory before it, and
  `ReflectionOutcome.summary()` is the line the TUI shows
  ("memory updated by reflection: project +2 lines — /memory to see").
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
from collections.abc import Callable
from dataclasses import dataclass, field

from letta_code.client.backend import Backend, BackendError
from letta_code.config.settings import ReflectionSettings
from letta_code.harness.executor import PendingCall
from letta_code.harness.turn import TurnResult, absorb_chunk
from letta_code.schemas.state import BlockState, ReflectionStart


@dataclass
class BlockChange:
    """How a pass changed one block, in lines."""

    label: str
    added: int
    removed: int

    def describe(self) -> str:
        counts = [f"+{self.added}" if self.added else "", f"-{self.removed}" if self.removed else ""]
        lines = "/".join(c for c in counts if c) or "±0"
        return f"{self.label} {lines} line{'' if max(self.added, self.removed) == 1 else 's'}"


@dataclass
class ReflectionOutcome:
    """What one pass did: the blocks it changed, its last words, or why it did not run."""

    started: ReflectionStart | None = None
    changes: list[BlockChange] = field(default_factory=list)
    reply: str = ""
    error: str | None = None
    usage: TurnResult = field(default_factory=TurnResult)

    def summary(self) -> str:
        if self.error:
            return f"reflection failed: {self.error}"
        if self.started is None:
            return "reflection: nothing new to reflect on since the last pass"
        if not self.changes:
            return "reflection: memory unchanged"
        return f"memory updated by reflection: {', '.join(c.describe() for c in self.changes)} — /memory to see"


def block_changes(before: list[BlockState], after: list[BlockState]) -> list[BlockChange]:
    """The blocks whose value differs, with the lines added and removed (a new block counts)."""
    old = {b.id: b.value for b in before}
    changes = []
    for block in after:
        previous = old.get(block.id, "")
        if previous == block.value:
            continue
        diff = list(difflib.ndiff(previous.splitlines(), block.value.splitlines()))
        added = sum(1 for line in diff if line.startswith("+ "))
        removed = sum(1 for line in diff if line.startswith("- "))
        changes.append(BlockChange(block.label, added, removed))
    return changes


class Reflector:
    """The reflection passes of one session; `agent_id()` is asked each time (/new, /resume)."""

    def __init__(
        self,
        backend: Backend,
        agent_id: Callable[[], str],
        settings: ReflectionSettings,
        on_done: Callable[[ReflectionOutcome], None] | None = None,
    ) -> None:
        self.backend = backend
        self.agent_id = agent_id
        self.settings = settings
        self.on_done = on_done
        self.task: asyncio.Task[ReflectionOutcome] | None = None

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    async def due(self) -> bool:
        """Whether automatic reflection is on and enough user turns came since the last pass."""
        if self.settings.every <= 0 or self.running:
            return False
        return await self.backend.reflection_pending(self.agent_id()) >= self.settings.every

    async def after_turn(self) -> bool:
        """Start a pass when one is due; True when one started (it finishes on its own)."""
        if self.settings.every <= 0 or self.running:
            return False
        try:
            before = await self._blocks()
            started = await self.backend.reflect(
                self.agent_id(), min_user_turns=self.settings.every, model=self.settings.model
            )
        except BackendError as exc:
            self._report(ReflectionOutcome(error=str(exc)))
            return False
        if started is None:
            return False
        self.task = asyncio.get_running_loop().create_task(self._finish(started, before))
        return True

    async def reflect_now(self) -> ReflectionOutcome:
        """A pass over everything since the last one (after any pass still running), waited for."""
        await self.wait()
        try:
            before = await self._blocks()
            started = await self.backend.reflect(self.agent_id(), min_user_turns=1, model=self.settings.model)
        except BackendError as exc:
            return ReflectionOutcome(error=str(exc))
        if started is None:
            return ReflectionOutcome()
        return await self._finish(started, before, report=False)

    async def wait(self) -> ReflectionOutcome | None:
        """Let a running pass finish (its outcome is reported as usual)."""
        if self.task is None:
            return None
        with contextlib.suppress(asyncio.CancelledError):
            return await asyncio.shield(self.task)
        return None

    async def _blocks(self) -> list[BlockState]:
        agent = await self.backend.find_agent(self.agent_id())
        return list(agent.blocks) if agent else []

    async def _finish(
        self, started: ReflectionStart, before: list[BlockState], *, report: bool = True
    ) -> ReflectionOutcome:
        outcome = ReflectionOutcome(started=started)
        calls: dict[str, PendingCall] = {}
        texts: dict[str, str] = {}
        try:
            async for chunk in self.backend.resume(started.run_id, 0):
                absorb_chunk(chunk, outcome.usage, texts, calls)
            outcome.reply, outcome.error = outcome.usage.text, outcome.usage.error
            outcome.changes = block_changes(before, await self._blocks())
        except BackendError as exc:
            outcome.error = str(exc)
        if report:
            self._report(outcome)
        return outcome

    def _report(self, outcome: ReflectionOutcome) -> None:
        if self.on_done is not None:
            self.on_done(outcome)

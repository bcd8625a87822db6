"""What the interactive session knows between turns: the session context, toggles, stats."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from letta_code.cli.session import SessionContext
    from letta_code.harness.reflection import Reflector
    from letta_code.schemas.chunks import CompactionEventData, ContextSizes, UsageChunk
    from letta_code.schemas.state import AgentState, ConversationState


@dataclass
class SessionStats:
    started: float = field(default_factory=time.monotonic)
    turns: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    tool_calls: int = 0  # every call the model made, denied ones included
    denied_calls: int = 0  # of those, refused: by the user or by a deny rule

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started


@dataclass
class TuiState:
    """Mutable state shared by the prompt, the turn view and the slash commands."""

    ctx: SessionContext
    env: dict[str, str]
    stream: bool = True
    full_reasoning: bool = False
    stats: SessionStats = field(default_factory=SessionStats)
    context_tokens: int = 0  # prompt tokens of the last model step
    context_known: bool = True  # False after a /compact the service did not size: `ctx ?` until measured
    context_estimated: bool = False  # the context size is the service's estimate (after a compaction)
    usage_estimated: bool = False  # the server reported no usage: the counts are our estimate
    last_reasoning: str = ""  # so /reasoning can show the latest one in full
    exit_requested: bool = False
    exit_code: int = 0
    reflector: Reflector | None = None  # the session's reflection passes (set by the Tui)

    @property
    def agent(self) -> AgentState:
        return self.ctx.target.agent

    @agent.setter
    def agent(self, value: AgentState) -> None:
        self.ctx.target.agent = value

    @property
    def conversation(self) -> ConversationState:
        return self.ctx.target.conversation

    @conversation.setter
    def conversation(self, value: ConversationState) -> None:
        self.ctx.target.conversation = value

    @property
    def mode_name(self) -> str:
        mode: Any = self.ctx.checker.mode
        return str(getattr(mode, "value", mode))

    def absorb_compaction(self, data: CompactionEventData) -> None:
        """The service compacted on its own, perhaps after learning a smaller window: show that window."""
        window = int(data.get("context_window") or 0)
        if window and window != self.agent.context_window:
            self.agent = replace(self.agent, context_window=window)
        if data.get("context_tokens_after") is not None:
            self.absorb_compact(data)

    def absorb_compact(self, report: ContextSizes) -> None:
        """The gauge after a compaction: the smaller prompt, from the service's sizes of it.

        `context_tokens_before`/`_after` are the service's estimates of the prompt. What it
        freed comes off the measured size when there is one (the estimates may leave out
        the client tools, which the difference cancels); else the gauge shows its `after`.
        A service that reports no sizes leaves the gauge unknown until the next model call.
        """
        before, after = report.get("context_tokens_before"), report.get("context_tokens_after")
        if after is None:
            self.context_tokens, self.context_known = 0, False
            return
        measured, freed = self.context_tokens, int(before or 0) - int(after)
        use_measured = bool(self.context_known and measured and before is not None and measured - freed > 0)
        self.context_tokens = measured - freed if use_measured else int(after)
        self.context_known, self.context_estimated = True, True

    def absorb_usage(self, chunk: UsageChunk) -> None:
        """Count a `usage_statistics` chunk into the session totals and the context gauge."""
        prompt = int(chunk.get("prompt_tokens") or 0)
        steps = max(1, int(chunk.get("step_count") or 1))
        self.stats.prompt_tokens += prompt
        self.stats.completion_tokens += int(chunk.get("completion_tokens") or 0)
        self.usage_estimated = bool(chunk.get("estimated"))
        if prompt:
            # Per-run usage sums its steps; a run's last step is about the average.
            self.context_tokens = prompt // steps
            self.context_known, self.context_estimated = True, False

"""What the interactive session knows between turns: the session context, toggles, stats."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from letta_code.cli.app import SessionContext
    from letta_code.harness.turn import TurnResult
    from letta_code.schemas.state import AgentState, ConversationState


@dataclass
class SessionStats:
    started: float = field(default_factory=time.monotonic)
    turns: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    tool_calls: int = 0

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
    usage_estimated: bool = False  # the server reported no usage: the counts are our estimate
    last_reasoning: str = ""  # so /reasoning can show the latest one in full
    exit_requested: bool = False
    exit_code: int = 0

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

    def absorb_compaction(self, data: dict[str, Any]) -> None:
        """The service compacted on its own, perhaps after learning a smaller window: show that window."""
        window = int(data.get("context_window") or 0)
        if window and window != self.agent.context_window:
            self.agent = replace(self.agent, context_window=window)

    def absorb_usage(self, chunk: dict[str, Any]) -> None:
        """Count a `usage_statistics` chunk into the session totals and the context gauge."""
        prompt = int(chunk.get("prompt_tokens") or 0)
        steps = max(1, int(chunk.get("step_count") or 1))
        self.stats.prompt_tokens += prompt
        self.stats.completion_tokens += int(chunk.get("completion_tokens") or 0)
        self.usage_estimated = bool(chunk.get("estimated"))
        if prompt:
            # Per-run usage sums its steps; a run's last step is about the average.
            self.context_tokens = prompt // steps

    def count_turn(self, result: TurnResult | None) -> None:
        self.stats.turns += 1

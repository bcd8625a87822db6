"""A run's token usage as its steps add up, and its stored form.

The loop adds each model call (steps and compaction summaries); the usage is
stored on the run at every step's end (`RunRegistry.flush`), so a run resumed
after a crash starts from what its finished steps counted. The stored form is
the `usage` JSON of the run, which the runs API hands out as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from letta_code.schemas.messages import UsageStatistics
from letta_code.schemas.state import RunTotals
from letta_code.service.llm.types import Usage


@dataclass
class RunUsage:
    """Token counts summed over a run's model calls."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0  # set when the run ends (`close`); 0 while it runs
    step_count: int = 0
    cached_input_tokens: int | None = None  # None: no step reported prompt caching
    cache_write_tokens: int | None = None
    estimated: bool = False  # some step's counts are our estimate (its server reported none)

    @classmethod
    def from_stored(cls, raw: Mapping[str, object]) -> RunUsage:
        """Read back `to_stored`'s JSON, tolerating what an older version stored."""

        def count(key: str) -> int | None:
            value = raw.get(key)
            return int(value) if isinstance(value, int | float) else None

        return cls(
            prompt_tokens=count("prompt_tokens") or 0,
            completion_tokens=count("completion_tokens") or 0,
            total_tokens=count("total_tokens") or 0,
            step_count=count("step_count") or 0,
            cached_input_tokens=count("cached_input_tokens"),
            cache_write_tokens=count("cache_write_tokens"),
            estimated=bool(raw.get("estimated")),
        )

    def add_call(self, prompt_tokens: int, completion_tokens: int) -> None:
        """A model call that is not a step (a compaction summary)."""
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens

    def add_step(self, usage: Usage) -> None:
        self.add_call(usage.prompt_tokens, usage.completion_tokens)
        self.step_count += 1
        if usage.cached_tokens is not None:
            self.cached_input_tokens = (self.cached_input_tokens or 0) + usage.cached_tokens
        if usage.cache_write_tokens is not None:
            self.cache_write_tokens = (self.cache_write_tokens or 0) + usage.cache_write_tokens

    def close(self) -> None:
        """The run ended: its total is final."""
        self.total_tokens = self.prompt_tokens + self.completion_tokens

    def to_stored(self) -> RunTotals:
        stored: RunTotals = {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
            "step_count": self.step_count,
        }
        if self.estimated:
            stored["estimated"] = True
        if self.cached_input_tokens is not None:
            stored["cached_input_tokens"] = self.cached_input_tokens
        if self.cache_write_tokens is not None:
            stored["cache_write_tokens"] = self.cache_write_tokens
        return stored

    def statistics(self, run_id: str) -> UsageStatistics:
        """The run's `usage_statistics` chunk."""
        return UsageStatistics(
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            total_tokens=self.total_tokens,
            step_count=self.step_count,
            cached_input_tokens=self.cached_input_tokens,
            cache_write_tokens=self.cache_write_tokens,
            estimated=True if self.estimated else None,
            run_ids=[run_id],
        )

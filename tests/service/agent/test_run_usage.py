"""A run's usage: steps add up, unknown cache counts stay out, the stored form survives a restart."""

from __future__ import annotations

from letta_code.service.agent.run_usage import RunUsage
from letta_code.service.llm.types import Usage


def test_steps_and_calls_add_up_and_cache_counts_sum_once_reported() -> None:
    usage = RunUsage()
    usage.add_step(Usage(100, 10))  # this server said nothing of caching
    usage.add_step(Usage(120, 5, cached_tokens=80))
    usage.add_step(Usage(130, 7, cached_tokens=90, cache_write_tokens=30))
    usage.add_call(40, 8)  # a compaction summary: tokens, not a step
    assert (usage.prompt_tokens, usage.completion_tokens, usage.step_count) == (390, 30, 3)
    assert (usage.cached_input_tokens, usage.cache_write_tokens) == (170, 30)
    assert usage.to_stored()["total_tokens"] == 0  # while the run runs
    usage.close()
    assert usage.to_stored() == {
        "prompt_tokens": 390,
        "completion_tokens": 30,
        "total_tokens": 420,
        "step_count": 3,
        "cached_input_tokens": 170,
        "cache_write_tokens": 30,
    }


def test_a_run_that_never_reported_caching_stores_and_streams_no_cache_counts() -> None:
    usage = RunUsage()
    usage.add_step(Usage(10, 2))
    usage.estimated = True
    assert usage.to_stored() == {
        "prompt_tokens": 10,
        "completion_tokens": 2,
        "total_tokens": 0,
        "step_count": 1,
        "estimated": True,
    }
    wire = usage.statistics("run-1").to_wire()
    assert "cached_input_tokens" not in wire and "cache_write_tokens" not in wire
    assert wire["estimated"] is True and wire["run_ids"] == ["run-1"]
    assert "estimated" not in RunUsage().statistics("run-1").to_wire()


def test_the_stored_usage_of_a_resumed_run_is_where_it_goes_on_from() -> None:
    before = RunUsage()
    before.add_step(Usage(50, 5, cached_tokens=20))
    before.estimated = True
    again = RunUsage.from_stored(before.to_stored())
    assert again == before
    again.add_step(Usage(60, 6, cached_tokens=30))
    assert (again.prompt_tokens, again.step_count, again.cached_input_tokens) == (110, 2, 50)
    assert RunUsage.from_stored({}) == RunUsage()

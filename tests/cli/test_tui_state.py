"""The session state's context gauge: measured by usage, resized by compactions."""

from __future__ import annotations

from letta_code.cli.tui.state import TuiState
from letta_code.schemas.chunks import CompactionReport


def gauge() -> TuiState:
    return TuiState(ctx=None, env={})  # type: ignore[arg-type]  # the gauge needs no session


def test_a_compaction_takes_what_it_freed_off_the_measured_size() -> None:
    state = gauge()
    state.absorb_usage(
        {"message_type": "usage_statistics", "prompt_tokens": 9000, "completion_tokens": 10, "step_count": 3}
    )
    assert (state.context_tokens, state.context_estimated) == (3000, False)
    # The service's estimates leave out the client tools: the difference still says what went.
    state.absorb_compact({"context_tokens_before": 2600, "context_tokens_after": 900})
    assert (state.context_tokens, state.context_known, state.context_estimated) == (1300, True, True)
    state.absorb_usage(
        {"message_type": "usage_statistics", "prompt_tokens": 1400, "completion_tokens": 5, "step_count": 1}
    )
    assert (state.context_tokens, state.context_estimated) == (1400, False)  # measured again


def test_without_a_measurement_the_gauge_shows_the_services_estimate() -> None:
    state = gauge()
    state.absorb_compact({"context_tokens_before": 2600, "context_tokens_after": 900})
    assert (state.context_tokens, state.context_estimated) == (900, True)
    state.context_tokens = 500  # an estimate that does not fit the measurement is not subtracted
    state.context_estimated = False
    state.absorb_compact({"context_tokens_before": 2600, "context_tokens_after": 900})
    assert state.context_tokens == 900


def test_a_compaction_without_sizes_leaves_the_gauge_unknown_not_zero() -> None:
    state = gauge()
    state.absorb_usage({"message_type": "usage_statistics", "prompt_tokens": 3000, "step_count": 1})
    report: CompactionReport = {
        "num_messages_before": 6,
        "num_messages_after": 3,
        "summary": "",
        "num_messages_summarized": 3,
    }  # a Letta server's: no sizes
    state.absorb_compact(report)
    assert not state.context_known
    state.absorb_usage({"message_type": "usage_statistics", "prompt_tokens": 1200, "step_count": 1})
    assert state.context_known and state.context_tokens == 1200


def test_an_automatic_compaction_that_reports_sizes_resizes_the_gauge() -> None:
    state = gauge()
    state.absorb_usage({"message_type": "usage_statistics", "prompt_tokens": 5000, "step_count": 1})
    state.absorb_compaction({"trigger": "post_step_context_check", "messages_count_before": 9})
    assert (state.context_tokens, state.context_known) == (5000, True)  # no sizes: nothing to go on
    state.absorb_compaction({"context_tokens_before": 4800, "context_tokens_after": 1800})
    assert (state.context_tokens, state.context_estimated) == (2000, True)

"""The one stream folder (`StreamAccumulator`): tool calls by index, the name rule, usage.

The events are what an adapter yields; the loop and compaction both fold through
this, so a rule broken here shows up as a wrong tool call or wrong token counts.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from letta_code.service.llm.base import StreamAccumulator, collect
from letta_code.service.llm.types import (
    Finish,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCall,
    ToolCallDelta,
    Usage,
)


def fold(*events: StreamEvent) -> StreamAccumulator:
    acc = StreamAccumulator()
    for event in events:
        acc.feed(event)
    return acc


def test_a_name_sent_once_is_the_name() -> None:
    acc = fold(
        ToolCallDelta(0, id="call_1", name="Bash"),
        ToolCallDelta(0, arguments='{"command": '),
        ToolCallDelta(0, arguments='"ls"}'),
    )
    assert acc.tool_calls == [ToolCall("call_1", "Bash", '{"command": "ls"}')]


def test_a_name_repeated_in_every_delta_is_kept_once() -> None:
    # MiniMax on NVIDIA NIM: the whole name (and id) again with every argument piece.
    acc = fold(
        ToolCallDelta(0, id="call_1", name="Bash", arguments='{"command": '),
        ToolCallDelta(0, id="call_1", name="Bash", arguments='"ls"}'),
        ToolCallDelta(0, id="call_1", name="Bash"),
    )
    assert acc.tool_calls == [ToolCall("call_1", "Bash", '{"command": "ls"}')]


def test_a_name_streamed_in_fragments_is_joined() -> None:
    acc = fold(
        ToolCallDelta(0, id="call_1", name="edit_ex"),
        ToolCallDelta(0, name="isting_file", arguments="{}"),
    )
    assert [c.name for c in acc.tool_calls] == ["edit_existing_file"]


def test_a_fragment_that_starts_like_the_name_so_far_is_still_appended() -> None:
    # "s" + "sh_exec": replacing would call a different tool ("sh_exec") than the model named.
    acc = fold(
        ToolCallDelta(0, id="call_1", name="s"),
        ToolCallDelta(0, name="sh_exec", arguments="{}"),
        ToolCallDelta(1, id="call_2", name="get"),
        ToolCallDelta(1, name="get_weather"),
    )
    assert [c.name for c in acc.tool_calls] == ["ssh_exec", "getget_weather"]


def test_fragments_then_the_whole_name_repeated() -> None:
    acc = fold(
        ToolCallDelta(0, name="edit"),
        ToolCallDelta(0, name="_file"),
        ToolCallDelta(0, name="edit_file"),  # the whole name so far again: a repeat
    )
    assert [c.name for c in acc.tool_calls] == ["edit_file"]


def test_an_empty_first_name_does_not_hide_the_name_that_follows() -> None:
    acc = fold(ToolCallDelta(0, id="call_1", name=""), ToolCallDelta(0, name="Read", arguments='{"path": "a"}'))
    assert acc.tool_calls == [ToolCall("call_1", "Read", '{"path": "a"}')]


def test_parallel_calls_come_out_by_index_and_keep_their_own_pieces() -> None:
    acc = fold(
        ToolCallDelta(1, id="call_b", name="Read"),
        ToolCallDelta(0, id="call_a", name="Bash"),
        ToolCallDelta(1, arguments='{"path": "x"}'),
        ToolCallDelta(0),  # a call without arguments
    )
    assert acc.tool_calls == [ToolCall("call_a", "Bash", "{}"), ToolCall("call_b", "Read", '{"path": "x"}')]
    assert [(c.id, c.arguments) for c in acc.partial_calls()] == [("call_a", ""), ("call_b", '{"path": "x"}')]


def test_usage_reported_in_parts_keeps_the_largest_of_each_count() -> None:
    # Anthropic: the prompt (and cache reads) at the start, the output at the end.
    acc = fold(
        Usage(prompt_tokens=120, completion_tokens=1, cached_tokens=100, cache_write_tokens=None),
        TextDelta("hi"),
        Usage(prompt_tokens=0, completion_tokens=7, cached_tokens=None, cache_write_tokens=20),
        Finish("stop"),
    )
    assert acc.usage == Usage(prompt_tokens=120, completion_tokens=7, cached_tokens=100, cache_write_tokens=20)
    assert acc.usage_reported and acc.finish_reason == "stop"


def test_usage_without_a_prompt_count_is_not_reported_and_cache_counts_stay_unknown() -> None:
    acc = fold(Usage(prompt_tokens=0, completion_tokens=5))
    assert not acc.usage_reported
    assert acc.usage == Usage(completion_tokens=5, cached_tokens=None, cache_write_tokens=None)
    assert not fold(TextDelta("no usage at all")).usage_reported


def test_text_reasoning_and_signature_fold_into_the_message() -> None:
    async def stream() -> AsyncIterator[StreamEvent]:
        for event in (
            ReasoningDelta("let me "),
            ReasoningDelta("see"),
            ReasoningDelta("", signature="sig_1"),
            TextDelta("Hello "),
            TextDelta("there"),
            ToolCallDelta(0, id="call_1", name="Bash", arguments="{}"),
        ):
            yield event

    message = asyncio.run(collect(stream())).message()
    assert (message.role, message.content, message.reasoning) == ("assistant", "Hello there", "let me see")
    assert message.reasoning_signature == "sig_1" and message.tool_calls == [ToolCall("call_1", "Bash", "{}")]

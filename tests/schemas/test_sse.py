"""The one SSE parser: fields, multi-line data, comments, blank lines, CRLF/LF/CR (also
split between pieces), the last event without a blank line, ids, and pieces of any size."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable

import pytest

from letta_code.schemas.sse import LineSplitter, ServerSentEvent, SSEDecoder, parse_sse, parse_sse_lines, sse_lines


async def pieces(items: Iterable[str]) -> AsyncIterator[str]:
    for item in items:
        yield item


def parse(*chunks: str) -> list[ServerSentEvent]:
    """The events of a stream that arrives as `chunks`."""

    async def run() -> list[ServerSentEvent]:
        return [event async for event in parse_sse(pieces(chunks))]

    return asyncio.run(run())


def test_data_lines_are_joined_with_newlines() -> None:
    assert parse('data: {"a":\ndata: 1}\n\n') == [ServerSentEvent('{"a":\n1}')]


def test_one_space_after_the_colon_is_dropped_and_only_one() -> None:
    assert parse("data:x\n\ndata:  two\n\ndata:\n\n") == [
        ServerSentEvent("x"),
        ServerSentEvent(" two"),
        ServerSentEvent(""),  # an empty data line is still an event
    ]


def test_a_field_without_colon_is_that_field_with_an_empty_value() -> None:
    assert parse("data\ndata\n\n") == [ServerSentEvent("\n")]


def test_comments_are_ignored() -> None:
    stream = ": keep-alive\n\n:data: not data\ndata: real\n: more\ndata: end\n\n"
    assert parse(stream) == [ServerSentEvent("real\nend")]


def test_a_blank_line_ends_each_event_and_the_event_name_belongs_to_its_event_only() -> None:
    stream = "event: message_start\ndata: 1\n\ndata: 2\n\nevent:  error \ndata: 3\n\n"
    assert parse(stream) == [
        ServerSentEvent("1", "message_start"),
        ServerSentEvent("2"),
        ServerSentEvent("3", "error"),  # whitespace around a name is dropped
    ]


def test_an_event_without_data_is_not_sent_and_does_not_name_the_next() -> None:
    assert parse("event: ping\n\nevent:\ndata: x\n\n") == [ServerSentEvent("x")]


def test_the_last_event_is_sent_without_a_blank_line_after_it() -> None:
    assert parse("data: a\n\ndata: [DONE]") == [ServerSentEvent("a"), ServerSentEvent("[DONE]")]
    assert parse("data: a\n\ndata: [DONE]\n") == [ServerSentEvent("a"), ServerSentEvent("[DONE]")]
    assert parse("event: error\ndata: {}") == [ServerSentEvent("{}", "error")]


@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"])
def test_lines_end_at_lf_crlf_or_cr(eol: str) -> None:
    stream = eol.join(["event: e", "data: a", "data: b", "", "data: c", "", ""])
    assert parse(stream) == [ServerSentEvent("a\nb", "e"), ServerSentEvent("c")]


def test_a_crlf_split_between_two_pieces_is_one_line_end() -> None:
    assert parse("data: a\r", "", "\ndata: b\r", "\n\r", "\n") == [ServerSentEvent("a\nb")]


def test_a_cr_at_the_end_of_a_piece_ends_the_line_at_once() -> None:
    splitter = LineSplitter()
    assert splitter.feed("data: a\r") == ["data: a"]
    assert splitter.feed("\r") == [""]  # a CR after a CR is a new line end, not a pair


def test_other_unicode_line_breaks_are_text() -> None:
    data = '{"text": "a\u2028b\u2029c\x85d\x0be\x0cf\x1cg"}'
    assert parse(f"data: {data}\n\n") == [ServerSentEvent(data)]


def test_pieces_of_any_size_give_the_same_events() -> None:
    stream = ": hi\r\nevent: a\r\ndata: 1\r\ndata: 2\r\n\r\nid: 7\ndata: é😀\n\rdata: [DONE]"
    whole = parse(stream)
    assert whole == [
        ServerSentEvent("1\n2", "a"),
        ServerSentEvent("é😀", None, "7"),
        ServerSentEvent("[DONE]", None, "7"),
    ]
    assert parse(*stream) == whole  # one character at a time
    for cut in range(len(stream) + 1):
        assert parse(stream[:cut], stream[cut:]) == whole, cut


def test_the_last_event_id_is_kept_until_the_next_id() -> None:
    stream = "id: 1\ndata: a\n\ndata: b\n\nid: 2\x00\ndata: c\n\nid\ndata: d\n\n"
    assert parse(stream) == [
        ServerSentEvent("a", None, "1"),
        ServerSentEvent("b", None, "1"),
        ServerSentEvent("c", None, "1"),  # an id with NUL is ignored
        ServerSentEvent("d", None, ""),  # an empty id resets it
    ]


def test_retry_and_unknown_fields_are_ignored() -> None:
    assert parse("retry: 10\nfoo: bar\ndata: x\nDATA: y\n\n") == [ServerSentEvent("x")]


def test_a_byte_order_mark_is_dropped_at_the_start_only() -> None:
    assert parse("\ufeffdata: a\n\n", "\ufeffdata: b\n\n") == [ServerSentEvent("a")]  # "\ufeffdata" is no field
    assert parse("", "\ufeffdata: a\n\ndata: \ufeffb\n\n") == [ServerSentEvent("a"), ServerSentEvent("\ufeffb")]


def test_lines_already_cut_are_parsed_the_same_way() -> None:
    async def run() -> list[ServerSentEvent]:
        lines = pieces([": ping", "", "event: message", "data: {", "data: }", "", "data: [DONE]"])
        return [event async for event in parse_sse_lines(lines)]

    assert asyncio.run(run()) == [ServerSentEvent("{\n}", "message"), ServerSentEvent("[DONE]")]


def test_sse_lines_yields_the_last_line_without_a_line_end_and_no_empty_tail() -> None:
    async def run(*chunks: str) -> list[str]:
        return [line async for line in sse_lines(pieces(chunks))]

    assert asyncio.run(run("a\r\nb", "c\n", "d")) == ["a", "bc", "d"]
    assert asyncio.run(run("a\n")) == ["a"]


def test_the_decoder_and_splitter_start_clean_after_each_event() -> None:
    decoder = SSEDecoder()
    assert [decoder.line(x) for x in ("event: a", "data: 1", "")] == [None, None, ServerSentEvent("1", "a")]
    assert decoder.line("") is None  # nothing pending: no empty event
    assert decoder.end() is None
    assert LineSplitter().end() == []

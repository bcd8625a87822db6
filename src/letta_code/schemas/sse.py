"""Reading Server-Sent Events: the one parser behind every SSE stream we consume.

Two callers read SSE: `client/http.py` (a Letta server's run stream) and
`service/llm/transport.py` (a model server's response). Both hand this module the
decoded text of a response, in pieces of any size (`parse_sse`, or `sse_lines` then
`parse_sse_lines`), and get `ServerSentEvent`s back. `LineSplitter` and `SSEDecoder`
are the two steps, usable on their own.

The rules, as the WHATWG "event stream" format has them:

- A line ends at CRLF, LF or CR, and only there (a CRLF split between two pieces is
  one line end). Other Unicode line breaks (U+2028, U+0085, ...) are text: a model
  server may send them raw inside a JSON string.
- `field: value` (one space after the colon dropped), or `field` alone (empty value).
  `data` lines are joined with "\\n"; `event` names the event (surrounding whitespace
  dropped); `id` sets the last event id, which later events keep until the next `id`
  (one containing NUL is ignored); `retry` and unknown fields are ignored.
- A line starting with ":" is a comment (keep-alives): ignored.
- A blank line ends the event; an event without `data` lines is not sent.
- A byte-order mark at the very start is dropped.

Where we differ from browsers: a last event that the stream ends without a blank
line is still sent (both callers need it: servers end with `data: [DONE]` and may
close the connection right after it). Stdlib only: this is a leaf module.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass

_LINE_END = re.compile(r"\r\n|\r|\n")
_BOM = "\ufeff"


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    """One dispatched event: its data (the `data` lines joined with "\\n"), its `event`
    name (None when it had none) and the last event `id` seen so far (None if none)."""

    data: str
    event: str | None = None
    id: str | None = None


class LineSplitter:
    """Cuts text that arrives in pieces of any size into lines, at CRLF, LF or CR only."""

    def __init__(self) -> None:
        self._partial: list[str] = []  # the text of a line whose end has not arrived yet
        self._after_cr = False  # the last piece ended in CR: a LF starting the next one is its pair
        self._started = False  # some text has arrived (a BOM is only dropped at the very start)

    def feed(self, text: str) -> list[str]:
        """The lines (without their line ends) that `text`, the next piece, completes."""
        if not text:
            return []
        if not self._started:
            self._started = True
            text = text.removeprefix(_BOM)
        if self._after_cr:
            self._after_cr = False
            text = text.removeprefix("\n")
        lines: list[str] = []
        start = 0
        for line_end in _LINE_END.finditer(text):
            self._partial.append(text[start : line_end.start()])
            lines.append("".join(self._partial))
            self._partial.clear()
            start = line_end.end()
        self._partial.append(text[start:])
        self._after_cr = text.endswith("\r")
        return lines

    def end(self) -> list[str]:
        """The stream is over: its last line, if it did not end with a line end."""
        last = "".join(self._partial)
        self._partial.clear()
        return [last] if last else []


class SSEDecoder:
    """Turns lines into events: `line` for each line as it comes, `end` when the stream ends."""

    def __init__(self) -> None:
        self._event: str | None = None
        self._data: list[str] = []
        self._last_id: str | None = None

    def line(self, line: str) -> ServerSentEvent | None:
        """Take one line (without its line end); the event it ends, if any."""
        if not line:
            return self._dispatch()
        name, _, value = line.partition(":")  # a comment (":...") has the empty name: ignored below
        value = value.removeprefix(" ")
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value.strip() or None
        elif name == "id" and "\0" not in value:
            self._last_id = value
        return None

    def end(self) -> ServerSentEvent | None:
        """The stream is over: the event its last lines make, even without a blank line."""
        return self._dispatch()

    def _dispatch(self) -> ServerSentEvent | None:
        data, event = self._data, self._event
        self._data, self._event = [], None
        if not data:
            return None
        return ServerSentEvent("\n".join(data), event, self._last_id)


async def sse_lines(text: AsyncIterable[str]) -> AsyncIterator[str]:
    """The lines of a stream of decoded text (e.g. `httpx.Response.aiter_text()`)."""
    splitter = LineSplitter()
    async for piece in text:
        for line in splitter.feed(piece):
            yield line
    for line in splitter.end():
        yield line


async def parse_sse_lines(lines: AsyncIterable[str]) -> AsyncIterator[ServerSentEvent]:
    """The events of a stream already cut into lines (each without its line end)."""
    decoder = SSEDecoder()
    async for line in lines:
        event = decoder.line(line)
        if event is not None:
            yield event
    last = decoder.end()
    if last is not None:
        yield last


def parse_sse(text: AsyncIterable[str]) -> AsyncIterator[ServerSentEvent]:
    """The events of a stream of decoded text, in pieces of any size."""
    return parse_sse_lines(sse_lines(text))

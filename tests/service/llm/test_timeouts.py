"""Timeouts that count model output, not bytes: the first-output deadline
(`LETTA_LLM_REQUEST_TIMEOUT`) and the idle timeout between model events
(`LETTA_LLM_READ_TIMEOUT`), against a model server that stalls with keep-alive
comments, empty deltas or silence."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from letta_code.service.llm.anthropic_messages import AnthropicMessagesProvider
from letta_code.service.llm.base import Provider
from letta_code.service.llm.openai_chat import OpenAIChatProvider
from letta_code.service.llm.transport import (
    Endpoint,
    aclose_client,
    stream_events,
    timeout_settings,
)
from letta_code.service.llm.types import LLMError, StreamEvent, TextDelta
from letta_code.testing import ModelServer, Reply
from letta_code.testing.handler import stall_thread_name
from tests.service.llm.util import accumulate, request


def _provider(server: ModelServer, protocol: str) -> Provider:
    if protocol == "openai":
        return OpenAIChatProvider(server.base_url, "test-key")
    return AnthropicMessagesProvider(server.anthropic_base_url, "test-key")


def _base(server: ModelServer, protocol: str) -> str:
    return server.base_url if protocol == "openai" else server.anthropic_base_url


def _no_stall_left(server: ModelServer, within: float = 5.0) -> bool:
    """True once no handler thread of `server` is stalling a stream (its client left)."""
    name = stall_thread_name(server.port)
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not any(t.name == name and t.is_alive() for t in threading.enumerate()):
            return True
        time.sleep(0.02)
    return False


def _run(provider: Provider, server: ModelServer) -> tuple[list[StreamEvent], LLMError | None, bool]:
    """The events before the error, the error, and whether the server saw the client
    leave before the pooled client was closed (the response itself was closed)."""

    async def main() -> tuple[list[StreamEvent], LLMError | None, bool]:
        got: list[StreamEvent] = []
        error: LLMError | None = None
        try:
            async for event in provider.stream(request()):
                got.append(event)
        except LLMError as exc:
            error = exc
        closed = await asyncio.to_thread(_no_stall_left, server)
        await aclose_client()
        return got, error, closed

    return asyncio.run(main())


@pytest.mark.parametrize(
    ("protocol", "stall", "after"),
    [
        ("openai", "keepalive", 0),
        ("openai", "empty", 1),  # the role chunk, then empty deltas: no model output
        ("openai", "silent", 0),
        ("anthropic", "keepalive", 2),  # message_start and ping, then comments
        ("anthropic", "empty", 0),  # ping events
        ("anthropic", "silent", 3),  # an empty text block opened, then nothing
    ],
)
def test_no_output_ends_at_the_request_timeout(
    model_server: ModelServer,
    monkeypatch: pytest.MonkeyPatch,
    protocol: str,
    stall: str,
    after: int,
) -> None:
    monkeypatch.setenv("LETTA_LLM_REQUEST_TIMEOUT", "0.5")
    monkeypatch.setenv("LETTA_LLM_MAX_RETRIES", "1")
    model_server.script([Reply(text="never", stall=stall, stall_after=after)] * 2)
    start = time.monotonic()
    got, error, closed = _run(_provider(model_server, protocol), model_server)
    elapsed = time.monotonic() - start
    assert got == [] and error is not None
    assert str(error) == (
        f"the model server at {_base(model_server, protocol)} sent no model output for 0.5 s "
        "after 1 retry (set LETTA_LLM_REQUEST_TIMEOUT to wait longer)"
    )
    assert len(model_server.model_requests) == 2  # a timeout before any output is retried
    assert 1.0 <= elapsed < 10.0
    assert closed, "the stalled response was left open"


def test_server_that_never_sends_headers(model_server: ModelServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LETTA_LLM_REQUEST_TIMEOUT", "0.5")
    monkeypatch.setenv("LETTA_LLM_MAX_RETRIES", "0")
    model_server.script([Reply(text="too late", delay=5)])
    start = time.monotonic()
    got, error, _ = _run(_provider(model_server, "openai"), model_server)
    assert got == [] and str(error) == (
        f"the model server at {model_server.base_url} sent no model output for 0.5 s "
        "(set LETTA_LLM_REQUEST_TIMEOUT to wait longer)"
    )
    assert 0.5 <= time.monotonic() - start < 10.0


@pytest.mark.parametrize(("protocol", "after"), [("openai", 3), ("anthropic", 5)])
def test_idle_timeout_after_some_text_is_not_retried(
    model_server: ModelServer, monkeypatch: pytest.MonkeyPatch, protocol: str, after: int
) -> None:
    monkeypatch.setenv("LETTA_LLM_READ_TIMEOUT", "0.5")
    # frames before the stall: the role chunk / message_start, ping, block start; two words
    model_server.script([Reply(text="hello world again", stall="keepalive", stall_after=after)])
    model_server.script([Reply(text="a retry would get this")])
    start = time.monotonic()
    got, error, closed = _run(_provider(model_server, protocol), model_server)
    elapsed = time.monotonic() - start
    assert got == [TextDelta("hello "), TextDelta("world ")]
    assert str(error) == (
        f"the model server at {_base(model_server, protocol)} sent no more model output for "
        "0.5 s mid-response (set LETTA_LLM_READ_TIMEOUT to wait longer)"
    )
    assert len(model_server.model_requests) == 1
    assert 0.5 <= elapsed < 10.0
    assert closed, "the stalled response was left open"


def test_idle_timeout_is_per_event_not_per_call(model_server: ModelServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LETTA_LLM_READ_TIMEOUT", "1")
    monkeypatch.setenv("LETTA_LLM_REQUEST_TIMEOUT", "1")
    words = " ".join(f"w{i}" for i in range(10))
    model_server.script([Reply(text=words, chunk_delay=0.15)])  # ~1.8 s in all
    start = time.monotonic()
    assert accumulate(_provider(model_server, "openai"), request()).text == words
    assert time.monotonic() - start >= 1.0


@pytest.mark.parametrize("protocol", ["openai", "anthropic"])
def test_keepalives_then_output_within_the_deadline(
    model_server: ModelServer, monkeypatch: pytest.MonkeyPatch, protocol: str
) -> None:
    monkeypatch.setenv("LETTA_LLM_REQUEST_TIMEOUT", "5")
    model_server.script([Reply(text="worth the wait", stall="keepalive", stall_for=0.3)])
    assert accumulate(_provider(model_server, protocol), request()).text == "worth the wait"
    assert len(model_server.model_requests) == 1


def test_a_retry_after_a_stall_can_succeed(model_server: ModelServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LETTA_LLM_REQUEST_TIMEOUT", "0.3")
    model_server.script([Reply(text="lost", stall="silent"), Reply(text="second try")])
    assert accumulate(_provider(model_server, "openai"), request()).text == "second try"
    assert len(model_server.model_requests) == 2


async def _whole(response: httpx.Response) -> AsyncIterator[StreamEvent]:
    data = json.loads(await response.aread())
    yield TextDelta(data["choices"][0]["message"]["content"])


@pytest.mark.parametrize(("streamed", "ok"), [(True, False), (False, True)])
def test_a_non_streamed_answer_may_take_the_idle_timeout(
    model_server: ModelServer, monkeypatch: pytest.MonkeyPatch, streamed: bool, ok: bool
) -> None:
    monkeypatch.setenv("LETTA_LLM_REQUEST_TIMEOUT", "0.3")
    monkeypatch.setenv("LETTA_LLM_READ_TIMEOUT", "5")
    monkeypatch.setenv("LETTA_LLM_MAX_RETRIES", "0")
    model_server.script([Reply(text="whole", delay=0.8)])
    ep = Endpoint(model_server.base_url, "m", None, None)
    url = f"{model_server.base_url}/chat/completions"
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": False}

    async def main() -> list[StreamEvent]:
        try:
            return [e async for e in stream_events(ep, url, {}, body, _whole, streamed=streamed)]
        finally:
            await aclose_client()

    if ok:
        assert asyncio.run(main()) == [TextDelta("whole")]
    else:
        with pytest.raises(LLMError, match=r"no model output for 0\.3 s"):
            asyncio.run(main())


def test_timeout_settings_parse_and_fall_back() -> None:
    assert timeout_settings({}) == (600.0, 110.0)
    env = {"LETTA_LLM_READ_TIMEOUT": "30", "LETTA_LLM_REQUEST_TIMEOUT": "2.5"}
    assert timeout_settings(env) == (30.0, 2.5)
    for bad in ("", "abc", "0", "-3", "nan", "inf", "1e999"):
        env = {"LETTA_LLM_READ_TIMEOUT": bad, "LETTA_LLM_REQUEST_TIMEOUT": bad}
        assert timeout_settings(env) == (600.0, 110.0), bad


def test_bad_timeout_values_do_not_crash_a_call(model_server: ModelServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LETTA_LLM_READ_TIMEOUT", "soon")
    monkeypatch.setenv("LETTA_LLM_REQUEST_TIMEOUT", "-1")
    model_server.script([Reply(text="fine")])
    assert accumulate(_provider(model_server, "openai"), request()).text == "fine"

"""Retries, backoff and the one-line errors every adapter shares."""

from __future__ import annotations

import asyncio
import socket
import time

import httpx
import pytest

from letta_code.service.llm.base import collect
from letta_code.service.llm.openai_chat import OpenAIChatProvider
from letta_code.service.llm.registry import get_provider
from letta_code.service.llm.transport import error_detail, get_client, retry_after
from letta_code.service.llm.types import ContextWindowExceededError, LLMError, TextDelta
from tests.fakes.model_server import ModelServer, Reply
from tests.service.llm.util import accumulate, events, request


def _provider(server: ModelServer) -> OpenAIChatProvider:
    return OpenAIChatProvider(server.base_url, "test-key")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_retries_429_then_succeeds(model_server: ModelServer) -> None:
    model_server.script([Reply(status=429), Reply(status=429), Reply(text="finally")])
    assert accumulate(_provider(model_server), request()).text == "finally"
    assert len(model_server.model_requests) == 3


def test_honours_retry_after(model_server: ModelServer) -> None:
    model_server.script([Reply(status=429, headers={"Retry-After": "0.3"}), Reply(text="ok")])
    start = time.monotonic()
    assert accumulate(_provider(model_server), request()).text == "ok"
    assert time.monotonic() - start >= 0.3


def test_500_until_retries_run_out(model_server: ModelServer) -> None:
    model_server.script([Reply(status=500, error_body={"error": {"message": "kaput"}})] * 5)
    with pytest.raises(LLMError) as info:
        events(_provider(model_server), request())
    assert (
        str(info.value)
        == f"the model server at {model_server.base_url} failed (500) after 3 retries: kaput"
    )
    assert info.value.status == 500
    assert len(model_server.model_requests) == 4


def test_retry_count_from_env(model_server: ModelServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LETTA_LLM_MAX_RETRIES", "0")
    model_server.script([Reply(status=503), Reply(text="never")])
    with pytest.raises(LLMError, match=r"\(503\)"):
        events(_provider(model_server), request())
    assert len(model_server.model_requests) == 1


def test_401_names_the_key_variable_without_retrying(model_server: ModelServer) -> None:
    model_server.script([Reply(status=401)])
    with pytest.raises(LLMError) as info:
        events(_provider(model_server), request())
    assert str(info.value) == (
        f"the model server at {model_server.base_url} rejected the API key (401): set OPENAI_API_KEY"
    )
    assert len(model_server.model_requests) == 1


def test_404_names_the_model(model_server: ModelServer) -> None:
    model_server.script(
        [Reply(status=404, error_body={"error": {"message": "model 'nope' not found"}})]
    )
    with pytest.raises(LLMError, match=r'does not know model "nope" \(404.*set OPENAI_BASE_URL'):
        events(_provider(model_server), request(model="nope"))


def test_context_overflow_has_its_own_error(model_server: ModelServer) -> None:
    body = {
        "error": {
            "message": "This model's maximum context length is 8192 tokens",
            "code": "context_length_exceeded",
        }
    }
    model_server.script([Reply(status=400, error_body=body)])
    with pytest.raises(ContextWindowExceededError):
        events(_provider(model_server), request())


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_connection_refused_names_url_and_variable(host: str) -> None:
    url = f"http://{host}:{_closed_port()}/v1"
    provider, model = get_provider("ollama/llama3.1", {"OLLAMA_BASE_URL": url})
    with pytest.raises(LLMError) as info:
        events(provider, request(model=model))
    assert str(info.value) == (
        f"cannot reach the model server at {url} (connection refused): is it running? "
        "Set OLLAMA_BASE_URL to its address."
    )


def test_slow_server_within_timeout(model_server: ModelServer) -> None:
    model_server.script([Reply(text="slow but fine", delay=0.2, chunk_delay=0.01)])
    assert accumulate(_provider(model_server), request()).text == "slow but fine"


def test_retry_after_and_error_detail_parsing() -> None:
    assert retry_after({"retry-after": "2"}) == 2.0
    assert retry_after({"retry-after-ms": "150"}) == 0.15
    assert retry_after({}) is None
    assert retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert (
        error_detail(b'{"type":"error","error":{"type":"x","message":"bad  thing\\n"}}')
        == "bad thing"
    )
    assert error_detail(b'{"detail": "nope"}') == "nope"
    assert error_detail(b"<html>oops</html>") == "<html>oops</html>"


def test_stopping_early_closes_the_stream_quickly(model_server: ModelServer) -> None:
    words = " ".join(f"w{i}" for i in range(100))
    model_server.script([Reply(text=words, chunk_delay=0.05)])
    provider = _provider(model_server)

    async def main() -> str:
        stream = provider.stream(request())
        first = ""
        async for event in stream:
            if isinstance(event, TextDelta):
                first = event.text
                break
        await stream.aclose()  # type: ignore[attr-defined]
        return first

    start = time.monotonic()
    assert asyncio.run(main()) == "w0 "
    assert time.monotonic() - start < 2.0


def test_pooled_client_is_closed_when_the_loop_shuts_down(model_server: ModelServer) -> None:
    model_server.script([Reply(text="a"), Reply(text="b")])
    provider = _provider(model_server)

    async def main() -> tuple[httpx.AsyncClient, str]:
        acc = await collect(provider.stream(request()))
        acc2 = await collect(provider.stream(request()))
        return get_client(), acc.text + acc2.text

    client, text = asyncio.run(main())
    assert text == "ab" and client.is_closed

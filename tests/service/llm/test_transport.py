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
from letta_code.testing import ModelServer, Reply
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
    assert str(info.value) == f"the model server at {model_server.base_url} failed (500) after 3 retries: kaput"
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
    model_server.script([Reply(status=404, error_body={"error": {"message": "model 'nope' not found"}})])
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
    assert error_detail(b'{"type":"error","error":{"type":"x","message":"bad  thing\\n"}}') == "bad thing"
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


@pytest.mark.parametrize("status", [400, 404, 422, 425])
def test_client_errors_are_not_retried(model_server: ModelServer, status: int) -> None:
    model_server.script([Reply(status=status), Reply(text="a retry would get this")])
    with pytest.raises(LLMError) as info:
        events(_provider(model_server), request())
    assert f"({status}" in str(info.value) and info.value.status == status
    assert len(model_server.model_requests) == 1


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 529])
def test_transient_errors_are_retried(model_server: ModelServer, status: int) -> None:
    model_server.script([Reply(status=status), Reply(text="second try")])
    assert accumulate(_provider(model_server), request()).text == "second try"
    assert len(model_server.model_requests) == 2


_DUMP = "1 validation error for ChatCompletionRequest\n" + "\n".join(
    f"messages.{i}.content\n  Input should be a valid string [type=string_type, input_value=None, input_type=NoneType]"
    for i in range(6)
)


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (_DUMP, "1 validation error for ChatCompletionRequest"),
        (
            {"error": {"message": _DUMP, "type": "server_error"}},
            "1 validation error for ChatCompletionRequest",
        ),
        ({"detail": _DUMP}, "1 validation error for ChatCompletionRequest"),
        (
            "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad "
            "Gateway</h1></center><hr><center>nginx</center>" + " " * 400 + "</body></html>",
            "502 Bad Gateway",
        ),
        (
            'Traceback (most recent call last):\n  File "server.py", line 1, in <module>\n'
            + "    frobnicate()\n" * 30
            + "RuntimeError: CUDA out of memory",
            "RuntimeError: CUDA out of memory",
        ),
        (
            "The server had an error while processing your request. Sorry about that! "
            + "You can retry your request. " * 20,
            "The server had an error while processing your request.",
        ),
        ("x" * 500, "x" * 157 + "..."),
    ],
)
def test_a_server_error_body_becomes_one_short_line(
    model_server: ModelServer, monkeypatch: pytest.MonkeyPatch, body: object, detail: str
) -> None:
    monkeypatch.setenv("LETTA_LLM_MAX_RETRIES", "1")
    assert len(str(body)) >= 300
    model_server.script([Reply(status=500, error_body=body)] * 2)
    with pytest.raises(LLMError) as info:
        events(_provider(model_server), request())
    message = str(info.value)
    assert message == f"the model server at {model_server.base_url} failed (500) after 1 retry: {detail}"
    assert "\n" not in message and len(message) <= 250
    assert len(model_server.model_requests) == 2


def test_a_client_error_keeps_its_longer_detail(model_server: ModelServer) -> None:
    text = "Invalid 'tools[0].function.name': string does not match pattern. " * 4
    model_server.script([Reply(status=400, error_body={"error": {"message": text}})])
    with pytest.raises(LLMError) as info:
        events(_provider(model_server), request())
    assert str(info.value).endswith(": " + text.strip())

"""HTTP plumbing shared by the adapters: client, retries, error lines, SSE parsing.

`stream_events` POSTs a JSON body, retries rate limits, server errors and dropped
connections with exponential backoff (honouring `Retry-After`) as long as no event
has reached the caller yet, and turns every failure into an `LLMError` whose text
names the server and the environment variable to fix. Environment knobs:
`LETTA_LLM_RETRY_BASE_DELAY` (seconds, default 1), `LETTA_LLM_MAX_RETRIES`
(default 3), `LETTA_LLM_READ_TIMEOUT` (seconds without data, default 600).
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import json
import os
import random
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from letta_code.service.llm.types import ContextWindowExceededError, LLMError, StreamEvent

RETRY_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529})
_MAX_DELAY = 60.0
_CONTEXT_MARKERS = (
    "context_length_exceeded",
    "maximum context length",
    "context window",
    "prompt is too long",
    "too many tokens",
    "input is too long",
)


class RetryableError(LLMError):
    """A failure worth retrying if nothing has been streamed yet (e.g. overloaded)."""


@dataclass(frozen=True)
class Endpoint:
    """Who we talk to, for error messages: base URL, model and the env vars to set."""

    base_url: str
    model: str
    key_env: str | None
    base_env: str | None


# One AsyncClient per event loop: a client's pooled connections belong to one loop.
# Each entry also holds a started async generator whose `finally` closes the client:
# the loop closes such generators on shutdown (`asyncio.run` does), so pooled
# connections are released without every caller having to call `aclose_client`.
_clients: dict[tuple[int, bool], tuple[asyncio.AbstractEventLoop, httpx.AsyncClient, AsyncGenerator[None]]] = {}


async def _close_on_loop_shutdown(client: httpx.AsyncClient) -> AsyncGenerator[None]:
    try:
        yield
    finally:
        await client.aclose()


def get_client(secure: bool = True) -> httpx.AsyncClient:
    """This loop's pooled client; `secure=False` (plain-http endpoints such as local model
    servers) skips building a TLS context, which costs tens of milliseconds at start-up."""
    loop = asyncio.get_running_loop()
    for key, (other, _, _) in list(_clients.items()):
        if other.is_closed():
            del _clients[key]
    entry = _clients.get((id(loop), secure))
    if entry is not None and not entry[1].is_closed:
        return entry[1]
    read = float(os.environ.get("LETTA_LLM_READ_TIMEOUT") or 600)
    client = httpx.AsyncClient(
        timeout=httpx.Timeout(connect=15.0, read=read, write=60.0, pool=60.0),
        limits=httpx.Limits(max_connections=50, max_keepalive_connections=10),
        follow_redirects=secure,  # never follow a plain-http endpoint to an unverified https one
        verify=secure,
    )
    closer = _close_on_loop_shutdown(client)
    with contextlib.suppress(StopIteration):
        closer.__anext__().send(None)  # run it to its `yield`; the loop now tracks it
    _clients[(id(loop), secure)] = (loop, client, closer)
    return client


async def aclose_client() -> None:
    """Close this event loop's pooled client now (it is also closed at loop shutdown)."""
    loop_id = id(asyncio.get_running_loop())
    for secure in (True, False):
        entry = _clients.pop((loop_id, secure), None)
        if entry is not None:
            await entry[2].aclose()


def retry_settings(env: Mapping[str, str] | None = None) -> tuple[int, float]:
    env = os.environ if env is None else env
    try:
        retries = max(0, int(env.get("LETTA_LLM_MAX_RETRIES") or 3))
    except ValueError:
        retries = 3
    try:
        base = max(0.0, float(env.get("LETTA_LLM_RETRY_BASE_DELAY") or 1.0))
    except ValueError:
        base = 1.0
    return retries, base


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds the server asked us to wait (`retry-after-ms` or `Retry-After`)."""
    ms = headers.get("retry-after-ms")
    if ms:
        with contextlib.suppress(ValueError):
            return max(0.0, float(ms) / 1000)
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def backoff(attempt: int, base: float, asked: float | None) -> float:
    delay = base * (2**attempt) * random.uniform(0.8, 1.2)
    if asked is not None:
        delay = max(delay, asked)
    return min(delay, _MAX_DELAY)


def error_detail(raw: bytes | str, limit: int = 300) -> str:
    """The human part of an error body (`error.message`, `detail`, or the text)."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    detail = text
    with contextlib.suppress(ValueError):
        data = json.loads(text)
        if isinstance(data, dict):
            err = data.get("error", data)
            if isinstance(err, dict):
                detail = str(err.get("message") or err.get("detail") or err.get("type") or text)
            elif isinstance(err, str):
                detail = err
            if "detail" in data and not isinstance(data.get("error"), dict | str):
                detail = str(data["detail"])
    detail = " ".join(detail.split())
    return detail[: limit - 3] + "..." if len(detail) > limit else detail


def http_error(ep: Endpoint, status: int, raw: bytes, retries: int = 0) -> LLMError:
    """The one-line error for an HTTP error status."""
    detail = error_detail(raw) or "no details"
    where = f"the model server at {ep.base_url}"
    after = f" after {retries} retries" if retries else ""
    if status == 401:
        fix = f"set {ep.key_env}" if ep.key_env else "check the server's API key settings"
        return LLMError(f"{where} rejected the API key (401): {fix}", status=status)
    if status == 403:
        fix = (
            f"check that {ep.key_env} may use model {ep.model!r}"
            if ep.key_env
            else "check its access settings"
        )
        return LLMError(f"{where} refused the request (403: {detail}): {fix}", status=status)
    if status == 404:
        fix = f", or set {ep.base_env} if the address is wrong" if ep.base_env else ""
        return LLMError(
            f'{where} does not know model "{ep.model}" (404: {detail}): check the model name{fix}',
            status=status,
        )
    if status in (400, 413, 422) and any(m in detail.lower() for m in _CONTEXT_MARKERS):
        return ContextWindowExceededError(
            f'the conversation is too long for model "{ep.model}" ({status}: {detail})',
            status=status,
        )
    if status == 429:
        return LLMError(f"{where} is rate-limiting requests (429){after}: {detail}", status=status)
    if status >= 500:
        return LLMError(f"{where} failed ({status}){after}: {detail}", status=status)
    return LLMError(f"{where} rejected the request ({status}): {detail}", status=status)


def _is_refused(exc: BaseException | None, depth: int = 0) -> bool:
    while exc is not None and depth < 20:
        if isinstance(exc, ConnectionRefusedError) or "refused" in str(exc).lower():
            return True
        if isinstance(exc, BaseExceptionGroup):
            return any(_is_refused(e, depth + 1) for e in exc.exceptions)
        exc = exc.__cause__ or exc.__context__
        depth += 1
    return False


def connect_error(ep: Endpoint, exc: BaseException) -> LLMError:
    fix = f"Set {ep.base_env} to its address." if ep.base_env else "Check its address."
    if _is_refused(exc):
        return LLMError(
            f"cannot reach the model server at {ep.base_url} (connection refused): is it running? {fix}"
        )
    if isinstance(exc, httpx.TimeoutException):
        reason = "timed out connecting"
    else:
        reason = " ".join(str(exc).split()) or type(exc).__name__
    return LLMError(f"cannot reach the model server at {ep.base_url} ({reason}): {fix}")


async def sse_events(response: httpx.Response) -> AsyncIterator[tuple[str | None, str]]:
    """Server-sent events of a response as (event name, data) pairs."""
    event: str | None = None
    data: list[str] = []
    async for line in response.aiter_lines():
        if not line:
            if data:
                yield event, "\n".join(data)
            event, data = None, []
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
        elif line.startswith("event:"):
            event = line[6:].strip()
        # comments (":") and other fields (id:, retry:) are ignored
    if data:
        yield event, "\n".join(data)


def parse_json(ep: Endpoint, data: str) -> Any:
    try:
        return json.loads(data)
    except json.JSONDecodeError:
        snippet = " ".join(data.split())[:120]
        raise LLMError(
            f"the model server at {ep.base_url} sent malformed stream data: {snippet}"
        ) from None


Parser = Callable[[httpx.Response], AsyncIterator[StreamEvent]]


async def stream_events(
    ep: Endpoint, url: str, headers: dict[str, str], body: dict[str, Any], parse: Parser
) -> AsyncIterator[StreamEvent]:
    """POST `body` to `url` and yield the events `parse` reads from the response."""
    retries, base = retry_settings()
    attempt = 0
    while True:
        yielded = False
        try:
            async with get_client(url.startswith("https:")).stream("POST", url, headers=headers, json=body) as response:
                if response.status_code >= 400:
                    raw = await response.aread()
                    if response.status_code in RETRY_STATUSES and attempt < retries:
                        await asyncio.sleep(backoff(attempt, base, retry_after(response.headers)))
                        attempt += 1
                        continue
                    raise http_error(ep, response.status_code, raw, attempt)
                async for event in parse(response):
                    yielded = True
                    yield event
                return
        except RetryableError as exc:
            if yielded or attempt >= retries:
                raise LLMError(str(exc), status=exc.status) from None
        except httpx.ConnectError as exc:
            if _is_refused(exc) or attempt >= retries:
                raise connect_error(ep, exc) from None
        except httpx.ConnectTimeout as exc:
            if attempt >= retries:
                raise connect_error(ep, exc) from None
        except httpx.ReadTimeout:
            if yielded or attempt >= retries:
                raise LLMError(
                    f"the model server at {ep.base_url} stopped responding (no data for "
                    f"{get_client(url.startswith('https:')).timeout.read:.0f}s); set LETTA_LLM_READ_TIMEOUT to wait longer"
                ) from None
        except httpx.TransportError as exc:  # reset, dropped mid-stream, protocol error
            if yielded or attempt >= retries:
                reason = " ".join(str(exc).split()) or type(exc).__name__
                when = "mid-stream" if yielded else f"after {attempt} retries"
                raise LLMError(
                    f"the connection to the model server at {ep.base_url} broke {when} ({reason})"
                ) from None
        await asyncio.sleep(backoff(attempt, base, None))
        attempt += 1

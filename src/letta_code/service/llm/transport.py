"""HTTP plumbing shared by the adapters: client, retries, timeouts, error lines, SSE.

`stream_events` POSTs a JSON body and, as long as no event has reached the caller
yet, retries what may pass (408, 409, 429, 5xx, dropped connections, no output in
time) with exponential backoff (honouring `Retry-After`); other 4xx fail at once.
Every failure becomes an `LLMError` whose one line names the server and the
environment variable to fix (a 5xx body is cut to its first meaningful line).
Timeouts count model output (the events the parser yields), not bytes: keep-alive
comments, pings and empty deltas do not keep a stuck call alive. Environment knobs
(bad values mean the default): `LETTA_LLM_REQUEST_TIMEOUT` (seconds from sending
the request to the first model event, default 110), `LETTA_LLM_READ_TIMEOUT`
(seconds between two model events, default 600), `LETTA_LLM_MAX_RETRIES` (default
3), `LETTA_LLM_RETRY_BASE_DELAY` (seconds, default 1).
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import json
import math
import os
import random
import re
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from letta_code.schemas.sse import parse_sse
from letta_code.schemas.text import scrub
from letta_code.service.llm.overflow import is_overflow, window_from_text
from letta_code.service.llm.types import ContextWindowExceededError, LLMError, StreamEvent

RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504, 520, 522, 524, 529})  # other 4xx: the request's fault
_MAX_DELAY = 60.0
IDLE_TIMEOUT = 600.0  # LETTA_LLM_READ_TIMEOUT: seconds between two model events
FIRST_OUTPUT_TIMEOUT = 110.0  # LETTA_LLM_REQUEST_TIMEOUT: seconds to the first model event
_SHORT_DETAIL = 160  # a 5xx body is cut to one line of at most this many characters


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
    client = httpx.AsyncClient(
        timeout=_http_timeout(*timeout_settings()),
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


def _http_timeout(idle: float, first: float) -> httpx.Timeout:
    # httpx's read timeout (any bytes) is only a backstop behind the model-output timers
    return httpx.Timeout(connect=15.0, read=max(idle, first) + 5.0, write=60.0, pool=60.0)


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    try:
        value = float(env.get(name) or default)
    except ValueError:
        return default
    return value if math.isfinite(value) and value > 0 else default


def timeout_settings(env: Mapping[str, str] | None = None) -> tuple[float, float]:
    """(idle, first-output) timeouts in seconds, from `LETTA_LLM_READ_TIMEOUT` and
    `LETTA_LLM_REQUEST_TIMEOUT`; a missing, non-numeric or non-positive value means
    the default (600 and 110)."""
    env = os.environ if env is None else env
    return (
        _seconds(env, "LETTA_LLM_READ_TIMEOUT", IDLE_TIMEOUT),
        _seconds(env, "LETTA_LLM_REQUEST_TIMEOUT", FIRST_OUTPUT_TIMEOUT),
    )


def retry_settings(env: Mapping[str, str] | None = None) -> tuple[int, float]:
    """(max retries, base delay in seconds) from `LETTA_LLM_MAX_RETRIES` and
    `LETTA_LLM_RETRY_BASE_DELAY`; bad values mean the defaults (3 and 1)."""
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
    delay = base * (2.0**attempt) * random.uniform(0.8, 1.2)
    if asked is not None:
        delay = max(delay, asked)
    return min(delay, _MAX_DELAY)


def _detail_text(raw: bytes | str) -> str:
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
    return detail


def _cap(text: str, limit: int) -> str:
    return text[: limit - 3] + "..." if len(text) > limit else text


def error_detail(raw: bytes | str, limit: int = 300) -> str:
    """The human part of an error body (`error.message`, `detail`, or the text), one line."""
    return _cap(" ".join(_detail_text(raw).split()), limit)


def short_detail(raw: bytes | str, limit: int = _SHORT_DETAIL) -> str:
    """The first meaningful line of an error body (a server error's is often a dump, a
    traceback or an HTML page), its first sentence if the line is long, cut to `limit`."""
    text = _detail_text(raw)
    if text.lstrip().startswith("<"):  # an HTML error page: its title, else its text
        title = re.search(r"<title[^>]*>(.*?)</title>", text, re.S | re.I)
        text = title.group(1) if title else re.sub(r"<[^>]*>", "\n", text)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if any(c.isalnum() for c in line)]
    if not lines:
        return ""
    line = lines[-1] if lines[0].startswith("Traceback (") else lines[0]
    if len(line) > limit:
        sentence = re.match(r"(.{20,}?[.!?;])\s", line)
        if sentence and len(sentence.group(1)) <= limit:
            line = sentence.group(1)
    return _cap(line, limit)


def _after(retries: int) -> str:
    return f" after {retries} retr{'y' if retries == 1 else 'ies'}" if retries else ""


def http_error(ep: Endpoint, status: int, raw: bytes, retries: int = 0) -> LLMError:
    """The one-line error for an HTTP error status."""
    detail = (short_detail(raw) if status >= 500 else error_detail(raw)) or "no details"
    where = f"the model server at {ep.base_url}"
    after = _after(retries)
    if status == 401:
        fix = f"set {ep.key_env}" if ep.key_env else "check the server's API key settings"
        return LLMError(f"{where} rejected the API key (401): {fix}", status=status)
    if status == 403:
        fix = f"check that {ep.key_env} may use model {ep.model!r}" if ep.key_env else "check its access settings"
        return LLMError(f"{where} refused the request (403: {detail}): {fix}", status=status)
    if status == 404:
        fix = f", or set {ep.base_env} if the address is wrong" if ep.base_env else ""
        return LLMError(
            f'{where} does not know model "{ep.model}" (404: {detail}): check the model name{fix}',
            status=status,
        )
    if status in (400, 413, 422) and is_overflow(detail):
        return ContextWindowExceededError(
            f'the conversation is too long for model "{ep.model}" ({status}: {detail})',
            status=status,
            window=window_from_text(detail),
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
        return LLMError(f"cannot reach the model server at {ep.base_url} (connection refused): is it running? {fix}")
    if isinstance(exc, httpx.TimeoutException):
        reason = "timed out connecting"
    else:
        reason = " ".join(str(exc).split()) or type(exc).__name__
    return LLMError(f"cannot reach the model server at {ep.base_url} ({reason}): {fix}")


async def sse_events(response: httpx.Response) -> AsyncIterator[tuple[str | None, str]]:
    """Server-sent events of a response as (event name, data) pairs (`schemas/sse.py` parses)."""
    async for event in parse_sse(response.aiter_text()):
        yield event.event, event.data


def parse_json(ep: Endpoint, data: str) -> Any:
    try:
        return scrub(json.loads(data))  # a JSON "\\udce9" must not fail the turn when stored
    except json.JSONDecodeError:
        snippet = " ".join(data.split())[:120]
        raise LLMError(f"the model server at {ep.base_url} sent malformed stream data: {snippet}") from None


Parser = Callable[[httpx.Response], AsyncIterator[StreamEvent]]


def _secs(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.2f}".rstrip("0").rstrip(".")


def timeout_error(ep: Endpoint, waited: float, *, first: bool, retries: int = 0) -> LLMError:
    """The one-line error for a call whose model output did not come in time: no first
    event (`first`) or no next event mid-response."""
    var = "LETTA_LLM_REQUEST_TIMEOUT" if first else "LETTA_LLM_READ_TIMEOUT"
    what, after = ("no", _after(retries)) if first else ("no more", " mid-response")
    return LLMError(
        f"the model server at {ep.base_url} sent {what} model output for {_secs(waited)} s"
        f"{after} (set {var} to wait longer)"
    )


async def stream_events(
    ep: Endpoint,
    url: str,
    headers: dict[str, str],
    body: dict[str, Any],
    parse: Parser,
    *,
    streamed: bool = True,
) -> AsyncGenerator[StreamEvent, None]:
    """POST `body` to `url` and yield the events `parse` reads from the response.

    The first event must come within the first-output timeout of sending the request,
    each next one within the idle timeout of the one before (see `timeout_settings`);
    bytes that `parse` yields nothing for (keep-alives, pings) do not count. A request
    that is not `streamed` is answered after the whole generation: its first event may
    take as long as either timeout.
    """
    retries, base = retry_settings()
    idle, first = timeout_settings()
    first = first if streamed else max(first, idle)
    limits = _http_timeout(idle, first)
    loop = asyncio.get_running_loop()
    attempt = 0
    while True:
        yielded = False
        try:
            client = get_client(url.startswith("https:"))
            request = client.build_request("POST", url, headers=headers, json=body, timeout=limits)
            deadline = loop.time() + first
            async with asyncio.timeout_at(deadline):
                response = await client.send(request, stream=True)
            try:
                if response.status_code >= 400:
                    async with asyncio.timeout_at(deadline):
                        raw = await response.aread()
                    if response.status_code in RETRY_STATUSES and attempt < retries:
                        await asyncio.sleep(backoff(attempt, base, retry_after(response.headers)))
                        attempt += 1
                        continue
                    raise http_error(ep, response.status_code, raw, attempt)
                events = parse(response)
                try:
                    while True:
                        # never across the `yield`: the caller's time is not the server's
                        async with asyncio.timeout_at(loop.time() + idle if yielded else deadline):
                            try:
                                event = await anext(events)
                            except StopAsyncIteration:
                                return
                        yielded = True
                        yield event
                finally:
                    if (aclose := getattr(events, "aclose", None)) is not None:
                        await aclose()
            finally:
                await response.aclose()
        except (TimeoutError, httpx.ReadTimeout):  # ReadTimeout: the backstop, no bytes at all
            if yielded or attempt >= retries:
                waited = idle if yielded else first
                raise timeout_error(ep, waited, first=not yielded, retries=attempt) from None
        except RetryableError as exc:
            if yielded or attempt >= retries:
                raise LLMError(str(exc), status=exc.status) from None
        except httpx.ConnectError as exc:
            if _is_refused(exc) or attempt >= retries:
                raise connect_error(ep, exc) from None
        except httpx.ConnectTimeout as exc:
            if attempt >= retries:
                raise connect_error(ep, exc) from None
        except httpx.TransportError as exc:  # reset, dropped mid-stream, protocol error
            if yielded or attempt >= retries:
                reason = " ".join(str(exc).split()) or type(exc).__name__
                when = "mid-stream" if yielded else f"after {attempt} retries"
                raise LLMError(f"the connection to the model server at {ep.base_url} broke {when} ({reason})") from None
        await asyncio.sleep(backoff(attempt, base, None))
        attempt += 1

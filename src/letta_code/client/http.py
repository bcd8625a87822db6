"""HttpBackend: the Backend interface over a Letta server's REST API (httpx + SSE).

It returns the same schema objects and chunk dicts as `EmbeddedBackend`. Streams
are read with `schemas/sse.py` (no SDK needed); pings are dropped. When a stream breaks after
chunks were seen, `send`/`resume` raise ConnectionError (or TimeoutError) and
the harness calls `resume(run_id, starting_after)`; a stream that breaks before
its first chunk is resumed here (the run id comes in the `Letta-Run-Id` header).
`resume` also raises ConnectionError while the server cannot be reached (it may
be restarting), and so does a stream the server ended because we read it too
slowly (an `event: error` marked `resumable`): the harness resumes both.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

from letta_code.client.backend import BackendError
from letta_code.client.models import HttpModelCatalog, ModelCatalog
from letta_code.client.records import (
    agent_state,
    block_state,
    conversation_state,
    message_hit_state,
    revision_state,
)
from letta_code.client.wire import checked_chunk
from letta_code.schemas.chunks import (
    ClientToolSchema,
    CompactionReport,
    MessageView,
    OutgoingMessage,
    StreamChunk,
    ToolCallData,
)
from letta_code.schemas.defaults import (
    DEFAULT_BLOCK_LIMIT,
    DEFAULT_MAX_STEPS,
    DEFAULT_PAGE_SIZE,
)
from letta_code.schemas.sse import parse_sse_lines, sse_lines
from letta_code.schemas.state import (
    AgentFile,
    AgentState,
    BlockRevisionState,
    BlockState,
    ConversationState,
    MessageHitState,
    ReflectionStart,
)

if TYPE_CHECKING:
    import httpx

PAGE = 100
STREAM_READ_TIMEOUT = 120.0  # the server pings every few seconds while a run is quiet


def _naive_date(view: MessageView) -> MessageView:
    date = view.get("date")
    if isinstance(date, str) and date.endswith("+00:00"):
        view["date"] = date[: -len("+00:00")]
    return view


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip() or f"HTTP {response.status_code}"
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, str):
        return detail
    if detail is not None:
        return json.dumps(detail)
    return response.text.strip() or f"HTTP {response.status_code}"


async def sse_events(lines: AsyncIterable[str]) -> AsyncIterator[tuple[str | None, str]]:
    """(event, data) pairs of a server-sent event stream's lines (`schemas/sse.py` parses)."""
    async for event in parse_sse_lines(lines):
        yield event.event, event.data


class HttpBackend:
    """A Letta server at `base_url` (LETTA_BASE_URL), with `api_key` (LETTA_API_KEY)."""

    def __init__(self, base_url: str, api_key: str | None = None, *, timeout: float = 30.0) -> None:
        import httpx

        self._httpx = httpx
        root = base_url.rstrip("/")
        if root.endswith("/v1"):
            root = root[: -len("/v1")]
        self.base_url: str | None = root
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.AsyncClient(base_url=root, headers=headers, timeout=httpx.Timeout(timeout, connect=5.0))
        self.models: ModelCatalog = HttpModelCatalog(self._call)

    async def close(self) -> None:
        await self._client.aclose()

    # -- plumbing -------------------------------------------------------------
    def _unreachable(self, exc: Exception) -> BackendError:
        reason = str(exc) or type(exc).__name__
        if isinstance(exc, self._httpx.ConnectError) and "attempts failed" in reason:
            reason = "connection refused (is `letta server` running there?)"
        elif isinstance(exc, self._httpx.TimeoutException):
            reason = "timed out"
        return BackendError(f"cannot reach the Letta server at {self.base_url} (LETTA_BASE_URL): {reason}", 503)

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = await self._client.request(method, path, **kwargs)
        except self._httpx.TransportError as exc:
            raise self._unreachable(exc) from exc
        if response.status_code >= 400:
            raise BackendError(_detail(response), response.status_code)
        return response.json() if response.content else None

    async def _find(self, path: str, **kwargs: Any) -> Any:
        try:
            return await self._call("GET", path, **kwargs)
        except BackendError as exc:
            if exc.status == 404:
                return None
            raise

    async def _all(self, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            batch = await self._call(
                "GET", path, params={**params, "limit": PAGE, **({"after": after} if after else {})}
            )
            items.extend(batch)
            if len(batch) < PAGE:
                return items
            after = batch[-1]["id"]

    async def _stream(
        self, path: str, body: dict[str, object], *, resuming: bool = False
    ) -> AsyncIterator[StreamChunk]:
        httpx = self._httpx
        timeout = httpx.Timeout(30.0, connect=5.0, read=STREAM_READ_TIMEOUT)
        run_id: str | None = None
        seen = False
        for attempt in range(2):
            try:
                async with self._client.stream("POST", path, json=body, timeout=timeout) as response:
                    if response.status_code >= 400:
                        await response.aread()
                        raise BackendError(_detail(response), response.status_code)
                    run_id = response.headers.get("letta-run-id") or run_id
                    async for event, data in sse_events(sse_lines(response.aiter_text())):
                        if data.strip() == "[DONE]":
                            return
                        if event == "error":
                            raise _stream_error(data)
                        chunk = checked_chunk(data)
                        if chunk is None:
                            continue
                        seen = True
                        yield chunk
                raise ConnectionError(f"the stream from {self.base_url} ended before [DONE]")
            except httpx.ConnectError as exc:
                if resuming:  # the server is down, perhaps restarting: the harness tries again
                    raise ConnectionError(str(self._unreachable(exc))) from exc
                raise self._unreachable(exc) from exc
            except (httpx.TransportError, ConnectionError) as exc:
                if seen or run_id is None or attempt:
                    if isinstance(exc, httpx.TimeoutException):
                        raise TimeoutError(f"the stream from {self.base_url} went quiet: {exc}") from exc
                    raise ConnectionError(f"lost the stream from {self.base_url}: {exc}") from exc
                # Nothing arrived yet and the harness has no run id: resume here, from where we were.
                body = {"starting_after": body.get("starting_after", 0), "include_pings": True}
                path = f"/v1/runs/{run_id}/stream"

    # -- agents & blocks ------------------------------------------------------
    async def find_agent(self, agent_id: str) -> AgentState | None:
        data = await self._find(f"/v1/agents/{agent_id}")
        return agent_state(data) if data else None

    async def list_agents(self) -> list[AgentState]:
        return [agent_state(a) for a in await self._all("/v1/agents", {"order": "asc"})]

    async def delete_agent(self, agent_id: str) -> None:
        await self._call("DELETE", f"/v1/agents/{agent_id}")

    async def export_agent(self, agent_id: str) -> AgentFile:
        document = await self._call("GET", f"/v1/agents/{agent_id}/export")
        if not isinstance(document, dict):
            raise BackendError("the server sent an agent file that is not a JSON object", 502)
        return document

    async def import_agent_file(self, document: AgentFile, *, name: str | None = None) -> list[str]:
        body = json.dumps(document).encode()
        found = await self._call(
            "POST",
            "/v1/agents/import",
            files={"file": ("agent.af", body, "application/json")},
            data={"name": name} if name else {},
        )
        return [str(i) for i in (found or {}).get("agent_ids") or []]

    async def search_messages(self, query: str, *, agent_id: str | None, limit: int) -> list[MessageHitState]:
        body = {"query": query, "limit": limit, **({"agent_id": agent_id} if agent_id else {})}
        found = await self._call("POST", "/v1/messages/search", json=body)
        return [message_hit_state(h) for h in found or []]

    async def create_agent(
        self,
        *,
        name: str,
        model: str,
        block_ids: list[str],
        tools: list[str],
        tags: list[str] | None = None,
    ) -> AgentState:
        body = {"name": name, "model": model, "block_ids": block_ids, "tools": tools, "tags": tags or []}
        return agent_state(await self._call("POST", "/v1/agents", json=body))

    async def update_agent(
        self,
        agent_id: str,
        *,
        name: str | None = None,
        model: str | None = None,
        tools: list[str] | None = None,
        context_window: int | None = None,
        system: str | None = None,
    ) -> AgentState:
        # `context_window_limit`: the Letta API's name for the agent's window
        given = {"name": name, "model": model, "tools": tools, "context_window_limit": context_window, "system": system}
        body = {k: v for k, v in given.items() if v is not None}
        return agent_state(await self._call("PATCH", f"/v1/agents/{agent_id}", json=body))

    async def find_block(self, block_id: str) -> BlockState | None:
        data = await self._find(f"/v1/blocks/{block_id}")
        return block_state(data) if data else None

    async def create_block(
        self,
        label: str,
        value: str,
        *,
        description: str | None = None,
        limit: int = DEFAULT_BLOCK_LIMIT,
        read_only: bool = False,
    ) -> BlockState:
        body = {"label": label, "value": value, "description": description, "limit": limit, "read_only": read_only}
        return block_state(await self._call("POST", "/v1/blocks", json=body))

    async def update_block(
        self, block_id: str, value: str, *, limit: int | None = None, source: str | None = None
    ) -> BlockState:
        body: dict[str, str | int] = {"value": value} | ({"limit": limit} if limit is not None else {})
        return block_state(await self._call("PATCH", f"/v1/blocks/{block_id}", json=body))

    async def block_revisions(self, block_id: str) -> list[BlockRevisionState]:
        found = await self._call("GET", f"/v1/blocks/{block_id}/revisions")
        return [revision_state(r) for r in found or []]

    async def revert_block(self, block_id: str, version: int) -> BlockState:
        return block_state(await self._call("POST", f"/v1/blocks/{block_id}/revert", json={"version": version}))

    async def attach_block(self, agent_id: str, block_id: str) -> AgentState:
        path = f"/v1/agents/{agent_id}/core-memory/blocks/attach/{block_id}"
        return agent_state(await self._call("PATCH", path))

    # -- conversations --------------------------------------------------------
    async def create_conversation(self, agent_id: str) -> ConversationState:
        data = await self._call("POST", "/v1/conversations", params={"agent_id": agent_id}, json={})
        return conversation_state(data)

    async def find_conversation(self, conversation_id: str) -> ConversationState | None:
        data = await self._find(f"/v1/conversations/{conversation_id}")
        return conversation_state(data) if data else None

    async def list_conversations(self, agent_id: str) -> list[ConversationState]:
        found = await self._all("/v1/conversations", {"agent_id": agent_id, "order": "desc", "include_default": "true"})
        return [conversation_state(c) for c in found]

    async def default_conversation(self, agent_id: str) -> ConversationState:
        data = await self._call("GET", "/v1/conversations/default", params={"agent_id": agent_id})
        return conversation_state(data)

    async def clear_context(self, conversation_id: str) -> None:
        await self._call("PATCH", f"/v1/conversations/{conversation_id}/reset-messages")

    async def pending_approvals(self, conversation_id: str) -> list[ToolCallData]:
        data = await self._call("GET", f"/v1/conversations/{conversation_id}")
        pending = (data or {}).get("pending_approval") or {}
        return [
            {"tool_call_id": c["tool_call_id"], "name": c["name"], "arguments": c["arguments"]}
            for c in pending.get("tool_calls") or []
        ]

    async def list_messages(self, conversation_id: str, limit: int = DEFAULT_PAGE_SIZE) -> list[MessageView]:
        params = {"limit": limit, "order": "desc"}
        views = await self._call("GET", f"/v1/conversations/{conversation_id}/messages", params=params)
        return [_naive_date(v) for v in reversed(views)]

    async def reflection_pending(self, agent_id: str) -> int:
        data = await self._call("GET", f"/v1/agents/{agent_id}/reflection")
        return int(data.get("pending_user_turns") or 0)

    async def reflect(
        self, agent_id: str, *, min_user_turns: int = 1, model: str | None = None
    ) -> ReflectionStart | None:
        body = {"min_user_turns": min_user_turns, **({"model": model} if model else {})}
        data = await self._call("POST", f"/v1/agents/{agent_id}/reflection", json=body)
        if not data.get("run_id"):
            return None
        return ReflectionStart(
            run_id=str(data["run_id"]),
            reflection_agent_id=str(data.get("reflection_agent_id") or ""),
            messages=int(data.get("messages") or 0),
            user_turns=int(data.get("user_turns") or 0),
        )

    async def compact(self, conversation_id: str) -> CompactionReport | None:
        report: CompactionReport = await self._call("POST", f"/v1/conversations/{conversation_id}/compact", json={})
        summarized = report.get("num_messages_summarized")
        if summarized is None:  # a Letta server without our extra field
            summarized = int(report.get("num_messages_before") or 0) - int(report.get("num_messages_after") or 0)
            report["num_messages_summarized"] = max(1, summarized) if report.get("summary") else 0
        return report if report["num_messages_summarized"] else None

    # -- runs -----------------------------------------------------------------
    async def send(
        self,
        conversation_id: str,
        messages: Sequence[OutgoingMessage],
        *,
        client_tools: Sequence[ClientToolSchema],
        stream_tokens: bool,
        max_steps: int = DEFAULT_MAX_STEPS,
        override_model: str | None = None,
    ) -> AsyncIterator[StreamChunk]:
        body: dict[str, object] = {
            "messages": messages,
            "client_tools": client_tools,
            "stream_tokens": stream_tokens,
            "max_steps": max_steps,
            "background": True,
            "streaming": True,
            "include_pings": True,
        }
        if override_model:
            body["override_model"] = override_model
        async for chunk in self._stream(f"/v1/conversations/{conversation_id}/messages", body):
            yield chunk

    async def resume(self, run_id: str, starting_after: int) -> AsyncIterator[StreamChunk]:
        body: dict[str, object] = {"starting_after": starting_after, "include_pings": True}
        async for chunk in self._stream(f"/v1/runs/{run_id}/stream", body, resuming=True):
            yield chunk

    async def cancel(self, conversation_id: str) -> None:
        await self._call("POST", f"/v1/conversations/{conversation_id}/cancel")


def _stream_error(data: str) -> BackendError | ConnectionError:
    """The error an `event: error` frame reports; ConnectionError when the stream can be resumed."""
    try:
        body = json.loads(data)
    except ValueError:
        return BackendError(data or "the server reported an error in the stream")
    if not isinstance(body, dict):
        return BackendError(data)
    detail = body.get("detail") or body.get("message") or data
    if body.get("resumable"):
        return ConnectionError(str(detail))
    return BackendError(str(detail), int(body.get("status_code") or 500))

"""One MCP server's connection, open for the life of a session (the official `mcp` SDK).

The SDK is anyio-based: its transports (`stdio_client`, `streamable_http_client`,
`sse_client`) and its `ClientSession` must be entered and left in the same task. So each
server gets a task of its own (`_own`): it opens the transport and the session, lists
the tools and prompts, then serves the session's requests (tool calls, prompts) from a
queue, each in a task of its task group, until `close()`. Whatever goes wrong there (a
command that is not found, a server that does not answer `initialize` in time, a crash
later) makes the connection `failed` with one line in `error`; its calls then answer
that line, and the session goes on.

A stdio server's stderr goes to a log file (`$LETTA_HOME/mcp-logs/<server>.log`), not
to the terminal; its last line is quoted when the server fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal, TextIO

import anyio
import httpx
from mcp import ClientSession, McpError, StdioServerParameters, types
from mcp.client.sse import sse_client
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

from letta_code.config.settings import SettingsError
from letta_code.errors import UserError
from letta_code.tools.base import ToolResult
from letta_code.tools.mcp.config import McpServerConfig
from letta_code.tools.mcp.results import prompt_text, tool_result

Status = Literal["pending", "connected", "failed"]
CLOSE_WAIT = 10.0  # seconds for a server to shut down before its task is cancelled
HTTP_TIMEOUT = httpx.Timeout(30.0, read=300.0)  # the SDK's own defaults for MCP over HTTP

# The SDK logs a failing transport's traceback; without a handler Python would print it on
# our stderr (into the TUI). What went wrong reaches the user as the server's status line.
logging.getLogger("mcp").addHandler(logging.NullHandler())


class McpServerError(UserError):
    """A request to a server that is not (or no longer) connected."""


@dataclass(frozen=True)
class McpToolInfo:
    name: str
    description: str
    input_schema: dict[str, Any]
    read_only: bool  # the server's readOnlyHint: for running calls in parallel, never a permission


@dataclass(frozen=True)
class McpPromptArgument:
    name: str
    description: str
    required: bool


@dataclass(frozen=True)
class McpPromptInfo:
    name: str
    description: str
    arguments: tuple[McpPromptArgument, ...]


@dataclass
class _Request:
    run: Callable[[ClientSession], Awaitable[Any]]
    future: asyncio.Future[Any]
    scope: anyio.CancelScope | None = None


@dataclass
class McpConnection:
    """A server's connection: `start()` once, then `call_tool` / `get_prompt`, then `close()`."""

    config: McpServerConfig  # variables expanded
    cwd: Path
    environ: Mapping[str, str]
    log_path: Path | None = None
    startup_timeout: float = 30.0
    call_timeout: float | None = None
    status: Status = field(init=False, default="pending")
    error: str | None = field(init=False, default=None)
    tools: list[McpToolInfo] = field(init=False, default_factory=list)
    prompts: list[McpPromptInfo] = field(init=False, default_factory=list)
    _queue: asyncio.Queue[_Request | None] = field(init=False, default_factory=asyncio.Queue, repr=False)
    _ready: asyncio.Event = field(init=False, default_factory=asyncio.Event, repr=False)
    _task: asyncio.Task[None] | None = field(init=False, default=None, repr=False)
    _log: TextIO | None = field(init=False, default=None, repr=False)
    _log_start: int = field(init=False, default=0, repr=False)
    _alive: Callable[[], bool] | None = field(init=False, default=None, repr=False)  # stdio: is it running?
    _closing: bool = field(init=False, default=False, repr=False)

    @property
    def name(self) -> str:
        return self.config.name

    async def start(self) -> None:
        """Connect, initialize and list; never raises (a failure is `status` and `error`)."""
        self._task = asyncio.create_task(self._own(), name=f"mcp server {self.name}")
        try:
            await asyncio.wait_for(asyncio.shield(self._ready.wait()), self.startup_timeout)
        except TimeoutError:  # the server is stopped in the background; close() waits for that
            self._fail(self._with_stderr(f"no answer to initialize within {self.startup_timeout:g} s"))
            self._task.cancel()

    def check(self) -> Status:
        """The status, noticing a stdio server whose process has exited since the last look."""
        if self._closing:  # the session ended it: it stays as it was
            return self.status
        if self.status == "connected" and self._alive is not None and not self._alive():
            self._fail(self._with_stderr("the server process exited"))
        if self.status == "connected" and self._task is not None and self._task.done():
            self._fail("the connection ended")
        return self.status

    async def call_tool(self, tool: str, arguments: dict[str, Any]) -> ToolResult:
        result: types.CallToolResult = await self._request(
            lambda session: session.call_tool(tool, arguments, read_timeout_seconds=self._call_timeout())
        )
        return tool_result(result)

    async def get_prompt(self, prompt: str, arguments: dict[str, str]) -> str:
        result: types.GetPromptResult = await self._request(lambda session: session.get_prompt(prompt, arguments))
        return prompt_text(result)

    async def close(self) -> None:
        self._closing = True
        if self._task is None or self._task.done():
            self._close_log()
            return
        self._queue.put_nowait(None)
        done, _ = await asyncio.wait({self._task}, timeout=CLOSE_WAIT)
        if not done:
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=CLOSE_WAIT)
        self._close_log()

    # -- the owner task -------------------------------------------------------------
    async def _own(self) -> None:
        try:
            async with contextlib.AsyncExitStack() as stack:
                session = await self._open(stack)
                capabilities = (await session.initialize()).capabilities
                self.tools = await _list_tools(session) if capabilities.tools else []
                self.prompts = await _list_prompts(session) if capabilities.prompts else []
                if self.status == "failed":  # start() gave up waiting meanwhile
                    return
                self.status = "connected"
                self._ready.set()
                async with anyio.create_task_group() as group:
                    while (request := await self._queue.get()) is not None:
                        group.start_soon(self._serve, session, request)
                    group.cancel_scope.cancel()  # the session ends: calls still running are cut short
        except Exception as exc:  # any failure of the server is its status, never the session's end
            self._fail(self._describe(exc))
        finally:
            self._ready.set()
            self._drain()
            self._close_log()

    async def _open(self, stack: contextlib.AsyncExitStack) -> ClientSession:
        config = self.config
        if config.transport == "stdio":
            self._log = self._open_log()
            params = StdioServerParameters(
                command=config.command,
                args=list(config.args),
                env={**self.environ, **config.env},
                cwd=self.cwd,
            )
            read, write = await stack.enter_async_context(stdio_client(params, errlog=self._log or _devnull(stack)))
            self._alive = lambda: read.statistics().open_send_streams > 0
        elif config.transport == "http":
            client = await stack.enter_async_context(
                httpx.AsyncClient(headers=dict(config.headers), timeout=HTTP_TIMEOUT)
            )
            read, write, _ = await stack.enter_async_context(streamable_http_client(config.url, http_client=client))
        else:
            read, write = await stack.enter_async_context(sse_client(config.url, headers=dict(config.headers)))
        return await stack.enter_async_context(ClientSession(read, write))

    async def _serve(self, session: ClientSession, request: _Request) -> None:
        if request.future.done():  # the caller gave up before it started
            return
        with anyio.CancelScope() as scope:
            request.scope = scope
            try:
                result = await request.run(session)
            except anyio.get_cancelled_exc_class():  # the transport failed, or the session ends
                _settle(request.future, McpServerError(f"MCP server {self.name!r} failed: the connection was lost"))
                raise
            except McpError as exc:
                if exc.error.code == types.CONNECTION_CLOSED:
                    self._fail(self._with_stderr("the server closed the connection"))
                    _settle(request.future, McpServerError(f"MCP server {self.name!r} failed: {self.error}"))
                else:
                    _settle(request.future, McpServerError(f"MCP server {self.name!r} answered: {exc}"))
                return
            except (anyio.ClosedResourceError, anyio.BrokenResourceError):
                self._fail(self._with_stderr("the server closed the connection"))
                _settle(request.future, McpServerError(f"MCP server {self.name!r} failed: {self.error}"))
                return
            except Exception as exc:  # a bad answer fails this request only
                _settle(request.future, McpServerError(f"MCP server {self.name!r}: {self._describe(exc)}"))
                return
            if not request.future.done():
                request.future.set_result(result)

    async def _request(self, run: Callable[[ClientSession], Awaitable[Any]]) -> Any:
        if self.check() != "connected":
            raise McpServerError(f"MCP server {self.name!r} is not connected ({self.error or self.status})")
        request = _Request(run, asyncio.get_running_loop().create_future())
        self._queue.put_nowait(request)
        try:
            return await request.future
        except asyncio.CancelledError:  # an interrupted turn: stop the request on the server's side too
            if request.scope is not None:
                request.scope.cancel()
            raise

    # -- failures -------------------------------------------------------------------
    def _fail(self, line: str) -> None:
        if self.status != "failed":
            self.status, self.error = "failed", line

    def _drain(self) -> None:
        while not self._queue.empty():
            request = self._queue.get_nowait()
            if request is not None:
                _settle(request.future, McpServerError(f"MCP server {self.name!r} is not connected ({self.error})"))

    def _call_timeout(self) -> timedelta | None:
        return timedelta(seconds=self.call_timeout) if self.call_timeout else None

    def _describe(self, exc: BaseException) -> str:
        exc = _leaf(exc)
        config = self.config
        if isinstance(exc, FileNotFoundError) and config.transport == "stdio":
            return f"command not found: {config.command}"
        if isinstance(exc, PermissionError) and config.transport == "stdio":
            return f"cannot run {config.command}: permission denied"
        if isinstance(exc, TimeoutError):
            return self._with_stderr("timed out")
        if isinstance(exc, McpError) and exc.error.code == types.CONNECTION_CLOSED:
            return self._with_stderr("the server closed the connection")
        if isinstance(exc, httpx.HTTPStatusError):
            return f"{config.url} answered HTTP {exc.response.status_code}"
        if isinstance(exc, httpx.TransportError):
            return f"cannot reach {config.url}: {exc or type(exc).__name__}"
        if isinstance(exc, SettingsError):
            return str(exc)
        return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__

    # -- the stderr log -------------------------------------------------------------
    def _open_log(self) -> TextIO | None:
        if self.log_path is None:
            return None
        try:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            log = self.log_path.open("a", encoding="utf-8")
        except OSError:
            return None
        self._log_start = log.tell()
        return log

    def _with_stderr(self, line: str) -> str:
        """`line`, and the server's last stderr line of this session when there is one."""
        if self.log_path is None or self._log is None:
            return line
        with contextlib.suppress(OSError):
            self._log.flush()
            with self.log_path.open("rb") as log:
                log.seek(self._log_start)
                tail = log.read()[-4000:].decode("utf-8", "replace").strip().splitlines()
            if tail:
                return f"{line} (its stderr: {tail[-1].strip()[:200]})"
        return line

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


def _devnull(stack: contextlib.ExitStack[Any] | contextlib.AsyncExitStack) -> TextIO:
    return stack.enter_context(open(os.devnull, "w", encoding="utf-8"))


def _settle(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)


def _leaf(exc: BaseException) -> BaseException:
    """The first real error inside the task groups' exception groups."""
    while isinstance(exc, BaseExceptionGroup):
        inner = [e for e in exc.exceptions if not isinstance(e, asyncio.CancelledError)]
        exc = (inner or list(exc.exceptions))[0]
    return exc


async def _list_tools(session: ClientSession) -> list[McpToolInfo]:
    tools: list[McpToolInfo] = []
    cursor: str | None = None
    while True:
        page = await session.list_tools(params=types.PaginatedRequestParams(cursor=cursor) if cursor else None)
        for tool in page.tools:
            hints = tool.annotations
            tools.append(
                McpToolInfo(
                    tool.name,
                    tool.description or tool.title or "",
                    tool.inputSchema or {"type": "object", "properties": {}},
                    bool(hints and hints.readOnlyHint),
                )
            )
        cursor = page.nextCursor
        if not cursor:
            return tools


async def _list_prompts(session: ClientSession) -> list[McpPromptInfo]:
    prompts: list[McpPromptInfo] = []
    cursor: str | None = None
    while True:
        page = await session.list_prompts(params=types.PaginatedRequestParams(cursor=cursor) if cursor else None)
        for prompt in page.prompts:
            arguments = tuple(
                McpPromptArgument(a.name, a.description or "", bool(a.required)) for a in prompt.arguments or []
            )
            prompts.append(McpPromptInfo(prompt.name, prompt.description or prompt.title or "", arguments))
        cursor = page.nextCursor
        if not cursor:
            return prompts

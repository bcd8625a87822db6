"""A real MCP server process (the FastMCP test server) over stdio, streamable HTTP and SSE:
listing, calling, prompts, crashes, start failures and closing. No part of the SDK is faked."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from letta_code.tools.mcp.connection import McpConnection, McpServerError
from tests.tools.mcp.conftest import run, server_config, stdio_entry


def connection(tmp_path: Path, entry: dict[str, object], startup_timeout: float = 30.0) -> McpConnection:
    config = server_config("echo", entry, tmp_path).expanded(os.environ)
    return McpConnection(
        config, tmp_path, dict(os.environ), log_path=tmp_path / "echo.log", startup_timeout=startup_timeout
    )


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purposes: /proc says so on Linux.
    status = Path(f"/proc/{pid}/status")
    return not status.exists() or "zombie" not in status.read_text()


def test_stdio_server_lists_its_tools_and_prompts_and_answers_calls(tmp_path: Path) -> None:
    async def scenario() -> None:
        conn = connection(tmp_path, stdio_entry())
        await conn.start()
        try:
            assert (conn.status, conn.error) == ("connected", None)
            tools = {t.name: t for t in conn.tools}
            assert {"echo", "add", "pixel", "fail", "crash", "pid", "sleep"} <= set(tools)
            assert tools["echo"].input_schema["properties"]["text"]["type"] == "string"
            assert tools["echo"].input_schema["required"] == ["text"]
            assert tools["echo"].description == "Say the text back."
            assert tools["echo"].read_only and not tools["add"].read_only
            result = await conn.call_tool("echo", {"text": "hi"})
            assert (result.output, result.status) == ("echo: hi", "success")
            (greet,) = conn.prompts
            assert [(a.name, a.required) for a in greet.arguments] == [("name", True), ("mood", False)]
            assert await conn.get_prompt("greet", {"name": "Ann"}) == "Write a cheerful greeting for Ann."
            # Calls run at once, not one after another.
            started = asyncio.get_running_loop().time()
            answers = await asyncio.gather(*(conn.call_tool("sleep", {"seconds": 0.5}) for _ in range(4)))
            assert [a.output for a in answers] == ["slept 0.5"] * 4
            assert asyncio.get_running_loop().time() - started < 1.9
        finally:
            await conn.close()

    run(scenario())


def test_results_pass_images_structured_content_and_errors_through(tmp_path: Path) -> None:
    async def scenario() -> None:
        conn = connection(tmp_path, stdio_entry())
        await conn.start()
        try:
            image = await conn.call_tool("pixel", {})
            assert image.status == "success"
            assert [i["media_type"] for i in image.images] == ["image/png"]
            assert image.images[0]["data"].startswith("iVBORw0KGgo")
            added = await conn.call_tool("add", {"a": 2, "b": 3})
            assert added.output == '{\n  "sum": 5\n}'  # the server's JSON text, not twice
            failed = await conn.call_tool("fail", {"reason": "because"})
            assert failed.status == "error" and "failed on purpose: because" in failed.output
            bad_args = await conn.call_tool("echo", {"text": 3})
            assert bad_args.status == "error" and "text" in bad_args.output
        finally:
            await conn.close()

    run(scenario())


def test_a_crash_fails_the_server_with_one_line_and_later_calls_answer_it(tmp_path: Path) -> None:
    async def scenario() -> None:
        conn = connection(tmp_path, stdio_entry())
        await conn.start()
        try:
            with pytest.raises(McpServerError, match="closed the connection"):
                await conn.call_tool("crash", {})
            assert conn.check() == "failed"
            with pytest.raises(McpServerError, match=r"'echo' is not connected \(the server closed the connection"):
                await conn.call_tool("echo", {"text": "again"})
        finally:
            await conn.close()

    run(scenario())


def test_a_server_killed_while_idle_is_seen_as_failed(tmp_path: Path) -> None:
    async def scenario() -> None:
        conn = connection(tmp_path, stdio_entry())
        await conn.start()
        try:
            os.kill(int((await conn.call_tool("pid", {})).output), signal.SIGKILL)
            for _ in range(100):
                if conn.check() == "failed":
                    break
                await asyncio.sleep(0.05)
            assert (conn.status, conn.error) == ("failed", "the server process exited")
        finally:
            await conn.close()

    run(scenario())


def test_close_ends_the_server_process(tmp_path: Path) -> None:
    async def scenario() -> int:
        conn = connection(tmp_path, stdio_entry())
        await conn.start()
        pid = int((await conn.call_tool("pid", {})).output)
        assert process_alive(pid)
        await conn.close()
        return pid

    pid = run(scenario())
    assert not process_alive(pid)


def test_an_interrupted_call_leaves_the_server_usable(tmp_path: Path) -> None:
    async def scenario() -> None:
        conn = connection(tmp_path, stdio_entry())
        await conn.start()
        try:
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(conn.call_tool("sleep", {"seconds": 30}), 0.5)
            assert (await conn.call_tool("echo", {"text": "still here"})).output == "echo: still here"
        finally:
            await conn.close()

    run(scenario())


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        ({"command": "no-such-mcp-server-command"}, "command not found: no-such-mcp-server-command"),
        (
            {"command": sys.executable, "args": ["-c", "import sys; print('bad token', file=sys.stderr); sys.exit(2)"]},
            "the server closed the connection (its stderr: bad token)",
        ),
        (
            {"command": sys.executable, "args": ["-c", "import time; print('hello'); time.sleep(30)"]},
            "no answer to initialize within 1 s",
        ),
    ],
)
def test_a_server_that_cannot_start_fails_with_one_line(
    tmp_path: Path, entry: dict[str, object], fragment: str
) -> None:
    async def scenario() -> None:
        conn = connection(tmp_path, entry, startup_timeout=1)
        await conn.start()
        try:
            assert conn.status == "failed"
            assert conn.error is not None and fragment in conn.error and "\n" not in conn.error
            with pytest.raises(McpServerError, match="is not connected"):
                await conn.call_tool("echo", {"text": "x"})
        finally:
            await conn.close()

    run(scenario())


def test_streamable_http_server_on_loopback(tmp_path: Path, http_url: str) -> None:
    async def scenario() -> None:
        conn = connection(tmp_path, {"type": "http", "url": http_url, "headers": {"X-Test": "1"}})
        await conn.start()
        try:
            assert conn.status == "connected", conn.error
            assert "echo" in {t.name for t in conn.tools}
            assert (await conn.call_tool("echo", {"text": "over http"})).output == "echo: over http"
            assert await conn.get_prompt("greet", {"name": "Bo", "mood": "calm"}) == "Write a calm greeting for Bo."
        finally:
            await conn.close()

    run(scenario())


def test_sse_server_on_loopback(tmp_path: Path, sse_url: str) -> None:
    async def scenario() -> None:
        conn = connection(tmp_path, {"type": "sse", "url": sse_url})
        await conn.start()
        try:
            assert conn.status == "connected", conn.error
            assert (await conn.call_tool("echo", {"text": "over sse"})).output == "echo: over sse"
        finally:
            await conn.close()

    run(scenario())


def test_an_http_server_that_is_not_there_fails_with_one_line(tmp_path: Path) -> None:
    async def scenario() -> None:
        conn = connection(tmp_path, {"type": "http", "url": "http://127.0.0.1:9/mcp"})
        await conn.start()
        await conn.close()
        assert conn.status == "failed"
        assert conn.error is not None and conn.error.startswith("cannot reach http://127.0.0.1:9/mcp")

    run(scenario())

"""Fixtures for the MCP client tests: the test server (a real FastMCP script), served over
stdio by the code under test, or over streamable HTTP and SSE by a process of the fixture's."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from letta_code.tools.mcp.config import McpServerConfig, parse_server
from letta_code.tools.mcp.manager import McpServers

ECHO_SERVER = Path(__file__).parent / "servers" / "echo_server.py"


def stdio_entry(*extra: str) -> dict[str, Any]:
    """The `.mcp.json` entry of the test server over stdio."""
    return {"command": sys.executable, "args": [str(ECHO_SERVER), *extra]}


def server_config(name: str, entry: dict[str, Any], tmp_path: Path) -> McpServerConfig:
    return parse_server(name, entry, scope="project", source=tmp_path / ".mcp.json")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(transport: str) -> Iterator[str]:
    """Run the test server over `transport` on a free loopback port; yields its URL."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(ECHO_SERVER), transport, str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the {transport} test server did not start") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/{'mcp' if transport == 'http' else 'sse'}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def http_url() -> Iterator[str]:
    yield from serve("http")


@pytest.fixture
def sse_url() -> Iterator[str]:
    yield from serve("sse")


def make_servers(tmp_path: Path, **kwargs: Any) -> McpServers:
    return McpServers(tmp_path, dict(os.environ), log_dir=tmp_path / "logs", **kwargs)


def run(coro: Any) -> Any:
    return asyncio.run(coro)

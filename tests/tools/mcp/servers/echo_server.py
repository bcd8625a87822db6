"""A small MCP server written the common way (FastMCP), for the MCP client tests.

`python echo_server.py` serves over stdio; `python echo_server.py http PORT` serves
streamable HTTP and `python echo_server.py sse PORT` SSE, on 127.0.0.1. Its tools echo,
add (structured content), send a one-pixel image, fail, crash the process, tell its
pid or an environment variable, and sleep; its prompt `greet` takes two arguments.
"""

from __future__ import annotations

import base64
import os
import sys

import anyio
from mcp.server.fastmcp import FastMCP, Image
from mcp.types import ToolAnnotations

# A 1x1 transparent PNG.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)

host_port = int(sys.argv[2]) if len(sys.argv) > 2 else 8000
server = FastMCP("echo", host="127.0.0.1", port=host_port, log_level="WARNING")


@server.tool(annotations=ToolAnnotations(readOnlyHint=True))
def echo(text: str) -> str:
    """Say the text back."""
    return f"echo: {text}"


@server.tool()
def add(a: int, b: int) -> dict[str, int]:
    """Add two numbers."""
    return {"sum": a + b}


@server.tool()
def pixel() -> Image:
    """A one-pixel PNG."""
    return Image(data=PIXEL, format="png")


@server.tool()
def fail(reason: str) -> str:
    """Always fails."""
    raise ValueError(f"failed on purpose: {reason}")


@server.tool()
def crash() -> str:
    """Ends the server process at once."""
    os._exit(3)


@server.tool()
def getenv(name: str) -> str:
    """The value of an environment variable of the server process."""
    return os.environ.get(name, "(unset)")


@server.tool(annotations=ToolAnnotations(readOnlyHint=True))
def pid() -> int:
    """The server's process id."""
    return os.getpid()


@server.tool()
async def sleep(seconds: float) -> str:
    """Wait, then answer."""
    await anyio.sleep(seconds)
    return f"slept {seconds}"


@server.prompt()
def greet(name: str, mood: str = "cheerful") -> str:
    """Greet someone."""
    return f"Write a {mood} greeting for {name}."


if __name__ == "__main__":
    transport = sys.argv[1] if len(sys.argv) > 1 else "stdio"
    server.run(transport={"http": "streamable-http", "sse": "sse"}.get(transport, "stdio"))  # type: ignore[arg-type]

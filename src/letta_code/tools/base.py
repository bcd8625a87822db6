"""The client-tool interface: what every local tool (Bash, Read, ...) provides.

A tool knows nothing of the service or of permissions. The harness looks a tool up
in the registry, asks the permission layer, then calls `tool.run(args, session)`
(in a worker thread) and sends the returned text back to the agent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

if TYPE_CHECKING:
    from letta_code.tools.sandbox import Sandbox


class ToolError(Exception):
    """Bad arguments or a failure the model should read as the tool's result."""


@dataclass
class ToolResult:
    """What a tool hands back: plain text for the model, and its status."""

    output: str
    status: Literal["success", "error"] = "success"
    # Image parts for models that accept images: [{"media_type": ..., "data": base64}]
    images: list[dict[str, str]] = field(default_factory=list)


@dataclass
class ToolSession:
    """State that lives for one `letta` session and is shared by its tools."""

    cwd: Path
    # Resolved paths of files the agent has Read in this session (and their mtime then).
    read_files: dict[str, float] = field(default_factory=dict)
    # Anything else a tool needs to keep (background shells, todos): keyed by tool.
    state: dict[str, Any] = field(default_factory=dict)
    # True for a path the user's deny rules keep from the agent (e.g. `Read(.env)`):
    # tools that list or search many files at once (Grep, Glob) leave such files out.
    hidden: Callable[[str], bool] | None = None
    # The OS sandbox every Bash command runs in (None: unsandboxed, the analyzer alone).
    sandbox: Sandbox | None = None

    def is_hidden(self, path: str) -> bool:
        return self.hidden is not None and self.hidden(path)


class ClientTool:
    """What the harness and the registry know of a client-side tool: its schema and `run`.

    The builtin tools derive from `core.Tool`, which adds checking the arguments
    against `parameters` and turning errors into results. This interface stays apart
    from it for tools that check their own arguments elsewhere: a tool served by
    another process (an MCP server checks the calls it gets) implements `run` alone.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    parameters: ClassVar[dict[str, Any]]  # JSON schema of the arguments
    read_only: ClassVar[bool] = False

    def schema(self) -> dict[str, Any]:
        """The schema sent to the agent service as a client tool."""
        return {"name": self.name, "description": self.description, "parameters": self.parameters}

    def run(self, args: dict[str, Any], session: ToolSession) -> ToolResult:
        raise NotImplementedError

"""Fixtures for the client-tool tests: a session rooted in a fresh temporary directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from letta_code.tools.base import ToolResult, ToolSession
from letta_code.tools.registry import get_tool, shutdown


@pytest.fixture
def session(tmp_path: Path) -> Iterator[ToolSession]:
    work = tmp_path / "work"
    work.mkdir()
    s = ToolSession(cwd=work)
    yield s
    shutdown(s)


def call(name: str, args: dict[str, Any], session: ToolSession) -> ToolResult:
    """Run the registered tool `name` the way the harness does."""
    tool = get_tool(name)
    assert tool is not None, name
    return tool.run(args, session)

"""Registry: names, selection, schemas (and their size), read-only flags, robustness."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from letta_code.tools.base import ClientTool, ToolError, ToolSession
from letta_code.tools.registry import ALL_TOOL_NAMES, get_tool, select_tools

READ_ONLY = {"Read", "Grep", "Glob", "LS", "BashOutput", "TodoWrite", "ExitPlanMode", "WebFetch", "WebSearch"}


def test_names_in_order() -> None:
    assert ALL_TOOL_NAMES == (
        "Bash", "BashOutput", "KillBash", "Read", "Write", "Edit", "MultiEdit",
        "Grep", "Glob", "LS", "TodoWrite", "ExitPlanMode", "WebFetch", "WebSearch",
    )  # fmt: skip


def test_get_tool() -> None:
    tool = get_tool("Read")
    assert isinstance(tool, ClientTool) and tool.name == "Read"
    assert get_tool("Nope") is None
    assert get_tool("Read") is not tool  # fresh instances


def test_select_tools() -> None:
    assert [t.name for t in select_tools(None)] == list(ALL_TOOL_NAMES)
    assert select_tools([]) == []
    assert [t.name for t in select_tools(["read", "Bash", "Read"])] == ["Read", "Bash"]
    with pytest.raises(ToolError) as err:
        select_tools(["Read", "Frobnicate", "Teleport"])
    assert str(err.value) == (
        "Unknown tools: Frobnicate, Teleport. Valid tools: Bash, BashOutput, KillBash, Read, "
        "Write, Edit, MultiEdit, Grep, Glob, LS, TodoWrite, ExitPlanMode, WebFetch, WebSearch."
    )


def test_read_only_flags() -> None:
    assert {t.name for t in select_tools(None) if t.read_only} == READ_ONLY


def test_schemas_are_valid_and_compact() -> None:
    schemas = [t.schema() for t in select_tools(None)]
    for s in schemas:
        assert set(s) == {"name", "description", "parameters"}
        assert s["parameters"]["type"] == "object"
        assert set(s["parameters"].get("required", [])) <= set(s["parameters"]["properties"])
        assert len(s["description"]) < 400, s["name"]
    tokens = len(json.dumps(schemas)) / 4
    assert tokens < 4000, tokens


@pytest.mark.parametrize("name", ALL_TOOL_NAMES)
def test_garbage_arguments_never_raise(name: str, session: ToolSession) -> None:
    tool = get_tool(name)
    assert tool is not None
    cases: list[object] = [[], None, {k: 12345 for k in tool.parameters["properties"]}]
    if tool.parameters.get("required"):
        cases += [{}, {"x": 1}]
    for args in cases:
        r = tool.run(args, session)  # type: ignore[arg-type]
        assert r.status == "error" and r.output.startswith("Error: "), (args, r.output)


def test_creating_tools_has_no_side_effects() -> None:
    code = (
        "import os, threading\n"
        "import letta_code.tools.registry as r\n"
        "for _ in range(50): r.select_tools(None)\n"
        "try:\n    os.waitpid(-1, os.WNOHANG); print('children')\n"
        "except ChildProcessError:\n    print('no children')\n"
        "print(threading.active_count(), 'threads')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "no children\n1 threads\n"

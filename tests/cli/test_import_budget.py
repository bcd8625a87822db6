"""What `letta` imports for the commands that must start at once: a guard that cannot flake.

Start-up time is measured by `make bench`, never by a timed test. What keeps it from
creeping is this: the real entry point runs in a subprocess and reports `sys.modules`
at exit, and the test names the heavy packages each command must not load. A turn with
nothing configured loads no MCP SDK, no YAML parser, no pydantic, no tree-sitter (it
parses Bash commands) and none of the server or TUI stack; `--version` and `--help` load not even the event loop or the HTTP client.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from letta_code.testing import ModelServer, Reply
from tests.conftest import Letta

# Runs `letta ARGS...` through its real entry point, then writes the loaded module names.
REPORT_MODULES = """
import atexit, json, os, sys
def report():
    with open(os.environ["MODULES_REPORT"], "w") as out:
        json.dump(sorted(sys.modules), out)
atexit.register(report)
sys.argv = ["letta", *sys.argv[1:]]
from letta_code.cli.main import main
sys.exit(main())
"""

# Never loaded by a headless turn that configures none of them.
HEAVY = (
    *("mcp", "yaml", "pydantic", "fastapi", "starlette", "uvicorn", "alembic", "rich", "prompt_toolkit"),
    *("bs4", "markdownify", "PIL"),  # loaded only when a tool needs them: WebFetch, Read of an image
    "tree_sitter",  # only to check a Bash command
)
# Never loaded by the commands that print and exit.
STARTUP = (
    *HEAVY,
    "asyncio",
    "httpcore",
    "sqlalchemy",
    "sqlite3",
    "letta_code.service",
    "letta_code.cli.preload.client",
)


def loaded_modules(letta: Letta, tmp_path: Path, *args: str) -> set[str]:
    report = tmp_path / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", REPORT_MODULES, *args],
        env={**letta.env, "MODULES_REPORT": str(report)},
        cwd=letta.cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(report.read_text()))


def offending(modules: set[str], denied: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == d or m.startswith(d + ".") for d in denied))


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_printing_commands_load_nothing_heavy(letta: Letta, tmp_path: Path, flag: str) -> None:
    modules = loaded_modules(letta, tmp_path, flag)
    assert "letta_code.cli.main" in modules  # the report is of the real entry point
    assert offending(modules, STARTUP) == []


def test_a_headless_turn_with_nothing_configured_loads_no_optional_stack(
    letta: Letta, model_server: ModelServer, tmp_path: Path
) -> None:
    model_server.script([Reply(text="first"), Reply(text="hello")])
    # The first run creates the database (Alembic, once); the second is an everyday turn.
    assert letta.run("-p", "hi", "-m", "openai/gpt-4.1").returncode == 0
    modules = loaded_modules(letta, tmp_path, "-p", "hi")
    assert "letta_code.harness.turn" in modules  # a turn did run
    assert offending(modules, HEAVY) == []

"""End to end: the scripted model uses every coding tool in one headless conversation
to rename a function across a small repository; the repository's own tests pass after."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from letta_code.permissions.categories import WEB_TOOLS
from letta_code.testing import ModelServer, Reply
from letta_code.tools.registry import ALL_TOOL_NAMES
from tests.conftest import Letta

# The tools a refactor uses: every registry tool but the web ones (tests/e2e/test_web_tools_headless.py).
CODING_TOOLS = set(ALL_TOOL_NAMES) - WEB_TOOLS

MATHLIB = '''"""Tiny math helpers."""


def calc_total(items):
    return sum(items)


def average(items):
    return calc_total(items) / len(items)
'''

TESTS = """import unittest

from mathlib import average, calc_total


class MathTest(unittest.TestCase):
    def test_total(self):
        self.assertEqual(calc_total([1, 2, 3]), 6)

    def test_average(self):
        self.assertEqual(average([2, 4]), 3)


if __name__ == "__main__":
    unittest.main()
"""


def make_repo(root: Path) -> None:
    (root / "mathlib.py").write_text(MATHLIB)
    (root / "test_mathlib.py").write_text(TESTS)
    (root / "README.md").write_text("# mathlib\n\nUse `calc_total`.\n")


def script() -> list[Reply]:
    todos = [
        {"content": "Rename calc_total to compute_total", "status": "in_progress", "activeForm": "Renaming"},
        {"content": "Run the tests", "status": "pending", "activeForm": "Running the tests"},
    ]
    return [
        Reply(tool_calls=[("TodoWrite", {"todos": todos})]),
        Reply(tool_calls=[("LS", {"path": "."}), ("Glob", {"pattern": "**/*.py"})]),
        Reply(tool_calls=[("Grep", {"pattern": "calc_total", "output_mode": "content", "-n": True})]),
        Reply(tool_calls=[("Read", {"file_path": "mathlib.py"}), ("Read", {"file_path": "test_mathlib.py"})]),
        Reply(
            tool_calls=[
                (
                    "Edit",
                    {
                        "file_path": "mathlib.py",
                        "old_string": "calc_total",
                        "new_string": "compute_total",
                        "replace_all": True,
                    },
                )
            ]
        ),
        Reply(
            tool_calls=[
                (
                    "MultiEdit",
                    {
                        "file_path": "test_mathlib.py",
                        "edits": [
                            {"old_string": "import average, calc_total", "new_string": "import average, compute_total"},
                            {"old_string": "calc_total([1, 2, 3])", "new_string": "compute_total([1, 2, 3])"},
                        ],
                    },
                )
            ]
        ),
        Reply(
            tool_calls=[("Write", {"file_path": "CHANGELOG.md", "content": "- Renamed calc_total to compute_total\n"})]
        ),
        Reply(tool_calls=[("Bash", {"command": f"{sys.executable} -m unittest -q", "description": "run tests"})]),
        Reply(tool_calls=[("Bash", {"command": "echo watching; sleep 30", "run_in_background": True})]),
        Reply(tool_calls=[("BashOutput", {"bash_id": "bash_1"})]),
        Reply(tool_calls=[("KillBash", {"bash_id": "bash_1"})]),
        Reply(tool_calls=[("ExitPlanMode", {"plan": "Rename done; nothing else planned."})]),
        Reply(text="Renamed calc_total to compute_total; the tests pass."),
    ]


def test_refactor_uses_every_tool_and_tests_pass(letta: Letta, model_server: ModelServer) -> None:
    make_repo(letta.cwd)
    model_server.script(script())
    proc = letta.run(
        "-p", "Rename calc_total to compute_total", "--yolo", "--output-format", "json", "-m", "openai/gpt-4.1"
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["result"] == "Renamed calc_total to compute_total; the tests pass."

    # Every coding tool was called, and none of them failed.
    called = {
        c["function"]["name"]
        for req in model_server.model_requests
        for m in req["messages"]
        for c in m.get("tool_calls") or []
    }
    assert called >= CODING_TOOLS, CODING_TOOLS - called
    results = {m["tool_call_id"]: m["content"] for m in model_server.last_messages() if m.get("role") == "tool"}
    assert len(results) >= len(CODING_TOOLS)
    assert not [r for r in results.values() if r.startswith(("Error", "Permission denied"))], results

    # The refactor happened and the repository's own tests pass.
    assert "def compute_total" in (letta.cwd / "mathlib.py").read_text()
    assert "calc_total" not in (letta.cwd / "mathlib.py").read_text() + (letta.cwd / "test_mathlib.py").read_text()
    assert (letta.cwd / "CHANGELOG.md").read_text() == "- Renamed calc_total to compute_total\n"
    tests = subprocess.run([sys.executable, "-m", "unittest", "-q"], cwd=letta.cwd, capture_output=True, text=True)
    assert tests.returncode == 0, tests.stderr
    # The model saw the test run's result, the grep hits with line numbers, and the background output.
    texts = list(results.values())
    assert any("OK" in t and "Ran 2 tests" in t for t in texts)
    assert any("mathlib.py:4:def calc_total" in t for t in texts)
    assert any("watching" in t for t in texts)

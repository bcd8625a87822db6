"""Bash: run a shell command in the working directory, in the foreground or background.

In a sandboxed session a refusal by the sandbox (a write outside the project, the
network) is named in the result: `blocked by the sandbox: ...`.
"""

from __future__ import annotations

from typing import Any

from letta_code.tools.base import ToolError, ToolResult, ToolSession
from letta_code.tools.core import Tool
from letta_code.tools.truncate import MAX_OUTPUT_CHARS, truncate_middle

DEFAULT_TIMEOUT_MS = 120_000
MAX_TIMEOUT_MS = 600_000


def _seconds(ms: int) -> str:
    return f"{ms / 1000:g}s"


class BashTool(Tool):
    name = "Bash"
    description = (
        "Run a command with `bash -c` in the working directory. Returns stdout, then stderr, "
        f"then the exit code if non-zero; output over {MAX_OUTPUT_CHARS:,} chars is cut in "
        "the middle. Use run_in_background for servers/long jobs (read with BashOutput). "
        "Prefer Read/Grep/Glob/LS over cat/grep/find/ls."
    )
    parameters = {
        "type": "object",
        "properties": {
            "command": {"type": "string", "description": "The command to run"},
            "description": {"type": "string", "description": "What it does, in 5-10 words"},
            "timeout": {
                "type": "integer",
                "description": f"Timeout in ms (default {DEFAULT_TIMEOUT_MS}, max {MAX_TIMEOUT_MS})",
            },
            "run_in_background": {
                "type": "boolean",
                "description": "Run in the background and return a bash_id",
            },
        },
        "required": ["command"],
    }

    def execute(self, args: dict[str, Any], session: ToolSession) -> ToolResult:
        from letta_code.tools.shells import run_foreground, signal_name, start_background

        command: str = args["command"]
        if not command.strip():
            raise ToolError("'command' must not be empty")
        timeout_ms = args.get("timeout", DEFAULT_TIMEOUT_MS)
        if timeout_ms <= 0:
            raise ToolError(f"'timeout' must be a positive number of milliseconds, got {timeout_ms}")
        timeout_ms = min(timeout_ms, MAX_TIMEOUT_MS)
        if args.get("run_in_background", False):
            shell = start_background(command, session)
            return ToolResult(
                f"Started background shell {shell.id} (pid {shell.proc.pid}). "
                f'Read its output with BashOutput(bash_id="{shell.id}"); stop it with KillBash.'
            )
        run = run_foreground(command, session, timeout_ms / 1000)
        parts = [s.rstrip("\n") for s in (run.stdout, run.stderr) if s.strip("\n")]
        text = truncate_middle("\n".join(parts), hidden=run.hidden)
        note = ""
        if run.timed_out:
            note = f"Command timed out after {_seconds(timeout_ms)} and was killed (with all its child processes)."
        elif run.interrupted:
            note = "Command was interrupted by the user and killed."
        elif run.returncode < 0:
            note = f"Command was killed by signal {signal_name(-run.returncode)}."
        elif run.returncode != 0:
            note = f"Exit code: {run.returncode}"
        if not text:
            text = "(no output)"
        blocked = session.sandbox.explain(run.stderr, session.cwd) if session.sandbox and run.stderr else []
        if blocked:
            text = "\n".join([text, *blocked])
        if note:
            return ToolResult(f"{text}\n{note}", status="error")
        return ToolResult(text)

"""BashOutput: the new output of a background shell since the last read, and its status."""

from __future__ import annotations

import re
from typing import Any

from letta_code.tools.base import ToolError, ToolResult, ToolSession
from letta_code.tools.core import Tool
from letta_code.tools.shells import BackgroundShell, session_shells
from letta_code.tools.truncate import truncate_middle


def _filter(text: str, pattern: re.Pattern[str] | None) -> str:
    if pattern is None or not text:
        return text
    return "".join(line for line in text.splitlines(keepends=True) if pattern.search(line))


def find_shell(session: ToolSession, bash_id: str) -> BackgroundShell:
    shells = session_shells(session)
    shell = shells.get(bash_id.strip())
    if shell is None:
        known = ", ".join(shells) or "none"
        raise ToolError(f"No background shell with id {bash_id!r} (known shells: {known}).")
    return shell


class BashOutputTool(Tool):
    name = "BashOutput"
    description = (
        "Get new output of a background shell (started with Bash run_in_background) since the "
        "last call, and whether it is still running. `filter` keeps only lines matching a regex "
        "(the others are discarded)."
    )
    parameters = {
        "type": "object",
        "properties": {
            "bash_id": {"type": "string", "description": "Id returned by Bash"},
            "filter": {"type": "string", "description": "Regex; show only matching lines"},
        },
        "required": ["bash_id"],
    }
    read_only = True

    def execute(self, args: dict[str, Any], session: ToolSession) -> ToolResult:
        shell = find_shell(session, args["bash_id"])
        pattern = None
        if args.get("filter"):
            try:
                pattern = re.compile(args["filter"])
            except re.error as exc:
                raise ToolError(f"invalid filter regex {args['filter']!r}: {exc}") from None
        status = shell.status()  # before reading, so "exited" implies all output is read
        out, err = shell.read_new()
        out, err = _filter(out, pattern), _filter(err, pattern)
        parts = [f"Status: {status}"]
        if out.strip("\n"):
            parts.append(out.rstrip("\n"))
        if err.strip("\n"):
            parts.append("[stderr]\n" + err.rstrip("\n"))
            if session.sandbox is not None:
                parts += session.sandbox.explain(err, session.cwd)
        if len(parts) == 1:
            parts.append("(no new output)")
        return ToolResult(truncate_middle("\n".join(parts)))

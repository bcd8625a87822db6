"""KillBash: stop a background shell (its whole process group)."""

from __future__ import annotations

from typing import Any

from letta_code.tools.base import ToolResult, ToolSession
from letta_code.tools.builtin.bash_output import find_shell
from letta_code.tools.core import Tool


class KillBashTool(Tool):
    name = "KillBash"
    description = "Kill a background shell started with Bash run_in_background."
    parameters = {
        "type": "object",
        "properties": {"bash_id": {"type": "string", "description": "Id returned by Bash"}},
        "required": ["bash_id"],
    }

    def execute(self, args: dict[str, Any], session: ToolSession) -> ToolResult:
        shell = find_shell(session, args["bash_id"])
        before = shell.status()
        if before != "running":
            shell.kill()  # reaps it and any children it left behind
            return ToolResult(f"Shell {shell.id} was not running ({before}).")
        shell.kill()
        command = shell.command if len(shell.command) <= 80 else shell.command[:77] + "..."
        return ToolResult(f"Killed shell {shell.id} ({command}).")

"""ExitPlanMode: present a plan and leave plan mode.

The harness asks the user to approve the plan and switches the mode; the tool
itself only confirms (it runs only once the user has approved).
"""

from __future__ import annotations

from typing import Any

from letta_code.tools.base import ToolError, ToolResult, ToolSession
from letta_code.tools.core import Tool


class ExitPlanModeTool(Tool):
    name = "ExitPlanMode"
    description = (
        "In plan mode, when your plan for a coding task is ready: present it (markdown) for "
        "the user's approval. On approval plan mode ends and you can make changes."
    )
    parameters = {
        "type": "object",
        "properties": {"plan": {"type": "string", "description": "The plan, concise markdown"}},
        "required": ["plan"],
    }
    read_only = True

    def execute(self, args: dict[str, Any], session: ToolSession) -> ToolResult:
        if not args["plan"].strip():
            raise ToolError("'plan' must not be empty")
        return ToolResult("User approved the plan; plan mode is off. You can now start making changes.")

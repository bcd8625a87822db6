"""Edit: replace an exact string in a file the agent has Read."""

from __future__ import annotations

from typing import Any

from letta_code.tools.base import ToolResult, ToolSession
from letta_code.tools.core import Tool
from letta_code.tools.editing import EditSpec, edit_file


class EditTool(Tool):
    name = "Edit"
    description = (
        "Replace old_string with new_string in a file you have Read. old_string must match "
        "the file exactly (no line-number prefixes) and be unique unless replace_all is true."
    )
    parameters = {
        "type": "object",
        "properties": {
            "file_path": {"type": "string", "description": "Path of the file to edit"},
            "old_string": {"type": "string", "description": "Exact text to replace"},
            "new_string": {"type": "string", "description": "Replacement text"},
            "replace_all": {
                "type": "boolean",
                "description": "Replace every occurrence (default false)",
            },
        },
        "required": ["file_path", "old_string", "new_string"],
    }

    def execute(self, args: dict[str, Any], session: ToolSession) -> ToolResult:
        edit = EditSpec(args["old_string"], args["new_string"], args.get("replace_all", False))
        return edit_file(session, args["file_path"], [edit])

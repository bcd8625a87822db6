"""MultiEdit: several Edit-style replacements in one file, applied in order, all or none."""

from __future__ import annotations

from typing import Any

from letta_code.tools.base import ToolError, ToolResult, ToolSession
from letta_code.tools.core import Tool
from letta_code.tools.editing import EditSpec, edit_file


class MultiEditTool(Tool):
    name = "MultiEdit"
    description = (
        "Apply several Edit replacements to one file, in order (each sees the result of the "
        "previous). If any edit fails, none is applied."
    )
    parameters = {
        "type": "object",
        "properties": {
            "file_path": {"type": "string", "description": "Path of the file to edit"},
            "edits": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "old_string": {"type": "string"},
                        "new_string": {"type": "string"},
                        "replace_all": {"type": "boolean"},
                    },
                    "required": ["old_string", "new_string"],
                },
            },
        },
        "required": ["file_path", "edits"],
    }

    def execute(self, args: dict[str, Any], session: ToolSession) -> ToolResult:
        raw = args["edits"]
        if not raw:
            raise ToolError("'edits' must contain at least one edit")
        edits = [EditSpec(e["old_string"], e["new_string"], e.get("replace_all", False)) for e in raw]
        return edit_file(session, args["file_path"], edits)

"""Write: create a file, or replace one the agent has Read (and that has not changed since).

Replacing a file keeps its encoding and, when the file used CRLF throughout and the
new content has bare LFs, its CRLF line endings.
"""

from __future__ import annotations

import os
from typing import Any

from letta_code.tools.base import ToolError, ToolResult, ToolSession
from letta_code.tools.core import Tool, resolve_path
from letta_code.tools.filestate import (
    SNIFF_BYTES,
    check_can_modify,
    decode_bytes,
    encode_text,
    line_ending,
    looks_binary,
    remember_read,
    remembered_encoding,
)


class WriteTool(Tool):
    name = "Write"
    description = (
        "Write a file (creating parent directories). Overwriting an existing file "
        "requires reading it first. Prefer Edit for changes to existing files."
    )
    parameters = {
        "type": "object",
        "properties": {
            "file_path": {"type": "string", "description": "Path of the file to write"},
            "content": {"type": "string", "description": "The full new content"},
        },
        "required": ["file_path", "content"],
    }

    def execute(self, args: dict[str, Any], session: ToolSession) -> ToolResult:
        path = resolve_path(session, args["file_path"])
        content: str = args["content"]
        if path.is_dir():
            raise ToolError(f"{path} is a directory; give the path of a file.")
        exists = path.exists()
        encoding = "utf-8"
        if exists:
            check_can_modify(session, path, "overwriting")
            old = path.read_bytes()
            if not looks_binary(old[:SNIFF_BYTES]):
                old_text, encoding = decode_bytes(old, remembered_encoding(session, path))
                if line_ending(old_text) == "\r\n" and "\r" not in content:
                    content = content.replace("\n", "\r\n")
        elif os.path.lexists(path):
            raise ToolError(f"{path} is a broken symbolic link; not writing through it.")
        data = encode_text(content, encoding, path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        remember_read(session, path, encoding)
        lines = content.count("\n") + (0 if content.endswith("\n") or not content else 1)
        verb = "Updated" if exists else "Created"
        return ToolResult(f"{verb} {path} ({lines} lines, {len(data):,} bytes).")

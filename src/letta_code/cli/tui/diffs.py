"""Unified diffs for file-changing tool calls (Edit, MultiEdit, Write).

`proposed_diff` shows what a call *would* do (for the approval prompt) by applying
it to the file's current text in memory; `FileSnapshots` records a file before a
call runs so the TUI can show what it actually did.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

from letta_code.cli.tui.render import EDIT_TOOLS, display_path
from letta_code.schemas.chunks import ToolArguments

MAX_DIFF_BYTES = 2 * 1024 * 1024


def _resolve(raw: str, cwd: Path) -> Path:
    p = Path(os.path.expanduser(raw))
    return p if p.is_absolute() else cwd / p


def read_text(path: Path) -> str | None:
    """The file's text, None when it does not exist; '' when unreadable or too big."""
    try:
        if path.stat().st_size > MAX_DIFF_BYTES:
            return ""
        return path.read_bytes().decode("utf-8", errors="replace").replace("\r\n", "\n")
    except FileNotFoundError:
        return None
    except OSError:
        return ""


def unified(old: str, new: str, label: str, context: int = 3) -> list[str]:
    return list(
        difflib.unified_diff(
            old.splitlines(), new.splitlines(), fromfile=f"a/{label}", tofile=f"b/{label}", lineterm="", n=context
        )
    )


def _apply(text: str, edits: list[ToolArguments]) -> str | None:
    for edit in edits:
        old, new = str(edit.get("old_string", "")), str(edit.get("new_string", ""))
        if not old or old not in text:
            return None
        text = text.replace(old, new) if edit.get("replace_all") else text.replace(old, new, 1)
    return text


def proposed_diff(name: str, args: ToolArguments, cwd: Path) -> list[str] | None:
    """The diff a file-changing call would make, or None for other tools."""
    if name not in EDIT_TOOLS or not isinstance(args.get("file_path"), str):
        return None
    path = _resolve(args["file_path"], cwd)
    label = display_path(str(path), cwd)
    current = read_text(path)
    if name == "Write":
        return unified(current or "", str(args.get("content", "")), label)
    if name == "Edit":
        edits = [args]
    else:
        raw = args.get("edits")
        edits = [e for e in raw if isinstance(e, dict)] if isinstance(raw, list) else []
    if current is not None:
        updated = _apply(current, edits)
        if updated is not None:
            return unified(current, updated, label)
    # The strings are not (or no longer) in the file: show the replacement itself.
    lines: list[str] = []
    for edit in edits:
        lines += unified(str(edit.get("old_string", "")), str(edit.get("new_string", "")), label)[(2 if lines else 0) :]
    return lines


class FileSnapshots:
    """Text of files as they were when a file-changing call started, keyed by call id."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self._before: dict[str, tuple[Path, str | None]] = {}

    def before(self, call_id: str, name: str, args: ToolArguments) -> None:
        if name in EDIT_TOOLS and isinstance(args.get("file_path"), str):
            path = _resolve(args["file_path"], self.cwd)
            self._before[call_id] = (path, read_text(path))

    def after(self, call_id: str) -> tuple[list[str], bool] | None:
        """(diff between the snapshot and the file now, whether the call created the file);
        None when nothing was recorded or the file is gone."""
        entry = self._before.pop(call_id, None)
        if entry is None:
            return None
        path, old = entry
        new = read_text(path)
        if new is None:
            return None
        return unified(old or "", new, display_path(str(path), self.cwd)), old is None

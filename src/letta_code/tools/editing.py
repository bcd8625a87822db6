"""The string-replacement engine behind Edit and MultiEdit.

All edits are applied in memory, in order, and the file is written only if every
one of them succeeds. Line endings (CRLF) and the file's encoding are preserved;
when `old_string` is missing, a near match that differs only in whitespace or
quote style is shown so the model can copy the exact text.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from letta_code.tools.base import ToolError, ToolResult, ToolSession
from letta_code.tools.core import real_key, resolve_path
from letta_code.tools.filestate import (
    check_can_modify,
    decode_bytes,
    encode_text,
    line_ending,
    looks_binary,
    remember_read,
    remembered_encoding,
)
from letta_code.tools.truncate import format_line

SNIPPET_CONTEXT = 3
SNIPPET_MAX_LINES = 16
_QUOTE_FAMILIES = ["'\u2018\u2019\u201b\u2032`", '"\u201c\u201d\u201e\u201f\u2033']
_LINE_PREFIX = re.compile(r"^ *\d+\t", re.M)


@dataclass
class EditSpec:
    old: str
    new: str
    replace_all: bool = False


def _near_pattern(old: str) -> re.Pattern[str]:
    """A regex matching `old` with any whitespace runs and any quote style."""
    parts: list[str] = []
    for token in re.findall(r"\s+|.", old, re.S):
        if token.isspace():
            parts.append(r"\s*")
            continue
        family = next((f for f in _QUOTE_FAMILIES if token in f), None)
        parts.append(f"[{re.escape(family)}]" if family else re.escape(token))
    return re.compile("".join(parts))


def _not_found(text: str, old: str) -> str:
    msg = "old_string was not found in the file."
    if old.strip():
        match = _near_pattern(old.strip()).search(text)
        if match and match.group(0) != old.strip():
            found = match.group(0)

            def no_ws(s: str) -> str:
                return re.sub(r"\s+", "", s)

            def plain_quotes(s: str) -> str:
                for fam in _QUOTE_FAMILIES:
                    s = re.sub(f"[{re.escape(fam)}]", fam[0], s)
                return s

            if no_ws(found) == no_ws(old):
                kind = "whitespace"
            elif plain_quotes(found) == plain_quotes(old.strip()):
                kind = "quote style"
            else:
                kind = "whitespace and quote style"
            shown = found if len(found) <= 600 else found[:600] + "..."
            return (
                f"{msg} The file has a near match that differs only in {kind}:\n{shown}\n"
                "Copy the text exactly as it is in the file."
            )
    if _LINE_PREFIX.search(old):
        return (
            f"{msg} It seems to include line-number prefixes from Read output; "
            "leave out the number and the tab that follows it."
        )
    return f"{msg} Read the file again and copy the exact text (without line-number prefixes)."


def apply_edit(text: str, edit: EditSpec) -> tuple[str, int, int]:
    """Apply one edit: (new text, replacements made, offset of the first replacement)."""
    if edit.old == edit.new:
        raise ToolError("old_string and new_string are identical; there is nothing to change.")
    if edit.old == "":
        if text == "":
            return edit.new, 1, 0
        raise ToolError("old_string is empty; that is only allowed to fill an empty or new file.")
    count = text.count(edit.old)
    if count == 0:
        raise ToolError(_not_found(text, edit.old))
    if count > 1 and not edit.replace_all:
        raise ToolError(
            f"old_string occurs {count} times in the file. Include more surrounding lines "
            "to make it unique, or set replace_all to true to change every occurrence."
        )
    pos = text.find(edit.old)
    if edit.replace_all:
        return text.replace(edit.old, edit.new), count, pos
    return text[:pos] + edit.new + text[pos + len(edit.old) :], 1, pos


def snippet(text: str, pos: int, new_len: int) -> str:
    """Numbered lines around the replaced region starting at `pos`."""
    lines = text.split("\n")
    first = text.count("\n", 0, pos)
    last = first + text.count("\n", pos, pos + new_len)
    start = max(0, first - SNIPPET_CONTEXT)
    end = min(len(lines), last + SNIPPET_CONTEXT + 1, start + SNIPPET_MAX_LINES)
    if end - start > 1 and lines[end - 1] == "" and end == len(lines):
        end -= 1  # the empty "line" after a final newline
    return "\n".join(format_line(i + 1, lines[i]) for i in range(start, end))


def _fit_line_endings(work: str, edit: EditSpec) -> EditSpec:
    """In a file mixing LF and CRLF, let an LF-only old_string match CRLF text."""
    if edit.old and edit.old not in work and "\r" not in edit.old:
        crlf = edit.old.replace("\n", "\r\n")
        if crlf in work:
            return EditSpec(crlf, edit.new.replace("\r\n", "\n").replace("\n", "\r\n"), edit.replace_all)
    return edit


def edit_file(session: ToolSession, raw_path: str, edits: list[EditSpec]) -> ToolResult:
    """Apply `edits` to the file at `raw_path` (all or none) and describe the result."""
    path = resolve_path(session, raw_path)
    if path.is_dir():
        raise ToolError(f"{path} is a directory, not a file.")
    if not path.exists():
        return _edit_missing(session, path, edits)
    check_can_modify(session, path, "editing")
    data = path.read_bytes()
    if looks_binary(data[:8192]):
        raise ToolError(f"{path} is a binary file; Edit changes text files only.")
    text, encoding = decode_bytes(data, remembered_encoding(session, path))
    crlf = line_ending(text) == "\r\n"
    work = text.replace("\r\n", "\n") if crlf else text
    total = 0
    pos, new_len = 0, 0
    for i, edit in enumerate(edits):
        if crlf:
            edit = EditSpec(edit.old.replace("\r\n", "\n"), edit.new.replace("\r\n", "\n"), edit.replace_all)
        elif "\r\n" in work:
            edit = _fit_line_endings(work, edit)
        try:
            work, count, pos = apply_edit(work, edit)
        except ToolError as exc:
            prefix = f"Edit {i + 1} of {len(edits)} failed, no changes were made: " if len(edits) > 1 else ""
            raise ToolError(f"{prefix}{exc}") from None
        total += count
        new_len = len(edit.new)
    final = work.replace("\n", "\r\n") if crlf else work
    payload = encode_text(final, encoding, path)
    with open(path, "wb") as f:
        f.write(payload)
    remember_read(session, path, encoding)
    return ToolResult(_summary(path, edits, total, work, pos, new_len))


def _edit_missing(session: ToolSession, path: Path, edits: list[EditSpec]) -> ToolResult:
    if os.path.lexists(path):
        raise ToolError(f"{path} is a broken symbolic link.")
    if real_key(path) in session.read_files:
        raise ToolError(
            f"{path} no longer exists: it was deleted after you read it. "
            "Use Write to create it again if that is what you want."
        )
    if edits[0].old != "":
        raise ToolError(f"File does not exist: {path} (current working directory: {session.cwd}).")
    work, total, pos, new_len = "", 0, 0, 0
    for edit in edits:
        work, count, pos = apply_edit(work, edit)
        total += count
        new_len = len(edit.new)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(work, encoding="utf-8")
    remember_read(session, path, "utf-8")
    return ToolResult(f"Created {path}.\n" + snippet(work, pos, new_len))


def _summary(path: Path, edits: list[EditSpec], total: int, work: str, pos: int, new_len: int) -> str:
    what = f"{len(edits)} edits" if len(edits) > 1 else f"{total} replacement{'s' if total != 1 else ''}"
    head = f"Edited {path} ({what}). "
    head += "Around the last change:" if len(edits) > 1 else "Around the change:"
    return head + "\n" + snippet(work, pos, new_len)

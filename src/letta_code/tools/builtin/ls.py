"""LS: a directory as an indented tree, breadth first so a cap keeps the top levels.

Skips `.git` and anything the ignore files exclude (as Grep and Glob do), plus the
caller's `ignore` globs; symbolic links are listed (with their target), not followed.
"""

from __future__ import annotations

import contextlib
import os
from collections import deque
from typing import Any

from letta_code.tools.base import ToolError, ToolResult, ToolSession
from letta_code.tools.core import Tool, resolve_path
from letta_code.tools.globs import compile_glob
from letta_code.tools.walk import SKIP_NAMES, IgnoreStack

MAX_ENTRIES = 1000


class LSTool(Tool):
    name = "LS"
    description = (
        "List a directory as a tree (skips .git and .gitignored files; at most "
        f"{MAX_ENTRIES} entries). `ignore`: glob patterns to leave out."
    )
    parameters = {
        "type": "object",
        "properties": {
            "path": {"type": "string", "description": "Directory to list (default: working dir)"},
            "ignore": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Globs to skip",
            },
        },
    }
    read_only = True

    def execute(self, args: dict[str, Any], session: ToolSession) -> ToolResult:
        root = resolve_path(session, args.get("path") or ".")
        if not root.exists():
            raise ToolError(f"Directory does not exist: {root} (current working directory: {session.cwd}).")
        if not root.is_dir():
            raise ToolError(f"{root} is a file, not a directory. Use Read to see it.")
        ignores = [(compile_glob(g.strip("/")), "/" in g.strip("/")) for g in args.get("ignore", [])]
        children, capped = _collect(str(root), ignores)
        lines = [f"- {root}{os.sep}"]
        _render(str(root), children, 1, lines)
        if len(lines) == 1:
            lines.append("  (empty)")
        if capped:
            lines.append(
                f"(Listing stopped at {MAX_ENTRIES} entries; there are more. "
                "List a subdirectory or add ignore patterns.)"
            )
        return ToolResult("\n".join(lines))


def _collect(root: str, ignores: list[tuple[Any, bool]]) -> tuple[dict[str, list[tuple[str, bool]]], bool]:
    """Breadth-first: directory -> [(name, is_dir)], stopping after MAX_ENTRIES entries."""
    children: dict[str, list[tuple[str, bool]]] = {}
    queue = deque([(root, IgnoreStack.for_root(root).enter(root))])
    count = 0
    while queue:
        directory, stack = queue.popleft()
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        listed: list[tuple[str, bool]] = []
        for entry in entries:
            if entry.name in SKIP_NAMES:
                continue
            is_dir = entry.is_dir(follow_symlinks=False)
            rel = os.path.relpath(entry.path, root).replace(os.sep, "/")
            if any(rx.fullmatch(rel if by_path else entry.name) for rx, by_path in ignores):
                continue
            if stack.ignored(entry.path, is_dir):
                continue
            if count >= MAX_ENTRIES:
                children[directory] = listed
                return children, True
            count += 1
            name = entry.name
            if entry.is_symlink():
                with contextlib.suppress(OSError):
                    name += f" -> {os.readlink(entry.path)}"
            listed.append((name, is_dir))
            if is_dir:
                queue.append((entry.path, stack.enter(entry.path)))
        children[directory] = listed
    return children, False


def _render(directory: str, children: dict[str, list[tuple[str, bool]]], depth: int, lines: list[str]) -> None:
    for name, is_dir in children.get(directory, []):
        lines.append(f"{'  ' * depth}- {name}{os.sep if is_dir else ''}")
        if is_dir:
            _render(os.path.join(directory, name), children, depth + 1, lines)

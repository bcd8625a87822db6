"""Glob: files matching a glob pattern, most recently modified first.

The literal leading directories of the pattern become the search root; `rg --files`
lists the files there (honouring .gitignore, including hidden files, skipping
.git) and the match is decided here: `*` stays within one directory, `**` spans any number of them. Without rg
the same listing comes from `walk.py`.
"""

from __future__ import annotations

import os
from typing import Any

from letta_code.tools.base import ToolError, ToolResult, ToolSession
from letta_code.tools.core import Tool, display_path, newest_first, resolve_path
from letta_code.tools.globs import compile_glob, has_magic
from letta_code.tools.walk import walk_files

MAX_RESULTS = 100


def split_pattern(base: str, pattern: str) -> tuple[str, str]:
    """(search root, pattern relative to it): literal leading segments move into the root."""
    if os.path.isabs(pattern):
        base, pattern = os.sep, pattern.lstrip("/")
    segments = [s for s in pattern.split("/") if s not in ("", ".")]
    literal: list[str] = []
    while len(segments) > 1 and not has_magic(segments[0]):
        literal.append(segments.pop(0))
    return os.path.normpath(os.path.join(base, *literal)), "/".join(segments)


def rg_list(root: str) -> list[str] | None:
    """Files under `root` (relative, '/'-separated) via rg, or None when rg can't do it.

    The pattern is not passed to rg: its `--glob` would override the ignore files.
    """
    from letta_code.tools.ripgrep import RgUnavailable, run_rg

    args = ["--no-config", "--files", "--hidden", "--no-messages", "--null"]
    args += ["--glob", "!.git", "."]
    try:
        res = run_rg(args, cwd=root)
    except RgUnavailable:
        return None
    if res.returncode == 2 and not res.stdout:
        return None
    return [p[2:] if p.startswith("./") else p for p in res.stdout.split("\0") if p]


def py_list(root: str) -> list[str]:
    start = len(root.rstrip(os.sep)) + 1
    return [p[start:].replace(os.sep, "/") for p in walk_files(root)]


class GlobTool(Tool):
    name = "Glob"
    description = (
        "Find files by glob pattern, e.g. '**/*.py' or 'src/**/*.{ts,tsx}' ('*' stays in one "
        f"directory, '**' spans any). Newest first, at most {MAX_RESULTS}; respects .gitignore."
    )
    parameters = {
        "type": "object",
        "properties": {
            "pattern": {"type": "string", "description": "Glob pattern"},
            "path": {"type": "string", "description": "Directory to search (default: working dir)"},
        },
        "required": ["pattern"],
    }
    read_only = True

    def __init__(self, use_rg: bool = True) -> None:
        self.use_rg = use_rg

    def execute(self, args: dict[str, Any], session: ToolSession) -> ToolResult:
        pattern = os.path.expanduser(args["pattern"].strip())
        if not pattern:
            raise ToolError("'pattern' must not be empty")
        base = resolve_path(session, args.get("path") or ".")
        if not base.is_dir():
            what = "is not a directory" if base.exists() else "does not exist"
            raise ToolError(f"Path {what}: {base} (current working directory: {session.cwd}).")
        root, rest = split_pattern(str(base), pattern)
        found: list[str] = []  # relative to root
        if not rest or not has_magic(rest):
            if os.path.isfile(os.path.join(root, rest)):
                found = [rest]
        elif os.path.isdir(root):
            listed = rg_list(root) if self.use_rg else None
            if listed is None:
                listed = py_list(root)
            match = compile_glob(rest).fullmatch
            found = [p for p in listed if match(p)]
        if not found:
            return ToolResult("No files found")
        count = len(found)
        found = [p for p in found if not session.is_hidden(os.path.join(root, p))]
        denied = f"({count - len(found)} left out: denied by permission rules)" if len(found) < count else ""
        if not found:
            return ToolResult(f"No files found {denied}".strip())
        found = newest_first(found, root)
        total = len(found)
        lines = [display_path(os.path.join(root, p), session) for p in found[:MAX_RESULTS]]
        if denied:
            lines.append(denied)
        if total > MAX_RESULTS:
            lines.append(
                f"(Showing the {MAX_RESULTS} most recently modified of {total} files. "
                "Use a more specific pattern or path.)"
            )
        return ToolResult("\n".join(lines))

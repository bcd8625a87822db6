"""Grep: regex search over files with ripgrep, or a pure-Python search when rg can't run.

Both backends produce the same records; this module sorts and formats them, so the
output does not depend on which one ran: files newest first (by mtime), counts and
content lines by path. Paths are shown relative to the working directory when
inside it.
"""

from __future__ import annotations

import os
import re
from typing import Any

from letta_code.tools.base import ToolError, ToolResult, ToolSession
from letta_code.tools.core import Tool, display_path, newest_first, resolve_path
from letta_code.tools.globs import split_patterns
from letta_code.tools.pysearch import Hits, Query, py_search
from letta_code.tools.truncate import LINE_CUT, MAX_LINE_CHARS, truncate_tail

MODES = ["files_with_matches", "content", "count"]
_CONTENT_LINE = re.compile(r"(\d+)([:-])")


def rg_args(q: Query) -> list[str]:
    args = ["--no-config", "--color=never", "--hidden", "--no-messages"]
    if q.mode == "files_with_matches":
        args += ["--files-with-matches", "--null"]
    elif q.mode == "count":
        args += ["--count", "--with-filename", "--null"]
    else:
        args += ["--line-number", "--with-filename", "--null"]
        if q.before:
            args += ["--before-context", str(q.before)]
        if q.after:
            args += ["--after-context", str(q.after)]
    if q.ignore_case:
        args.append("--ignore-case")
    if q.multiline:
        args += ["--multiline", "--multiline-dotall"]
    for g in q.globs:
        args += ["--glob", g]
    args += ["--glob", "!.git"]
    if q.type:
        args += ["--type", q.type]
    return [*args, "--regexp", q.pattern, "--", q.root_arg]


def _strip_dot(path: str) -> str:
    return path[2:] if path.startswith("./") else path


def rg_search(q: Query) -> Hits:
    """Run rg for `q` and parse its output; raise RgUnavailable when it cannot run."""
    from letta_code.tools.ripgrep import run_rg

    res = run_rg(rg_args(q), cwd=q.cwd)
    if res.returncode == 2 and not res.stdout:
        msg = res.stderr.strip() or "rg failed"
        raise ToolError(f"search failed: {msg}")
    hits = Hits()
    if res.capped:
        hits.note = "(The search was stopped early, too much output or too slow; results are incomplete.)"
    out = res.stdout
    if q.mode == "files_with_matches":
        hits.files = [_strip_dot(p) for p in out.split("\0") if p]
    elif q.mode == "count":
        for line in out.splitlines():
            path, sep, n = line.partition("\0")
            if sep and n.isdigit():
                hits.counts.append((_strip_dot(path), int(n)))
    else:
        for line in out.split("\n"):
            path, sep, rest = line.partition("\0")
            m = _CONTENT_LINE.match(rest) if sep else None
            if m:
                text = rest[m.end() :].rstrip("\r")
                hits.lines.append((_strip_dot(path), int(m.group(1)), m.group(2) == ":", text))
    return hits


def format_hits(q: Query, hits: Hits, head_limit: int | None, numbers: bool) -> str:
    """The tool's text for `hits` (same for both backends)."""
    notes = [hits.note] if hits.note else []
    if q.mode == "files_with_matches":
        files = newest_first(hits.files, q.cwd)
        if not files:
            return "No files found"
        total = len(files)
        if head_limit is not None and total > head_limit:
            files = files[:head_limit]
            notes.append(f"(Showing the first {head_limit} of {total} files.)")
        body = f"Found {total} file{'s' if total != 1 else ''}\n" + "\n".join(files)
    elif q.mode == "count":
        counts = sorted(hits.counts)
        if not counts:
            return "No matches found"
        total_n, total_files = sum(n for _, n in counts), len(counts)
        if head_limit is not None and len(counts) > head_limit:
            counts = counts[:head_limit]
            notes.append(f"(Showing the first {head_limit} of {total_files} files.)")
        body = "\n".join(f"{p}:{n}" for p, n in counts)
        notes.append(f"({total_n} matching lines in {total_files} file{'s' if total_files != 1 else ''})")
    else:
        records = sorted(hits.lines, key=lambda r: (r[0], r[1]))
        if not records:
            return "No matches found"
        if head_limit is not None and len(records) > head_limit:
            notes.append(f"(Showing the first {head_limit} of {len(records)} lines.)")
            records = records[:head_limit]
        context = q.before > 0 or q.after > 0
        out: list[str] = []
        prev: tuple[str, int] | None = None
        for path, no, is_match, text in records:
            if context and prev is not None and (path != prev[0] or no != prev[1] + 1):
                out.append("--")
            if len(text) > MAX_LINE_CHARS:
                text = text[:MAX_LINE_CHARS] + LINE_CUT
            sep = ":" if is_match else "-"
            out.append(f"{path}{sep}{no}{sep}{text}" if numbers else f"{path}{sep}{text}")
            prev = (path, no)
        body = "\n".join(out)
    return truncate_tail("\n".join([body, *notes]))


def hide_denied(hits: Hits, session: ToolSession) -> int:
    """Drop the hits in files the session may not show; returns how many files were dropped."""
    if session.hidden is None:
        return 0
    files = set(hits.files) | {p for p, _ in hits.counts} | {r[0] for r in hits.lines}
    denied = {p for p in files if session.is_hidden(p)}
    if denied:
        hits.files = [p for p in hits.files if p not in denied]
        hits.counts = [c for c in hits.counts if c[0] not in denied]
        hits.lines = [r for r in hits.lines if r[0] not in denied]
    return len(denied)


class GrepTool(Tool):
    name = "Grep"
    description = (
        "Search file contents with a regex (ripgrep syntax; respects .gitignore). "
        "output_mode: files_with_matches (default; newest first), content (matching lines; "
        "-n, -A/-B/-C context), count. Filter files with glob (e.g. '*.py') or type (e.g. 'py')."
    )
    parameters = {
        "type": "object",
        "properties": {
            "pattern": {"type": "string", "description": "Regex to search for"},
            "path": {"type": "string", "description": "File or directory (default: working dir)"},
            "glob": {"type": "string", "description": "Glob filter, e.g. '*.{ts,tsx}'"},
            "type": {"type": "string", "description": "File type, e.g. py, js, rust"},
            "output_mode": {"type": "string", "enum": MODES},
            "-i": {"type": "boolean", "description": "Case insensitive"},
            "-n": {"type": "boolean", "description": "Line numbers (content mode, default true)"},
            "-A": {"type": "integer", "description": "Lines after each match"},
            "-B": {"type": "integer", "description": "Lines before each match"},
            "-C": {"type": "integer", "description": "Lines around each match"},
            "multiline": {"type": "boolean", "description": "Let . and patterns span lines"},
            "head_limit": {"type": "integer", "description": "Show only the first N entries"},
        },
        "required": ["pattern"],
    }
    read_only = True

    def __init__(self, use_rg: bool = True) -> None:
        self.use_rg = use_rg

    def execute(self, args: dict[str, Any], session: ToolSession) -> ToolResult:
        q = self.make_query(args, session)
        head_limit = args.get("head_limit")
        if head_limit is not None and head_limit < 1:
            raise ToolError(f"'head_limit' must be at least 1, got {head_limit}")
        hits = self.search(q)
        dropped = hide_denied(hits, session)
        text = format_hits(q, hits, head_limit, args.get("-n", True))
        if dropped:
            text += f"\n({dropped} file{'s' if dropped != 1 else ''} left out: denied by permission rules)"
        return ToolResult(text)

    def search(self, q: Query) -> Hits:
        if self.use_rg:
            from letta_code.tools.ripgrep import RgUnavailable

            try:
                return rg_search(q)
            except RgUnavailable:
                pass
        return py_search(q)

    @staticmethod
    def make_query(args: dict[str, Any], session: ToolSession) -> Query:
        pattern: str = args["pattern"]
        if pattern == "":
            raise ToolError("'pattern' must not be empty")
        root = resolve_path(session, args.get("path") or ".")
        if not os.path.exists(root):
            raise ToolError(f"Path does not exist: {root} (current working directory: {session.cwd}).")
        cwd = os.path.normpath(session.cwd)
        root_arg = "." if str(root) == cwd else display_path(root, session)
        context = args.get("-C", 0)
        before, after = args.get("-B", context), args.get("-A", context)
        if min(before, after) < 0:
            raise ToolError("context line counts (-A, -B, -C) must not be negative")
        mode = args.get("output_mode", "files_with_matches")
        if mode != "content":
            before = after = 0
        return Query(
            pattern=pattern,
            root=str(root),
            root_arg=root_arg,
            cwd=cwd,
            mode=mode,
            ignore_case=args.get("-i", False),
            multiline=args.get("multiline", False),
            before=before,
            after=after,
            globs=split_patterns(args["glob"]) if args.get("glob") else [],
            type=args.get("type") or None,
        )

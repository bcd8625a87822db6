"""Glob patterns as regular expressions, with the gitignore flavour ripgrep uses.

`*` and `?` never cross `/`; `**` spans directories (`**/x`, `a/**`, `a/**/b`);
`[...]`/`[!...]` are classes; `{a,b}` are alternatives. A gitignore-style pattern
without a slash matches a file's name at any depth; with one, the whole path.
"""

from __future__ import annotations

import functools
import re

MAGIC = set("*?[{")


def has_magic(s: str) -> bool:
    return any(c in MAGIC for c in s)


def _class(pat: str, i: int) -> tuple[str, int] | None:
    """Translate the class starting at pat[i] == '['; None when it is not closed."""
    j = i + 1
    if j < len(pat) and pat[j] in "!^":
        j += 1
    if j < len(pat) and pat[j] == "]":
        j += 1
    while j < len(pat) and pat[j] != "]":
        j += 1
    if j >= len(pat):
        return None
    body = pat[i + 1 : j]
    negate = body[:1] in ("!", "^")
    if negate:
        body = body[1:]
    body = body.replace("\\", "\\\\")
    return (f"[^/{body}]" if negate else f"[{body}]"), j + 1


def _braces(pat: str, i: int) -> tuple[list[str], int] | None:
    """Split the `{a,b}` group starting at pat[i] == '{' (nesting allowed)."""
    depth, start, parts = 0, i + 1, []
    for j in range(i, len(pat)):
        c = pat[j]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                parts.append(pat[start:j])
                return parts, j + 1
        elif c == "," and depth == 1:
            parts.append(pat[start:j])
            start = j + 1
    return None


def translate(pat: str) -> str:
    """The regex (unanchored text, use with fullmatch) equivalent to glob `pat`."""
    out: list[str] = []
    i = 0
    while i < len(pat):
        c = pat[i]
        at_segment_start = i == 0 or pat[i - 1] == "/"
        if pat.startswith("**/", i) and at_segment_start:
            out.append("(?:.*/)?")
            i += 3
        elif pat.startswith("**", i) and at_segment_start and i + 2 == len(pat):
            out.append(".*")
            i += 2
        elif c == "*":
            while i + 1 < len(pat) and pat[i + 1] == "*":
                i += 1
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[" and (cls := _class(pat, i)):
            out.append(cls[0])
            i = cls[1]
        elif c == "{" and (alts := _braces(pat, i)):
            out.append("(?:" + "|".join(translate(a) for a in alts[0]) + ")")
            i = alts[1]
        elif c == "\\" and i + 1 < len(pat):
            out.append(re.escape(pat[i + 1]))
            i += 2
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out)


@functools.lru_cache(maxsize=256)
def compile_glob(pat: str) -> re.Pattern[str]:
    """A compiled, full-match regex for glob `pat` (matched against a '/'-separated path)."""
    return re.compile(translate(pat), re.S)


def split_patterns(spec: str) -> list[str]:
    """Split a user's glob list ("*.py,*.pyi" or "*.ts *.tsx"), keeping `{a,b}` intact."""
    parts: list[str] = []
    buf: list[str] = []
    depth = 0
    for c in spec:
        if c == "{":
            depth += 1
        elif c == "}":
            depth = max(0, depth - 1)
        if depth == 0 and (c == "," or c.isspace()):
            if buf:
                parts.append("".join(buf))
            buf = []
        else:
            buf.append(c)
    if buf:
        parts.append("".join(buf))
    return parts


class GlobFilter:
    """ripgrep `--glob` semantics (overrides): they take precedence over ignore files.

    The last matching glob wins: a positive one whitelists the path (even if ignored),
    `!x` excludes it. With any positive glob, files matching none are excluded;
    directories matching none are left to the ignore files. A glob without '/'
    matches the name at any depth; with one, the path (relative to rg's cwd).
    """

    def __init__(self, globs: list[str]) -> None:
        # regex, negated, matched against the whole path, directories only
        self.rules: list[tuple[re.Pattern[str], bool, bool, bool]] = []
        for g in globs:
            neg = g.startswith("!")
            body = g[1:] if neg else g
            dir_only = body.endswith("/")
            body = body.rstrip("/")
            anchored = "/" in body
            self.rules.append((compile_glob(body.lstrip("/")), neg, anchored, dir_only))
        self.has_positive = any(not neg for _, neg, _, _ in self.rules)

    def decide(self, rel: str, is_dir: bool) -> bool | None:
        """True: whitelisted, False: excluded, None: up to the ignore files."""
        name = rel.rsplit("/", 1)[-1]
        for regex, neg, anchored, dir_only in reversed(self.rules):
            if dir_only and not is_dir:
                continue
            if regex.fullmatch(rel if anchored else name):
                return not neg
        if self.has_positive and not is_dir:
            return False
        return None

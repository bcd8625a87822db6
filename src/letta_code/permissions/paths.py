"""Path resolution and gitignore-style path patterns for file permission rules.

Every path is resolved before matching: `~` is expanded, relative paths are joined
to the working directory, `..` is collapsed and symlinks are followed (realpath).
So `./link/.ssh/id_rsa` (with `link` pointing at the home folder) is judged by
where it really lands, and a deny on `.env` also catches `./a/../.env`.

Pattern syntax (the specifier of `Read(...)`, `Edit(...)`, ...):

- `//abs/path/**`  absolute path
- `~/dir/**`       relative to the home folder
- `/src/**`, `./src/**`, `src/*.py`  relative to the project root (the working
  directory); a pattern with a slash is anchored there
- `.env`, `*.key`  (no slash) a name matched at any depth under the root, like
  a `.gitignore` line
- `*` and `?` stay within one path segment, `**` spans segments, `[abc]` is a
  character class; a trailing `/` or `/**` means the directory and everything in it.

As in `.gitignore`, a pattern that matches a directory also matches everything
inside it. Deny and ask rules are matched *broadly* (symlinked and lexical forms,
ignoring case, a leading single `/` also read as absolute, name patterns anywhere
on disk); allow rules are matched *narrowly* (the real path only, under the root).
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Anchor = Literal["root", "home", "absolute", "anywhere"]


class PathPatternError(ValueError):
    """A path pattern cannot be used."""


@dataclass(frozen=True)
class ResolvedPath:
    """A path as given, its absolute lexical form, and where it really points."""

    given: str
    lexical: str
    real: str


def expand_home(path: str) -> str:
    """Expand a leading `~` / `~user` (only at the start, as the shell does)."""
    return os.path.expanduser(path) if path.startswith("~") else path


def resolve_path(path: str | os.PathLike[str], cwd: str | os.PathLike[str]) -> ResolvedPath:
    """Resolve `path` against `cwd`: expand `~`, make absolute, collapse `..`, follow symlinks.

    Raises ValueError for a path no program could open (a NUL byte, unencodable text)
    or whose links cannot be followed.
    """
    given = os.fspath(path)
    if "\x00" in given:
        raise ValueError("path contains a NUL byte")
    os.fsencode(given)  # UnicodeEncodeError (a ValueError) for lone surrogates
    expanded = expand_home(given)
    joined = os.path.join(os.fspath(cwd), expanded)
    lexical = os.path.normpath(os.path.abspath(joined))
    try:
        real = os.path.realpath(joined)
    except OSError as exc:  # e.g. a link under /proc that may not be read
        raise ValueError(f"cannot resolve {given}: {exc.strerror}") from None
    return ResolvedPath(given=given, lexical=lexical, real=real)


def is_within(path: str, directory: str) -> bool:
    """True when absolute `path` is `directory` or lies below it (no symlink resolution)."""
    if directory == os.sep:
        return path.startswith(os.sep)
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


def real_dir(directory: str | os.PathLike[str]) -> str:
    """The realpath of a directory (the form `ResolvedPath.real` is compared with)."""
    return os.path.realpath(os.path.abspath(os.fspath(directory)))


def inside_any(target: ResolvedPath, directories: tuple[str, ...]) -> bool:
    """True when the real target lies in one of the (realpath'd) directories."""
    return any(is_within(target.real, d) for d in directories)


def relative_display(target: ResolvedPath, root: str) -> str:
    """A short form for messages: `./rel` under the root, `~/rel` under home, else absolute."""
    home = real_dir(Path.home())
    if is_within(target.real, root):
        rel = os.path.relpath(target.real, root)
        return "./" if rel == "." else f"./{rel}"
    if is_within(target.real, home):
        rel = os.path.relpath(target.real, home)
        return "~" if rel == "." else f"~/{rel}"
    return target.real


_GLOB_CHARS = re.compile(r"[*?\[]")


@functools.lru_cache(maxsize=1024)
def compile_glob(body: str, ignore_case: bool) -> re.Pattern[str]:
    """Translate a glob (relative, '/'-separated) into a regex over relative paths."""
    out: list[str] = []
    i, n = 0, len(body)
    while i < n:
        at_segment_start = i == 0 or body[i - 1] == "/"
        if at_segment_start and body.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if at_segment_start and body[i:] == "**":
            out.append(".*")
            i += 2
            continue
        if body.startswith("/**", i) and i + 3 == n:
            out.append("(?:/.*)?")
            i += 3
            continue
        c = body[i]
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = body.find("]", i + 2)
            if end == -1:
                out.append(re.escape(c))
            else:
                inner = body[i + 1 : end]
                negate = inner.startswith("!")
                if negate:
                    inner = inner[1:]
                inner = inner.replace("\\", "\\\\").replace("^", "\\^")
                out.append(f"[{'^' if negate else ''}{inner}]")
                i = end
        elif c == "\\" and i + 1 < n:
            out.append(re.escape(body[i + 1]))
            i += 1
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out), re.IGNORECASE if ignore_case else 0)


def _ancestry(rel: str) -> list[str]:
    """`a/b/c` -> [`a/b/c`, `a/b`, `a`] (a pattern matching a folder matches its contents)."""
    parts = rel.split("/")
    return ["/".join(parts[:k]) for k in range(len(parts), 0, -1)]


def _relative(path: str, anchor: str) -> str | None:
    if not is_within(path, anchor):
        return None
    if path == anchor:
        return ""
    return path[len(anchor.rstrip(os.sep)) + 1 :] if anchor != os.sep else path[1:]


@dataclass(frozen=True)
class PathPattern:
    """A parsed path pattern (see the module docstring for the syntax)."""

    text: str
    anchor: Anchor
    body: str
    leading_slash: bool = False
    _static: tuple[str, str] = field(default=("", ""), repr=False, compare=False)

    def matches(self, target: ResolvedPath, root: str, *, broad: bool = False) -> bool:
        """Does the pattern cover `target`? `root` is the realpath of the project root.

        Narrow (allow rules): only the real path, only the spelled-out anchor.
        Broad (deny/ask rules): lexical and real path, case-insensitive, extra anchors.
        """
        paths = (target.real, target.lexical) if broad else (target.real,)
        if self.anchor == "anywhere":
            name_regex = compile_glob(self.body, broad)
            for path in paths:
                rel = _relative(path, root)
                if rel is None:
                    if not broad:
                        continue
                    rel = path.lstrip(os.sep)
                if rel and any(name_regex.fullmatch(name) for name in rel.split("/")):
                    return True
            return False
        for anchor_dir, body in self._anchors(root, broad):
            regex = compile_glob(body, broad) if body else None
            for path in paths:
                rel = _relative(path, anchor_dir)
                if rel is None:
                    continue
                if regex is None:
                    return True
                if rel and any(regex.fullmatch(c) for c in _ancestry(rel)):
                    return True
                if rel == "" and regex.fullmatch(""):
                    return True
        return False

    def _anchors(self, root: str, broad: bool) -> list[tuple[str, str]]:
        if self.anchor == "absolute":
            base = [os.sep]
        elif self.anchor == "home":
            home = os.path.expanduser("~")
            base = [real_dir(home)] + ([os.path.abspath(home)] if broad else [])
        else:
            base = [root]
            if broad and self.leading_slash:
                base.append(os.sep)
        result = [(b, self.body) for b in dict.fromkeys(base)]
        static, rest = self._static
        if broad and static:
            # The spelled-out folder may itself be a symlink: match where it points, too.
            for b in dict.fromkeys(base):
                pointed = os.path.realpath(os.path.join(b, static))
                if pointed != os.path.join(b, static):
                    result.append((pointed, rest))
        return result


def parse_path_pattern(spec: str) -> PathPattern:
    """Parse a path pattern; raise PathPatternError with the reason when it is unusable."""
    text = spec.strip()
    if not text:
        raise PathPatternError("empty path pattern")
    if "\x00" in text:
        raise PathPatternError("path pattern contains a NUL character")
    leading_slash = False
    anchor: Anchor
    if text.startswith("//"):
        anchor, body = "absolute", text[2:]
    elif text == "~" or text.startswith("~/"):
        anchor, body = "home", text[2:]
    elif text.startswith("~"):
        raise PathPatternError(f"{text!r}: '~user' paths are not supported; use //absolute/path")
    elif text.startswith("/"):
        anchor, body, leading_slash = "root", text[1:], True
    elif text.startswith("./"):
        anchor, body = "root", text[2:]
    elif "/" in text.rstrip("/"):
        anchor, body = "root", text
    else:
        anchor, body = "anywhere", text.rstrip("/")
    dir_only = body.endswith("/")
    segments = [s for s in body.split("/") if s not in ("", ".")]
    if ".." in segments:
        raise PathPatternError(f"{text!r}: '..' is not allowed in a path pattern; write the path from the root (//...)")
    body = "/".join(segments)
    if anchor == "anywhere":
        if not body:
            raise PathPatternError(f"{text!r} does not name a file")
        return PathPattern(text=text, anchor=anchor, body=body)
    if dir_only and body:
        body += "/**"
    if not body:
        body = "**"
    static_parts: list[str] = []
    for seg in segments:
        if _GLOB_CHARS.search(seg):
            break
        static_parts.append(seg)
    static = "/".join(static_parts)
    rest = body[len(static) :].lstrip("/") if static else body
    return PathPattern(text=text, anchor=anchor, body=body, leading_slash=leading_slash, _static=(static, rest))

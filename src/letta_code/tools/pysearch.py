"""The pure-Python search behind Grep when `rg` cannot run.

It walks like ripgrep (see `walk.py`), filters by `--glob`/`--type` like ripgrep and
returns the same records the ripgrep backend parses from rg's output, so the Grep
tool formats both identically. Python's `re` stands in for Rust's regex syntax;
the common subset behaves the same.
"""

from __future__ import annotations

import bisect
import os
import re
from dataclasses import dataclass, field

from letta_code.tools.base import ToolError
from letta_code.tools.globs import GlobFilter, compile_glob
from letta_code.tools.walk import walk_files

# A few of ripgrep's built-in file types (`rg --type-list`), for the fallback.
FILE_TYPES: dict[str, list[str]] = {
    "c": ["*.[chH]", "*.[chH].in", "*.cats"],
    "cpp": [
        "*.[ChH]",
        "*.[ChH].in",
        "*.[ch]pp",
        "*.[ch]pp.in",
        "*.[ch]xx",
        "*.cc",
        "*.hh",
        "*.inl",
    ],
    "cs": ["*.cs"],
    "csharp": ["*.cs"],
    "css": ["*.css", "*.scss"],
    "go": ["*.go"],
    "html": ["*.ejs", "*.htm", "*.html"],
    "java": ["*.java", "*.jsp", "*.jspx", "*.properties"],
    "js": ["*.cjs", "*.js", "*.jsx", "*.mjs", "*.vue"],
    "json": ["*.json", "*.sarif", "composer.lock"],
    "kotlin": ["*.kt", "*.kts"],
    "lua": ["*.lua"],
    "md": ["*.markdown", "*.md", "*.mdown", "*.mdwn", "*.mdx", "*.mkd", "*.mkdn"],
    "markdown": ["*.markdown", "*.md", "*.mdown", "*.mdwn", "*.mdx", "*.mkd", "*.mkdn"],
    "php": ["*.php", "*.php3", "*.php4", "*.php5", "*.php7", "*.php8", "*.pht", "*.phtml"],
    "py": ["*.py", "*.pyi"],
    "ruby": ["*.gemspec", "*.rake", "*.rb", "*.rbw", ".irbrc", "Gemfile", "Rakefile", "config.ru"],
    "rust": ["*.rs"],
    "scala": ["*.sbt", "*.scala"],
    "sh": [
        "*.bash",
        "*.bashrc",
        "*.csh",
        "*.ksh",
        "*.sh",
        "*.tcsh",
        "*.zsh",
        ".bashrc",
        ".zshrc",
        ".profile",
    ],
    "sql": ["*.psql", "*.sql"],
    "swift": ["*.swift"],
    "toml": ["*.toml", "Cargo.lock"],
    "ts": ["*.cts", "*.mts", "*.ts", "*.tsx"],
    "txt": ["*.txt"],
    "vue": ["*.vue"],
    "xml": ["*.dtd", "*.rng", "*.xhtml", "*.xml", "*.xml.dist", "*.xsd", "*.xsl", "*.xslt"],
    "yaml": ["*.yaml", "*.yml"],
    "zig": ["*.zig"],
}


@dataclass
class Query:
    """What to search for and where: the fields both backends need."""

    pattern: str
    root: str  # absolute path searched
    root_arg: str  # how paths are shown: relative to cwd ("." for cwd itself) or absolute
    cwd: str
    mode: str  # files_with_matches | content | count
    ignore_case: bool = False
    multiline: bool = False
    before: int = 0
    after: int = 0
    globs: list[str] = field(default_factory=list)
    type: str | None = None


@dataclass
class Hits:
    """Search results before sorting and formatting; which list is filled depends on the mode."""

    files: list[str] = field(default_factory=list)
    counts: list[tuple[str, int]] = field(default_factory=list)
    lines: list[tuple[str, int, bool, str]] = field(default_factory=list)  # path, no, match?, text
    note: str = ""


def compile_pattern(q: Query) -> re.Pattern[str]:
    flags = re.M | (re.I if q.ignore_case else 0) | (re.S if q.multiline else 0)
    try:
        return re.compile(q.pattern, flags)
    except re.error as exc:
        raise ToolError(f"invalid regex {q.pattern!r}: {exc}") from None


def _shown(q: Query, path: str) -> str:
    """`path` as rg prints it when given `root_arg` (without a leading './')."""
    rel = os.path.relpath(path, q.root)
    if rel == ".":
        return q.root_arg
    joined = rel if q.root_arg == "." else os.path.join(q.root_arg, rel)
    return joined.replace(os.sep, "/")


def _glob_target(q: Query, path: str) -> str:
    """The path ripgrep matches `--glob` patterns against (relative to its cwd)."""
    base = q.cwd.rstrip(os.sep) + os.sep
    rel = path[len(base) :] if path.startswith(base) else path.lstrip(os.sep)
    return rel.replace(os.sep, "/")


def _matched_lines(rx: re.Pattern[str], text: str, lines: list[str], multiline: bool) -> list[int]:
    if not multiline:
        return [i for i, line in enumerate(lines) if rx.search(line)]
    starts = [0]
    for i, line in enumerate(lines[:-1]):
        starts.append(starts[i] + len(line) + 1)
    hit: set[int] = set()
    for m in rx.finditer(text):
        first = bisect.bisect_right(starts, m.start()) - 1
        last = bisect.bisect_right(starts, max(m.start(), m.end() - 1)) - 1
        hit.update(range(first, min(last, len(lines) - 1) + 1))
    return sorted(hit)


def py_search(q: Query) -> Hits:
    """Search as `rg` would for `q`."""
    rx = compile_pattern(q)
    explicit_file = os.path.isfile(q.root)
    gf = GlobFilter([*q.globs, "!.git"])
    type_rx = None
    if q.type:
        if q.type not in FILE_TYPES:
            raise ToolError(f"unrecognized file type: {q.type!r} (known: {', '.join(FILE_TYPES)})")
        type_rx = [compile_glob(g) for g in FILE_TYPES[q.type]]

    def override(path: str, is_dir: bool) -> bool | None:
        return gf.decide(_glob_target(q, path), is_dir)

    hits_out = Hits()
    for path in walk_files(q.root, override=override):
        name = os.path.basename(path)
        if not explicit_file and type_rx and not any(r.fullmatch(name) for r in type_rx):
            continue
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            continue
        if b"\0" in data and not explicit_file:
            continue
        text = data.decode("utf-8", errors="replace")
        if not rx.search(text):
            continue
        shown = _shown(q, path)
        if q.mode == "files_with_matches":
            hits_out.files.append(shown)
            continue
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        hits = _matched_lines(rx, text, lines, q.multiline)
        if q.mode == "count":
            n = sum(1 for _ in rx.finditer(text)) if q.multiline else len(hits)
            if n:
                hits_out.counts.append((shown, n))
            continue
        wanted: dict[int, bool] = {}
        for i in hits:
            for j in range(max(0, i - q.before), min(len(lines), i + q.after + 1)):
                wanted.setdefault(j, False)
            wanted[i] = True
        for j in sorted(wanted):
            hits_out.lines.append((shown, j + 1, wanted[j], lines[j].rstrip("\r")))
    return hits_out

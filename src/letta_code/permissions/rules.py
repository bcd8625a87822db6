"""Permission rules in Claude Code syntax: `Tool` or `Tool(specifier)`.

- `Bash` / `Bash(*)`: every shell command. `Bash(npm test)`: exactly that command.
  `Bash(npm run test:*)` (or `Bash(npm run test *)`): commands whose first words
  are `npm run test` (`npm run test --watch`, not `npm run test:unit`).
- `Read(...)`, `Edit(...)`, `Write(...)`, `Grep(...)`, ...: a path pattern (see
  `paths`). A `Read` rule covers every file reader (Read, Grep, Glob, LS), an
  `Edit` rule every file editor (Write, Edit, MultiEdit, NotebookEdit).
- `WebFetch(domain:example.com)`: that host and its subdomains (`domain:*.example.com`:
  the subdomains only; an IP address: only itself), matched on the URL's host as
  `config/hosts.py` reads it, the same function the WebFetch tool fetches by.
- Any other `Tool(pattern)`: a glob matched against the call's string arguments.
- `mcp__server` (or `mcp__server__*`) covers every tool of that MCP server;
  `mcp__server__tool` that one tool.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, Literal

from letta_code.config.hosts import host_in_domain, url_host, valid_domain
from letta_code.permissions.categories import (
    EXIT_PLAN_TOOL,
    KNOWN_TOOLS,
    PATH_TOOLS,
    SESSION_TOOLS,
    SHELL_TOOL,
    WEB_FETCH_TOOL,
    rule_family,
)
from letta_code.permissions.paths import PathPattern, PathPatternError, parse_path_pattern

RuleKind = Literal["tool", "exact", "prefix", "path", "generic"]

_TOOL_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]*\Z")
_SHELL_OPERATOR = re.compile(r"[();<>|&]+\Z")
_MCP_NAME = re.compile(r"mcp__(?!_)[A-Za-z0-9_-]*[A-Za-z0-9-](__[A-Za-z0-9_-]+)?\Z")  # mcp__server[__tool]


class RuleError(ValueError):
    """A permission rule that cannot be parsed."""


@dataclass(frozen=True)
class Rule:
    """A parsed permission rule."""

    text: str
    tool: str
    kind: RuleKind
    words: tuple[str, ...] = ()
    path: PathPattern | None = None
    specifier: str | None = None

    def covers_tool(self, tool_name: str) -> bool:
        """Is `tool_name` one of the tools this rule speaks about?"""
        if tool_name in rule_family(self.tool):
            return True
        return (
            self.kind == "tool"
            and self.tool.startswith("mcp__")
            and self.tool.count("__") == 1
            and tool_name.startswith(self.tool + "__")
        )

    def matches_generic(self, args: dict[str, Any]) -> bool:
        """Match a specifier rule of a tool that is neither Bash nor a file tool."""
        spec = self.specifier or ""
        if self.tool == WEB_FETCH_TOOL and spec.startswith("domain:"):
            host = url_host(args.get("url"))
            return host is not None and host_in_domain(host, spec[len("domain:") :])
        return any(isinstance(v, str) and fnmatchcase(v, spec) for v in args.values())


def _split_command(spec: str, text: str) -> tuple[str, ...]:
    lexer = shlex.shlex(spec, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        tokens = tuple(lexer)
    except ValueError as exc:
        raise RuleError(f"invalid rule {text!r}: {exc}") from None
    if not tokens:
        raise RuleError(f"invalid rule {text!r}: empty command")
    for token in tokens:
        if _SHELL_OPERATOR.match(token):
            raise RuleError(
                f"invalid rule {text!r}: a Bash rule names one simple command; "
                f"write one rule per command instead of using {token!r}"
            )
        if "*" in token:
            raise RuleError(f"invalid rule {text!r}: '*' is only supported at the end, as in 'Bash(git diff:*)'")
    return tokens


def _parse_bash(tool: str, spec: str, text: str) -> Rule:
    spec = spec.strip()
    if spec == "*":
        return Rule(text=text, tool=tool, kind="tool")
    kind: RuleKind = "exact"
    if spec.endswith(":*") or spec.endswith(" *"):
        kind, spec = "prefix", spec[:-2]
    words = _split_command(spec, text)
    return Rule(text=text, tool=tool, kind=kind, words=words, specifier=spec)


def parse_rule(text: str) -> Rule:
    """Parse one rule; raise RuleError explaining what is wrong with it."""
    if not isinstance(text, str):
        raise RuleError(f"a permission rule must be a string, not {type(text).__name__}")
    stripped = text.strip()
    if not stripped:
        raise RuleError("empty permission rule")
    spec: str | None = None
    tool = stripped
    if "(" in stripped or ")" in stripped:
        open_at = stripped.find("(")
        if open_at <= 0 or not stripped.endswith(")"):
            raise RuleError(f"invalid rule {text!r}: expected 'Tool' or 'Tool(specifier)'")
        tool, spec = stripped[:open_at].strip(), stripped[open_at + 1 : -1]
        if not spec.strip():
            raise RuleError(f"invalid rule {text!r}: empty specifier; write just {tool!r} to match every call")
    if spec is None and tool.startswith("mcp__") and tool.endswith("__*"):
        tool = tool[:-3]  # every tool of the server, the same as `mcp__server`
    if tool.startswith("mcp__") and not _MCP_NAME.match(tool):
        raise RuleError(f"invalid rule {text!r}: an MCP rule is mcp__<server> or mcp__<server>__<tool>")
    if not _TOOL_NAME.match(tool):
        raise RuleError(f"invalid rule {text!r}: {tool!r} is not a tool name")
    if tool not in KNOWN_TOOLS:
        for known in KNOWN_TOOLS:
            if known.lower() == tool.lower():
                raise RuleError(f"invalid rule {text!r}: unknown tool {tool!r}; did you mean {known!r}?")
    if spec is None:
        return Rule(text=stripped, tool=tool, kind="tool")
    if tool == SHELL_TOOL:
        return _parse_bash(tool, spec, stripped)
    if tool in PATH_TOOLS:
        try:
            pattern = parse_path_pattern(spec)
        except PathPatternError as exc:
            raise RuleError(f"invalid rule {text!r}: {exc}") from None
        return Rule(text=stripped, tool=tool, kind="path", path=pattern, specifier=spec.strip())
    if tool in SESSION_TOOLS or tool == EXIT_PLAN_TOOL:
        raise RuleError(f"invalid rule {text!r}: {tool} takes no specifier; write just {tool!r}")
    if tool == WEB_FETCH_TOOL:
        domain = spec.strip()[len("domain:") :] if spec.strip().startswith("domain:") else ""
        if not valid_domain(domain):
            raise RuleError(
                f"invalid rule {text!r}: a WebFetch rule names a domain, as in 'WebFetch(domain:example.com)'"
            )
    return Rule(text=stripped, tool=tool, kind="generic", specifier=spec.strip())


def split_rule_list(text: str) -> list[str]:
    """Split a CLI rule list (`--allowedTools "Bash(git diff:*),Read Edit"`) into rules.

    Commas and whitespace separate rules, except inside parentheses.
    """
    rules: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        if depth == 0 and (ch == "," or ch.isspace()):
            if "".join(current).strip():
                rules.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    if "".join(current).strip():
        rules.append("".join(current).strip())
    if depth:
        raise RuleError(f"unbalanced parentheses in rule list {text!r}")
    return rules

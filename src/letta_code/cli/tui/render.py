"""Pure rendering helpers of the TUI: tool one-liners, result summaries, diffs, status line.

Nothing here touches the terminal or the service; every function turns data into
text or a rich renderable, so the look of the UI is unit-testable at any width
and with NO_COLOR.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.markdown import CodeBlock, Markdown
from rich.segment import Segment
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from letta_code.cli.notices import format_tokens
from letta_code.schemas.chunks import AssistantChunk, ToolArguments, UserChunk
from letta_code.schemas.state import AgentState

CODE_THEME = "ansi_dark"
REASONING_PREVIEW_LINES = 3
DIFF_MAX_LINES = 60
BULLET = "●"
RESULT_PREFIX = "  ⎿  "

# Which argument identifies a call of each known tool (first present one wins).
KEY_ARGS: dict[str, tuple[str, ...]] = {
    "Bash": ("command",),
    "BashOutput": ("bash_id", "shell_id"),
    "KillBash": ("bash_id", "shell_id"),
    "Read": ("file_path",),
    "Write": ("file_path",),
    "Edit": ("file_path",),
    "MultiEdit": ("file_path",),
    "NotebookEdit": ("notebook_path",),
    "Grep": ("pattern",),
    "Glob": ("pattern",),
    "LS": ("path",),
    "WebFetch": ("url",),
    "WebSearch": ("query",),
    "memory_replace": ("label",),
    "memory_insert": ("label",),
    "memory_rethink": ("label",),
    "memory": ("path", "command"),
    "conversation_search": ("query",),
    "archival_memory_search": ("query",),
    "archival_memory_insert": ("content",),
}
PATH_ARGS = {"file_path", "notebook_path", "path"}
EDIT_TOOLS = {"Edit", "Write", "MultiEdit"}


class _PlainBackgroundCode(CodeBlock):
    """A fenced code block highlighted on the terminal's own background, indented by 2."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        code = str(self.text).rstrip()
        yield Syntax(
            code,
            self.lexer_name,
            theme=self.theme,
            word_wrap=True,
            padding=(0, 0, 0, 2),
            background_color="default",
        )


class AgentMarkdown(Markdown):
    elements = {**Markdown.elements, "fence": _PlainBackgroundCode, "code_block": _PlainBackgroundCode}


class Trimmed:
    """Render `renderable` without the spaces rich pads lines with (clean copy & paste)."""

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in console.render_lines(self.renderable, options, pad=False):
            segments = list(line)
            while segments and not segments[-1].control and not segments[-1].text.strip():
                segments.pop()
            if segments and not segments[-1].control:
                last = segments[-1]
                segments[-1] = Segment(last.text.rstrip(), last.style)
            yield from segments
            yield Segment.line()


def parse_args(arguments: str | ToolArguments | None) -> ToolArguments:
    if isinstance(arguments, dict):
        return arguments
    try:
        parsed = json.loads(arguments or "{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def display_path(path: str, cwd: Path | None) -> str:
    """`path` relative to cwd when it is inside it, else as given (with ~ for home)."""
    if cwd is not None:
        try:
            full = Path(os.path.expanduser(path))
            if not full.is_absolute():
                return os.path.normpath(path)
            return os.path.relpath(full, cwd) if full.is_relative_to(cwd) else tilde(str(full))
        except (ValueError, OSError):
            return path
    return path


def tilde(path: str) -> str:
    home = str(Path.home())
    return "~" + path[len(home) :] if home != "/" and path.startswith(home + os.sep) else path


def one_line(text: str, width: int) -> str:
    """The first line of `text`, cut to `width` characters with an ellipsis."""
    lines = text.strip().splitlines()
    first = lines[0] if lines else ""
    if len(lines) > 1:
        first += " …"
    return clip(first, width)


def clip(text: str, width: int) -> str:
    if width <= 0:
        return ""
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def key_argument(name: str, args: ToolArguments, cwd: Path | None = None) -> str:
    """The argument that says what a call does: the command, the file path, the pattern..."""
    keys = KEY_ARGS.get(name)
    if keys is None:
        keys = tuple(k for k, v in args.items() if isinstance(v, str | int | float) and not isinstance(v, bool))
    for key in keys:
        value = args.get(key)
        if value is None or value == "":
            continue
        text = str(value)
        if key in PATH_ARGS:
            text = display_path(text, cwd)
        if name in ("Grep", "Glob") and args.get("path"):
            text = f"{text} in {display_path(str(args['path']), cwd)}"
        return text
    if name == "TodoWrite" and isinstance(args.get("todos"), list):
        return f"{len(args['todos'])} todos"
    return ""


def tool_line(name: str, args: ToolArguments, width: int, cwd: Path | None = None) -> str:
    """`Bash(ls -la)` — the tool and its key argument on one line of at most `width` chars."""
    key = key_argument(name, args, cwd)
    if not key:
        return clip(name, width)
    room = width - len(name) - 2
    return f"{name}({one_line(key, max(room, 1))})"


def count_lines(text: str) -> int:
    return len(text.splitlines()) if text else 0


def result_summary(name: str, output: str, status: str, width: int) -> str:
    """A short summary of a tool's result: the first line, and how many lines followed."""
    text = output.strip()
    n = count_lines(text)
    if status == "error":
        lines = [ln.strip() for ln in text.splitlines() if ln.strip() and ln.strip() != "(no output)"]
        if not lines:
            return "Error"
        more = f" (+{len(lines) - 1} lines)" if len(lines) > 1 else ""
        return clip(lines[0], width - len(more)) + more
    if not text:
        return "(no output)"
    if name == "Read":
        return clip(f"Read {n} line{'s' if n != 1 else ''}", width)
    if name in ("Glob",) and n > 1:
        return clip(f"Found {n} files", width)
    more = f" (+{n - 1} lines)" if n > 1 else ""
    first = text.splitlines()[0].strip()
    return clip(first, width - len(more)) + more


def format_elapsed(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


# ---------------------------------------------------------------- diffs
def diff_stats(diff_lines: Iterable[str]) -> tuple[int, int]:
    added = removed = 0
    for line in diff_lines:
        if line.startswith("+") and not line.startswith("+++"):
            added += 1
        elif line.startswith("-") and not line.startswith("---"):
            removed += 1
    return added, removed


def render_diff(diff_lines: list[str], max_lines: int = DIFF_MAX_LINES, indent: str = "") -> Text:
    """A unified diff, coloured: additions green, removals red, hunk headers cyan."""
    out = Text()
    shown = diff_lines[:max_lines]
    for line in shown:
        if line.startswith(("+++", "---")):
            style = "bold"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("-"):
            style = "red"
        elif line.startswith("@@"):
            style = "cyan"
        else:
            style = "default"
        out.append(indent)
        out.append(line, style=style)
        out.append("\n")
    if len(diff_lines) > max_lines:
        out.append(f"{indent}… {len(diff_lines) - max_lines} more diff lines\n", style="dim")
    out.rstrip()
    return out


# ---------------------------------------------------------------- messages
def reasoning_text(text: str, full: bool, preview_lines: int = REASONING_PREVIEW_LINES) -> Text:
    """Reasoning, dimmed; cut to a few lines unless `full` (the /reasoning toggle)."""
    lines = text.strip().splitlines() or [""]
    shown = lines if full else lines[:preview_lines]
    out = Text(style="dim italic")
    out.append("✻ ")
    out.append("\n  ".join(shown))
    if len(lines) > len(shown):
        more = len(lines) - len(shown)
        out.append(f"\n  … +{more} more line{'s' if more != 1 else ''} (/reasoning to show all)", style="dim")
    return out


def assistant_markdown(text: str) -> RenderableType:
    """Assistant text rendered as Markdown (code blocks syntax-highlighted) after a bullet."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=1, no_wrap=True)
    grid.add_column(ratio=1)
    grid.add_row(Text(BULLET), AgentMarkdown(text.strip(), code_theme=CODE_THEME, inline_code_lexer="text"))
    return Trimmed(grid)


def tool_header(name: str, args: ToolArguments, width: int, cwd: Path | None, status: str | None = None) -> Text:
    style = {"success": "green", "error": "red", "interrupted": "yellow"}.get(status or "", "default")
    line = Text()
    line.append(BULLET + " ", style=style)
    line.append(tool_line(name, args, max(width - 2, 10), cwd), style="bold")
    return line


def result_line(summary: str, status: str = "success", suffix: str = "") -> Text:
    line = Text(RESULT_PREFIX, style="dim")
    line.append(summary, style="red" if status == "error" else ("yellow" if status == "interrupted" else ""))
    if suffix:
        line.append(f" {suffix}", style="dim")
    return line


# ---------------------------------------------------------------- status line
def status_line(
    width: int,
    *,
    agent_name: str,
    model: str,
    mode: str,
    context_tokens: int | None,
    context_window: int,
    total_tokens: int,
    hint: str | None = None,
    sandbox: str | None = None,
    estimated: bool = False,
    context_estimated: bool = False,
) -> str:
    """The bottom toolbar: agent · model · mode · sandbox · context use · tokens, fitted to `width`.

    Less important parts are dropped first when the terminal is narrow. `sandbox` is
    the Bash sandbox's backend (`bubblewrap`, `landlock`) or `off`; None leaves it out.
    `estimated`: the model server reported no usage, so the counts are ours (shown `~3.1k`);
    `context_estimated`: only the context size is an estimate (the service's, after /compact).
    `context_tokens` None: not known until the next model call measures it (`ctx ?`).
    """
    mark = "~" if estimated else ""
    cmark = "~" if estimated or context_estimated else ""
    if context_tokens is None:
        ctx = f"ctx ? (?/{format_tokens(context_window)})"
    else:
        pct = (100 * context_tokens // context_window) if context_window else 0
        ctx = f"ctx {cmark}{pct}% ({cmark}{format_tokens(context_tokens)}/{format_tokens(context_window)})"
    parts = [
        (0, agent_name),
        (2, model),
        (0, f"⏵ {mode}"),
        *([(1, "sandbox off" if sandbox == "off" else "sandbox on")] if sandbox else []),
        (1, ctx),
        (3, f"{mark}{format_tokens(total_tokens)} tokens"),
        (4, "shift+tab: mode"),
    ]
    if hint:
        parts.insert(0, (-1, hint))
    sep = " · "
    line = ""
    for drop in (None, 4, 3, 2, 1):
        chosen = [text for prio, text in parts if drop is None or prio < drop]
        line = " " + sep.join(chosen)
        if len(line) <= width:
            return line
    return clip(line, width)


def two_columns(rows: list[tuple[str, str]], left_style: str = "bold") -> RenderableType:
    """A label column and a wrapping text column (wrapped lines stay indented)."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True, style=left_style)
    grid.add_column(overflow="fold")
    for left, right in rows:
        grid.add_row(left, right)
    return Trimmed(grid)


def session_stats(
    *, seconds: float, turns: int, prompt_tokens: int, completion_tokens: int, tool_calls: int, denied: int = 0
) -> Text:
    """The summary `/exit` prints; `tool_calls` counts every call the model made, `denied` those refused."""
    total = prompt_tokens + completion_tokens
    out = Text()
    out.append("Session stats\n", style="bold")
    out.append(f"  Duration:    {format_elapsed(seconds)}\n")
    out.append(f"  Turns:       {turns}\n")
    out.append(f"  Tokens:      {total:,} ({prompt_tokens:,} prompt + {completion_tokens:,} completion)\n")
    out.append(f"  Tool calls:  {tool_calls}" + (f" ({denied} denied)" if denied else ""))
    return out


def memory_blocks(blocks: list[Any]) -> RenderableType:
    """Each memory block: label, chars used / limit, then its value."""
    parts: list[RenderableType] = []
    for block in blocks:
        head = Text()
        head.append(block.label, style="bold")
        head.append(f"  {len(block.value):,}/{block.limit:,} chars", style="dim")
        if getattr(block, "read_only", False):
            head.append("  (read-only)", style="dim")
        if getattr(block, "description", None):
            head.append(f"\n  {block.description}", style="dim italic")
        parts.append(head)
        body = Table.grid(padding=(0, 1))
        body.add_column(no_wrap=True, style="dim")
        body.add_column(overflow="fold")
        body.add_row("  │", Text(block.value or "(empty)"))
        parts.append(body)
        parts.append(Text(""))
    if not parts:
        return Text("This agent has no memory blocks.", style="dim")
    return Trimmed(Group(*parts))


def message_text(message: AssistantChunk | UserChunk) -> str:
    content = message.get("content")
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return str(content or "")


def session_banner(
    agent: AgentState, conversation_id: str, cwd: Path, *, created_agent: bool, switched_from: str | None
) -> Text:
    """What the interactive session prints first: the agent, its conversation, where it works."""
    out = Text()
    out.append("✻ Letta Code", style="bold")
    out.append(f"  {agent.name}", style="bold cyan")
    out.append(f" · {agent.model}\n", style="dim")
    out.append(f"  agent {agent.id}\n", style="dim")
    out.append(f"  conversation {conversation_id}\n", style="dim")
    out.append(f"  cwd {cwd}\n", style="dim")
    if created_agent:
        out.append("  Created a new agent for this directory.\n")
    if switched_from:
        out.append(f"  Switched the agent's model from {switched_from}.\n")
    out.append("  /help for commands · Shift+Tab permission mode · Esc interrupts", style="dim")
    return out

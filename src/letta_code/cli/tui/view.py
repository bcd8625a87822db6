"""The transcript of a running turn: chunks in, rich output out.

Finished things (an assistant message as Markdown, reasoning, a tool call with its
result) are printed once, into the terminal's scrollback. What is still changing
(the message being streamed, the tools running, a spinner with the elapsed time)
lives in a small transient `rich.live.Live` region under it, which is redrawn in
place and erased when the turn ends, so the scrollback stays clean.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.text import Text

from letta_code.cli.notices import compaction_note
from letta_code.cli.tui import render
from letta_code.cli.tui.diffs import FileSnapshots
from letta_code.cli.tui.questions import answers_summary
from letta_code.cli.tui.todos import TODO_TOOL, todo_list
from letta_code.harness.executor import PendingCall
from letta_code.harness.questions import ASK_TOOL
from letta_code.schemas.chunks import CompactionEventData, StreamChunk, ToolArguments, ToolReturnChunk, UsageChunk
from letta_code.tools.base import ToolResult

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
# How the executor answers a local call that a deny rule (or the permission mode) refused.
RULE_DENIAL = "Permission denied"
STOP_NOTES = {
    "cancelled": "Interrupted by the user",
    "max_steps": "Stopped: the turn reached the step limit (--max-steps)",
    "max_tokens_exceeded": "Stopped: the model's output limit was reached",
    "llm_api_error": "Stopped: the model provider returned an error",
    "invalid_llm_response": "Stopped: the model sent an invalid response",
    "invalid_tool_call": "Stopped: the model made an invalid tool call",
    "error": "Stopped: error",
}


def _tail_lines(text: str, rows: int, width: int) -> str:
    """The trailing source lines of `text` that can fill `rows` rows `width` wide.

    Lines wrap independently, so wrapping this tail gives the same last rows as
    wrapping all of `text`, without re-wrapping a long answer on every refresh.
    """
    lines = text.split("\n")
    needed, start = 0, len(lines)
    while start > 0 and needed < rows:
        start -= 1
        needed += max(1, len(lines[start]) // max(width, 1))
    return "\n".join(lines[start:])


@dataclass
class _Open:
    kind: str  # "assistant_message" | "reasoning_message"
    key: str
    message_id: str = ""
    text: str = ""


@dataclass
class _Running:
    name: str
    args: ToolArguments
    started: float = field(default_factory=time.monotonic)


class TurnView:
    def __init__(
        self,
        console: Console,
        *,
        cwd: Path,
        full_reasoning: bool = False,
        live: bool | None = None,
        on_usage: Callable[[UsageChunk], None] | None = None,
        on_tool_count: Callable[[], None] | None = None,
        on_tool_denied: Callable[[], None] | None = None,
        on_reasoning: Callable[[str], None] | None = None,
        on_compaction: Callable[[CompactionEventData], None] | None = None,
        typeahead: Callable[[], str] | None = None,
        subagent_tool: Callable[[str], str | None] | None = None,
    ) -> None:
        self.console = console
        self.cwd = cwd
        self.full_reasoning = full_reasoning
        self.use_live = (console.is_terminal and not console.is_dumb_terminal) if live is None else live
        self.on_usage = on_usage
        self.on_tool_count = on_tool_count  # once per tool call the model made (denied ones too)
        self.on_tool_denied = on_tool_denied  # once per call refused (by the user or a deny rule)
        self.on_reasoning = on_reasoning
        self.on_compaction = on_compaction
        self.typeahead = typeahead or (lambda: "")
        # tool_call_id of a running Task call -> the tool its subagent runs now (None: none)
        self.subagent_tool = subagent_tool or (lambda call_id: None)
        self.started = time.monotonic()
        self.snapshots = FileSnapshots(cwd)
        self._open: _Open | None = None
        self._calls: dict[str, tuple[str, ToolArguments]] = {}  # tool_call_id -> (name, args)
        self._running: dict[str, _Running] = {}
        self._done: set[str] = set()
        self._counted: set[str] = set()  # calls counted for the session stats
        self._requested: set[str] = set()  # client calls the model asked for (approval requests)
        self._started: set[str] = set()  # local calls that ran (or run)
        self._denied: set[str] = set()
        self._live: Live | None = None
        self.status_text = "Thinking…"
        self.stop_reason: str | None = None
        self.cancelling = False  # set on interrupt: the stop notes of the wind-down are not shown

    # ------------------------------------------------------------ live region
    def start(self) -> None:
        if self.use_live and self._live is None:
            self._live = Live(
                get_renderable=self._live_renderable,
                console=self.console,
                transient=True,
                auto_refresh=False,
                redirect_stdout=False,
                redirect_stderr=False,
                vertical_overflow="crop",
            )
            self._live.start(refresh=True)

    def stop(self) -> None:
        if self._live is not None:
            live, self._live = self._live, None
            live.stop()

    def refresh(self) -> None:
        if self._live is not None:
            self._live.refresh()

    def _live_renderable(self) -> RenderableType:
        width = self.console.width
        parts: list[RenderableType] = []
        typed = self.typeahead()
        if self._open is not None and self._open.text.strip():
            budget = max(3, self.console.height - 4 - len(self._running) - (1 if typed else 0))
            style = "dim italic" if self._open.kind == "reasoning_message" else ""
            source = _tail_lines(self._open.text.rstrip(), budget, width - 2)
            lines = Text(source, style=style).wrap(self.console, width - 2)
            tail = Text("\n").join(list(lines)[-budget:])
            parts.append(Text("  ").append_text(tail) if style else tail)
        frame = SPINNER[int(time.monotonic() * 10) % len(SPINNER)]
        for call_id, run in self._running.items():
            line = Text(f"{frame} ", style="cyan")
            line.append(render.tool_line(run.name, run.args, width - 12, self.cwd), style="bold")
            line.append(f" {render.format_elapsed(time.monotonic() - run.started)}", style="dim")
            parts.append(line)
            inner = self.subagent_tool(call_id)
            if inner:  # a Task call: what its subagent is doing
                parts.append(Text(f"  ⎿ {render.clip(inner, width - 6)}", style="dim"))
        if not self._running:
            status = Text(f"{frame} ", style="magenta")
            status.append(self.status_text)
            status.append(
                f" ({render.format_elapsed(time.monotonic() - self.started)} · esc to interrupt)", style="dim"
            )
            parts.append(status)
        if typed:  # type-ahead, on one row (its end when long): it becomes the next prompt's text
            shown = typed.replace("\n", " ")
            if len(shown) > width - 3:
                shown = "…" + shown[-max(width - 4, 1) :]
            parts.append(Text("> ", style="bold").append(shown))
        return Group(*parts)

    def print(self, renderable: RenderableType) -> None:
        self.console.print(renderable)
        self.refresh()

    # ------------------------------------------------------------ chunks
    def on_chunk(self, chunk: StreamChunk) -> None:
        kind = chunk["message_type"]
        if chunk["message_type"] in ("assistant_message", "reasoning_message"):
            key = str(chunk.get("otid") or chunk.get("id") or "")
            if chunk["message_type"] == "assistant_message":
                piece = render.message_text(chunk)
            else:
                piece = str(chunk.get("reasoning") or "")
            if self._open is None or self._open.kind != kind or self._open.key != key:
                self.finish_message()
                self._open = _Open(kind, key, str(chunk.get("id") or ""))
                self.status_text = "Thinking…" if kind == "reasoning_message" else "Writing…"
            self._open.text += piece
            self.refresh()
            return
        if chunk["message_type"] == "event_message" and chunk["event_type"] == "message_superseded":
            # A restarted server redoes the step it was cut off in: its partial text goes.
            if self._open is not None and self._open.message_id == (chunk.get("event_data") or {}).get("message_id"):
                self._open = None
                self.refresh()
            return
        self.finish_message()
        if chunk["message_type"] == "approval_request_message":
            for call in chunk.get("tool_calls") or [chunk.get("tool_call") or {}]:
                if call.get("tool_call_id"):
                    self._calls[call["tool_call_id"]] = (
                        str(call.get("name")),
                        render.parse_args(call.get("arguments")),
                    )
                    self._requested.add(str(call["tool_call_id"]))
                    self._count(str(call["tool_call_id"]))
        elif chunk["message_type"] == "tool_call_message":
            tool_call = chunk.get("tool_call") or {}
            name, args = str(tool_call.get("name")), render.parse_args(tool_call.get("arguments"))
            self._calls[str(tool_call.get("tool_call_id"))] = (name, args)
            self._count(str(tool_call.get("tool_call_id")))
        elif chunk["message_type"] == "tool_return_message":
            self._tool_return(chunk)
        elif chunk["message_type"] == "stop_reason":
            self.stop_reason = chunk.get("stop_reason")
            note = STOP_NOTES.get(str(self.stop_reason))
            if self.cancelling and self.stop_reason in ("cancelled", "max_steps"):
                note = None
            if note:
                style = "yellow" if self.stop_reason in ("cancelled", "max_steps") else "red"
                self.print(render.result_line(note, "interrupted" if style == "yellow" else "error"))
        elif chunk["message_type"] == "usage_statistics":
            if self.on_usage:
                self.on_usage(chunk)
        elif chunk["message_type"] == "event_message" and chunk["event_type"] == "compaction":
            self.print(Text(compaction_note(chunk.get("event_data") or {}), style="dim"))
            if self.on_compaction:
                self.on_compaction(chunk.get("event_data") or {})
        elif chunk["message_type"] == "error_message":
            message = chunk.get("message") or chunk.get("detail") or "unknown error"
            self.print(Text(f"Error: {message}", style="bold red"))
        self.status_text = "Thinking…"
        self.refresh()

    def finish_message(self) -> None:
        """Print the message that was streaming, in its final form."""
        current, self._open = self._open, None
        if current is None or not current.text.strip():
            return
        if current.kind == "reasoning_message":
            self.print(render.reasoning_text(current.text, self.full_reasoning))
            if self.on_reasoning:
                self.on_reasoning(current.text)
        else:
            self.print(render.assistant_markdown(current.text))

    def _count(self, call_id: str) -> None:
        if call_id and call_id not in self._counted:
            self._counted.add(call_id)
            if self.on_tool_count:
                self.on_tool_count()

    def _count_denied(self, call_id: str) -> None:
        self._count(call_id)
        if call_id not in self._denied:
            self._denied.add(call_id)
            if self.on_tool_denied:
                self.on_tool_denied()

    def _tool_return(self, chunk: ToolReturnChunk) -> None:
        call_id = str(chunk.get("tool_call_id") or "")
        output, status = str(chunk.get("tool_return") or ""), str(chunk.get("status") or "success")
        if call_id in self._requested and call_id not in self._started and output.startswith(RULE_DENIAL):
            self._count_denied(call_id)  # a local call a deny rule (or the mode) refused: it never ran
        if call_id in self._done:
            return
        self._done.add(call_id)
        name, args = self._calls.get(call_id, (str(chunk.get("name") or "tool"), {}))
        width = self.console.width
        self.print(render.tool_header(name, args, width, self.cwd, status))
        self.print(render.result_line(render.result_summary(name, output, status, width - 6), status))

    # ------------------------------------------------------------ local tools
    def on_tool(self, call: PendingCall, phase: str, result: ToolResult | None, seconds: float) -> None:
        """The executor's observer: a spinner while a tool runs, then its summary (and diff)."""
        name, args = call.name, call.args()
        if phase == "start":
            self._calls[call.tool_call_id] = (name, args)
            self.snapshots.before(call.tool_call_id, name, args)
            self._running[call.tool_call_id] = _Running(name, args)
            self._started.add(call.tool_call_id)
            self._count(call.tool_call_id)
            self.refresh()
            return
        self._running.pop(call.tool_call_id, None)
        self._done.add(call.tool_call_id)
        status = getattr(result, "status", "success")
        output = getattr(result, "output", "")
        width = self.console.width
        self.print(render.tool_header(name, args, width, self.cwd, status))
        change = self.snapshots.after(call.tool_call_id) if status == "success" else None
        if change and change[0]:
            diff, created = change
            added, removed = render.diff_stats(diff)
            path = render.display_path(str(args.get("file_path")), self.cwd)
            if created:
                summary = f"Created {path} ({added} line{'s' if added != 1 else ''})"
            else:
                summary = f"Updated {path}: +{added} -{removed} lines"
            self.print(render.result_line(render.clip(summary, width - 6), status, render.format_elapsed(seconds)))
            self.print(render.render_diff(diff, indent="     "))
        elif name == TODO_TOOL and status == "success":  # the list itself, as Claude Code shows it
            self.print(todo_list(args.get("todos"), width))
        elif name == ASK_TOOL:  # each question and the user's answer
            self.print(answers_summary(output, status, width))
        else:
            summary = render.result_summary(name, output, status, width - 14)
            self.print(render.result_line(summary, status, render.format_elapsed(seconds)))

    def mark_answered(self, call_id: str) -> None:
        """The approval prompt already showed this call's outcome (a denial): don't repeat it."""
        self._done.add(call_id)

    def mark_declined(self, call_id: str) -> None:
        """The user said No to this call in the approval prompt."""
        self._count_denied(call_id)

    def running_tools(self) -> list[str]:
        return [run.name for run in self._running.values()]

    def interrupted(self) -> None:
        """The user stopped the turn: close the open message, mark running tools."""
        self.finish_message()
        for call_id, run in list(self._running.items()):
            self._done.add(call_id)
            self.print(render.tool_header(run.name, run.args, self.console.width, self.cwd, "interrupted"))
            self.print(render.result_line("Interrupted", "interrupted"))
        self._running.clear()
        self.print(render.result_line(STOP_NOTES["cancelled"], "interrupted"))
        self.stop_reason = "cancelled"

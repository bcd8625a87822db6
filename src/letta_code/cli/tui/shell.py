"""`!command`: run a shell command in the working directory and show its output.

The output goes to the terminal only; it is not sent to the agent.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

from rich.console import Console
from rich.text import Text

from letta_code.cli.tui import render
from letta_code.cli.tui.widgets import KeyWatcher

MAX_SHOWN_LINES = 400


def user_shell() -> str:
    shell = os.environ.get("SHELL") or ""
    return shell if shell and os.path.exists(shell) else "/bin/sh"


MAX_LINE_CHARS = 2000
READ_CHUNK = 65536


async def output_lines(stream: asyncio.StreamReader) -> AsyncIterator[bytes]:
    """The lines of a command's output, however long (readline() fails past 64 KiB)."""
    pending = b""
    while chunk := await stream.read(READ_CHUNK):
        *lines, pending = (pending + chunk).split(b"\n")
        for line in lines:
            yield line
        if len(pending) > 4 * READ_CHUNK:  # one enormous line: show its start, drop the rest
            yield pending
            pending = b""
    if pending:
        yield pending


class ShellCommand:
    def __init__(self, command: str, cwd: Path, console: Console) -> None:
        self.command = command
        self.cwd = cwd
        self.console = console
        self.proc: asyncio.subprocess.Process | None = None
        self.killed = False

    async def run(self) -> int:
        """Run to completion (or until `kill`); returns the exit code."""
        self.console.print(Text(f"! {self.command}", style="bold magenta"))
        started = time.monotonic()
        self.proc = await asyncio.create_subprocess_exec(
            user_shell(),
            "-c",
            self.command,
            cwd=self.cwd,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        assert self.proc.stdout is not None
        shown = hidden = 0
        async for raw in output_lines(self.proc.stdout):
            if shown < MAX_SHOWN_LINES:
                line = raw.decode("utf-8", "replace").rstrip("\r")
                if len(line) > MAX_LINE_CHARS:
                    line = line[:MAX_LINE_CHARS] + f"… ({len(line) - MAX_LINE_CHARS} more characters)"
                self.console.print(Text("  " + line), highlight=False)
                shown += 1
            else:
                hidden += 1
        code = await self.proc.wait()
        if hidden:
            self.console.print(Text(f"  … {hidden} more lines", style="dim"))
        elapsed = render.format_elapsed(time.monotonic() - started)
        if self.killed:
            self.console.print(render.result_line("Interrupted", "interrupted", elapsed))
        elif code != 0:
            self.console.print(render.result_line(f"exit code {code}", "error", elapsed))
        elif shown == 0:
            self.console.print(render.result_line("(no output)", "success", elapsed))
        return code

    def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.killed = True
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGTERM)


async def run_shell_command(command: str, cwd: Path, console: Console, watcher: KeyWatcher) -> None:
    """`!command` in the TUI: run it with any key killing it, its output on the terminal only."""
    if not command:
        console.print(Text("Usage: !command (runs in the working directory)", style="dim"))
        return
    shell = ShellCommand(command, cwd, console)
    watcher.start(lambda key: shell.kill())
    try:
        await shell.run()
    except OSError as exc:
        console.print(Text(f"Could not run the command: {exc}", style="red"))
    finally:
        watcher.stop()

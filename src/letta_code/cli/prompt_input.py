"""The prompt of `letta -p`: the `-p` argument, and whatever is piped on stdin, read to its end.

Both arrive as bytes that need not be UTF-8 (`printf 'caf\\xe9' | letta -p`, a Latin-1
file name in an argument). Python hands argv over with undecodable bytes as lone
surrogates, which no database, JSON body or model server takes; here every byte that is
not UTF-8 becomes U+FFFD, so the prompt that reaches the service is valid text.

A pipe is read until it ends, however long its writer takes (`(sleep 1; git diff) |
letta -p "Review this diff"`); when that takes more than `SLOW_STDIN_SECONDS`, one line on
stderr says what letta waits for. /dev/null, a closed stdin and a finished pipe end at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
from typing import BinaryIO

from letta_code.cli.args import CliOptions, CliUsageError

SLOW_STDIN_SECONDS = 2.0
SLOW_STDIN_NOTE = "letta: reading stdin until it ends (pass </dev/null to send none)"


def valid_text(text: str) -> str:
    """`text` with the lone surrogates of undecodable bytes (argv, surrogateescape) as U+FFFD."""
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that is no escaped byte
        raw = text.encode("utf-8", "surrogatepass")
    return raw.decode("utf-8", "replace")


def piped_stdin() -> BinaryIO | None:
    """stdin's bytes when something other than a terminal is on it; None for a terminal or none."""
    stream = sys.stdin
    if stream is None:  # closed (`letta -p hi <&-`)
        return None
    try:
        if stream.isatty():
            return None
    except (OSError, ValueError):
        return None
    buffer: BinaryIO | None = getattr(stream, "buffer", None)
    return buffer


async def read_to_end(stream: BinaryIO, note_after: float = SLOW_STDIN_SECONDS) -> str:
    """All of `stream`, decoded (bad bytes as U+FFFD); the note on stderr if it is slow.

    The read runs in a daemon thread, so Ctrl-C (which cancels the waiting task) is not
    held up by a writer that never ends, nor is the exit of the process.
    """
    loop = asyncio.get_running_loop()
    done: asyncio.Future[bytes] = loop.create_future()

    def deliver(data: bytes) -> None:
        if not done.done():
            done.set_result(data)

    def reader() -> None:
        # os.read on the descriptor, not stream.read(): a thread blocked inside the buffered
        # reader holds its lock, and the interpreter's exit (after Ctrl-C) aborts on that lock.
        chunks: list[bytes] = []
        try:
            fd = stream.fileno()
        except (OSError, ValueError):  # not a real file (a test's stand-in): read it as it is
            fd = None
        try:
            if fd is None:
                chunks.append(stream.read())
            while fd is not None and (chunk := os.read(fd, 65536)):
                chunks.append(chunk)
        except (OSError, ValueError):  # closed or failing under us: what came is what we have
            pass
        data = b"".join(chunks)
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody waits any more
            loop.call_soon_threadsafe(deliver, data)

    threading.Thread(target=reader, name="letta-stdin", daemon=True).start()
    # asyncio.wait, not wait_for: on Python 3.11, wait_for returns the result and drops a
    # Ctrl-C that arrives together with the end of the pipe, and the turn would then run.
    finished, _ = await asyncio.wait({done}, timeout=note_after)
    if not finished:
        print(SLOW_STDIN_NOTE, file=sys.stderr, flush=True)
    data = await done
    return data.decode("utf-8", "replace")


async def read_prompt(args: CliOptions) -> str:
    """The `-p` text, followed by the piped input (or the piped input alone)."""
    if args.resume:
        raise CliUsageError(
            "--resume opens a conversation picker, which needs the interactive mode; "
            "in headless mode use --continue, or --agent ID"
        )
    prompt = valid_text(args.prompt or "")
    stream = piped_stdin()
    if stream is not None:
        piped = await read_to_end(stream)
        if piped.strip():
            prompt = f"{prompt}\n\n{piped}" if prompt else piped
    if not prompt.strip():
        raise CliUsageError('no prompt: pass one with -p "..." or pipe it on stdin')
    return prompt

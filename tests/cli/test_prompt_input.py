"""The prompt of `letta -p` from its argument and its stdin: bytes that are not UTF-8,
pipes whose writer is slow, and stdins that are empty or closed (real `letta` processes)."""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
import subprocess
import threading
import time

import pytest

from letta_code.cli.prompt_input import SLOW_STDIN_NOTE, read_to_end, valid_text
from letta_code.testing import ModelServer, Reply
from tests.conftest import Letta, letta_executable, with_ctrl_c

MODEL = ["-m", "openai/gpt-4.1"]


def run_bytes(letta: Letta, *args: str | bytes, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*letta_executable(), *args],
        cwd=letta.cwd,
        env=letta.env,
        input=stdin if stdin is not None else b"",
        capture_output=True,
        timeout=60,
    )


def stored_user_texts(letta: Letta) -> list[str]:
    with sqlite3.connect(letta.home / "letta.db") as db:
        rows = db.execute("SELECT content FROM messages WHERE role = 'user' ORDER BY seq").fetchall()
    return ["".join(part.get("text", "") for part in json.loads(row[0])) for row in rows]


def test_invalid_utf8_on_stdin_is_replaced_and_the_conversation_goes_on(
    letta: Letta, model_server: ModelServer
) -> None:
    model_server.script([Reply(text="first"), Reply(text="second")])
    first = run_bytes(letta, "-p", *MODEL, stdin=b"caf\xe9\n")
    assert first.returncode == 0, first.stderr
    assert model_server.last_user_text() == "caf\ufffd\n"
    second = run_bytes(letta, "-p", "hi", *MODEL)
    assert second.returncode == 0, second.stderr
    assert second.stdout == b"second\n"
    assert stored_user_texts(letta) == ["caf\ufffd\n", "hi"]


def test_invalid_utf8_in_the_prompt_argument_is_replaced(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(text="first"), Reply(text="second")])
    first = run_bytes(letta, "-p", b"na\xefve \xff", *MODEL)
    assert first.returncode == 0, first.stderr
    assert model_server.last_user_text() == "na\ufffdve \ufffd"
    assert run_bytes(letta, "-p", "hi", *MODEL).returncode == 0


def test_a_slow_pipe_is_read_to_its_end(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(text="reviewed")])
    with subprocess.Popen(["sh", "-c", "echo part one; sleep 1.5; echo the diff"], stdout=subprocess.PIPE) as producer:
        try:
            proc = subprocess.run(
                [*letta_executable(), "-p", "Review this diff", *MODEL],
                cwd=letta.cwd,
                env=letta.env,
                stdin=producer.stdout,
                capture_output=True,
                text=True,
                timeout=60,
            )
        finally:
            producer.wait(timeout=10)
    assert proc.returncode == 0, proc.stderr
    assert model_server.last_user_text() == "Review this diff\n\npart one\nthe diff\n"
    assert SLOW_STDIN_NOTE not in proc.stderr  # under 2 s: nothing to say


def test_a_pipe_that_stays_open_is_waited_for_and_said_so(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(text="answered")])
    with subprocess.Popen(
        [*letta_executable(), "-p", "hi", *MODEL],
        cwd=letta.cwd,
        env=letta.env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        try:
            assert proc.stderr.readline().strip() == SLOW_STDIN_NOTE  # after 2 s, while still waiting
            assert proc.poll() is None and not model_server.model_requests
            proc.stdin.write("late context\n")
            proc.stdin.close()
            out, err = proc.stdout.read(), proc.stderr.read()
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0, err
    assert out == "answered\n" and err == ""
    assert model_server.last_user_text() == "hi\n\nlate context\n"


def test_ctrl_c_while_waiting_for_stdin_exits_130_cleanly(letta: Letta) -> None:
    proc = subprocess.Popen(
        with_ctrl_c([*letta_executable(), "-p", "hi", *MODEL]),
        cwd=letta.cwd,
        env=letta.env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    try:
        assert proc.stderr.readline().strip() == SLOW_STDIN_NOTE  # it waits for the pipe now
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err  # not 134: the reader thread must not abort the exit
    assert "Fatal Python error" not in err and "Traceback" not in err


def test_dev_null_and_a_closed_stdin_end_at_once(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(text="a"), Reply(text="b")])
    for shell in ('exec "$0" "$@" </dev/null', 'exec "$0" "$@" <&-'):
        started = time.monotonic()
        proc = subprocess.run(
            ["sh", "-c", shell, *letta_executable(), "-p", "hi", *MODEL],
            cwd=letta.cwd,
            env=letta.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr
        assert proc.stderr == "" and time.monotonic() - started < 15
    assert stored_user_texts(letta) == ["hi", "hi"]


def test_closed_stdin_without_a_prompt_says_how(letta: Letta) -> None:
    proc = subprocess.run(
        ["sh", "-c", 'exec "$0" "$@" <&-', *letta_executable(), "-p", *MODEL],
        cwd=letta.cwd,
        env=letta.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == ['letta: no prompt: pass one with -p "..." or pipe it on stdin']


def test_valid_text_replaces_every_kind_of_lone_surrogate() -> None:
    assert valid_text("caf\udce9") == "caf\ufffd"  # an undecodable byte, as argv carries it
    assert valid_text("a\ud800b") == "a\ufffd\ufffd\ufffdb"  # any other lone surrogate: one per byte
    assert valid_text("plain café") == "plain café"


class HeldStream:
    """A stdin stand-in whose read() returns only when released (no file descriptor)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.returned = threading.Event()

    def fileno(self) -> int:
        raise OSError("no descriptor")

    def read(self) -> bytes:
        self.release.wait(10)
        self.returned.set()
        return b"piped"


@pytest.mark.parametrize("hops", range(6))
def test_a_ctrl_c_that_comes_with_the_end_of_the_pipe_is_never_lost(hops: int) -> None:
    """The pipe ends and Ctrl-C cancels the session in the same moment: whichever callback of
    the event loop runs first (`hops` callbacks after the data is handed over), the session
    ends cancelled, never going on as if no Ctrl-C had come (asyncio.wait_for drops it on
    Python 3.11 when its future finishes at the same time)."""

    async def scenario() -> None:
        stream = HeldStream()
        loop = asyncio.get_running_loop()

        async def headless() -> None:  # the read, then the next thing the program waits for
            await read_to_end(stream, note_after=30)  # type: ignore[arg-type]
            await asyncio.sleep(2)

        task = asyncio.ensure_future(headless())
        await asyncio.sleep(0.05)  # the reader thread waits in read()

        def hop(left: int) -> None:
            if left:
                loop.call_soon(hop, left - 1)
            else:
                task.cancel()

        def end_the_pipe() -> None:  # runs in the loop: the data is handed over right now
            stream.release.set()
            stream.returned.wait(10)
            time.sleep(0.05)  # the reader thread's call_soon_threadsafe is queued by now
            loop.call_soon(hop, hops)

        loop.call_soon(end_the_pipe)
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())

"""`preload`: the real `letta` with the preload server turned on, in a socket folder of the
test's own, and every server it started killed afterwards.

A test that changes an imported file's time (`changed_code`) makes every preload server
refuse, its other tests' included: it holds `CODE_LOCK` exclusively, the others shared,
so tests on other pytest workers wait for it instead of failing."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import Letta, letta_executable

MODEL = ("-m", "openai/gpt-4.1")


@dataclass
class Preload:
    letta: Letta
    env: dict[str, str]
    usage: Path  # one line per run a server served (LETTA_PRELOAD_RUSAGE)

    @property
    def folder(self) -> Path:
        return Path(self.env["TMPDIR"]) / f"letta-preload-{os.getuid()}"

    def command(self, *args: str) -> list[str]:
        return [*letta_executable(), *args]

    def run(
        self, *args: str, env: dict[str, str] | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*args),
            cwd=self.letta.cwd,
            env=env or self.env,
            input="",
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def start(self, *args: str) -> subprocess.Popen[str]:
        """`letta ARGS` started, not waited for (stdout and stderr to pipes)."""
        return subprocess.Popen(
            self.command(*args),
            cwd=self.letta.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def served(self) -> int:
        return len(self.usage.read_text().splitlines()) if self.usage.exists() else 0

    def server_pids(self) -> list[int]:
        pids = []
        for lock in self.folder.glob("*.lock") if self.folder.exists() else []:
            text = lock.read_text().strip()
            if text.isdigit() and Path(f"/proc/{text}").exists():
                pids.append(int(text))
        return pids

    def wait_for_server(self, timeout: float = 30) -> int:
        """The pid of a server that accepts connections."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for sock_path in self.folder.glob("*.sock") if self.folder.exists() else []:
                with socket.socket(socket.AF_UNIX) as probe, contextlib.suppress(OSError):
                    probe.connect(str(sock_path))
                    pids = self.server_pids()
                    if pids:
                        return pids[0]
            time.sleep(0.05)
        raise AssertionError(f"no preload server came up in {self.folder}")

    def stop(self) -> None:
        for pid in self.server_pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


CODE_LOCK = Path(tempfile.gettempdir()) / f"letta-preload-tests-{os.getuid()}.lock"


@contextlib.contextmanager
def code_lock(exclusive: bool) -> Iterator[None]:
    with CODE_LOCK.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture
def changed_code() -> Iterator[None]:
    """For a test that changes the time of an imported file: no other preload test meanwhile."""
    with code_lock(exclusive=True):
        yield


@pytest.fixture
def preload(letta: Letta, request: pytest.FixtureRequest) -> Iterator[Preload]:
    # A short folder: a Unix socket's path must fit in 107 bytes.
    folder = Path(tempfile.mkdtemp(prefix="lp-", dir="/tmp"))
    env = {k: v for k, v in letta.env.items() if k != "XDG_RUNTIME_DIR"}
    usage = folder / "usage.txt"
    env.update(
        {
            "LETTA_PRELOAD": "1",
            "LETTA_PRELOAD_IDLE": "120",
            "LETTA_PRELOAD_RUSAGE": str(usage),
            "TMPDIR": str(folder),
        }
    )
    helper = Preload(letta=letta, env=env, usage=usage)
    with code_lock(exclusive=False) if "changed_code" not in request.fixturenames else contextlib.nullcontext():
        try:
            yield helper
        finally:
            helper.stop()
            shutil.rmtree(folder, ignore_errors=True)

"""Shared fixtures: an isolated LETTA_HOME and project directory, the scripted model server,
a folder outside both the project and the temp folder, a helper that runs the real
`letta` command, and `make_backend` (each test on both transports)."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest

from letta_code.client.backend import Backend
from letta_code.schemas.chunks import StreamChunk
from letta_code.testing import ModelServer

if TYPE_CHECKING:
    from tests.cli.test_tui_terminal import Terminal
    from tests.tools.web.site import Site

# No test's `letta -p` hands its run to a preload server or leaves one behind: that is
# tested on its own, with a private socket folder (tests/cli/preload/).
os.environ["LETTA_PRELOAD"] = "0"

# Makes a backend; call it inside the test's event loop (the HTTP client belongs to one).
BackendFactory = Callable[[], Backend]


@pytest.fixture
def site() -> Iterator[Site]:
    """A web site on 127.0.0.1 (`tests.tools.web.site`) for the web tools to fetch and search."""
    from tests.tools.web.site import Site

    server = Site().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    """The tmux terminals a test opens (`tests.cli.test_tui_terminal.start`), closed at its end;
    without tmux the test fails in one line saying how to get it."""
    from tests.cli.test_tui_terminal import TMUX

    if TMUX is None:
        pytest.fail(
            "the terminal UI tests need tmux: run 'sudo apt-get install -y tmux' (make test installs it)", pytrace=False
        )
    opened: list[Terminal] = []
    yield opened
    for term in opened:
        term.close()


@pytest.fixture(autouse=True)
def no_web_search_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own search key must not change which tools a test's session offers
    (WebSearch is offered only with a provider); the web search tests set their own."""
    from letta_code.config.web import KEY_VARS, PROVIDER_VAR, URL_VARS

    for name in (PROVIDER_VAR, *KEY_VARS.values(), *URL_VARS.values()):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def model_server() -> Iterator[ModelServer]:
    """A started scripted model server (`letta_code.testing`), one per test."""
    server = ModelServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def model_env(model_server: ModelServer, monkeypatch: pytest.MonkeyPatch) -> ModelServer:
    """`model_server`, with its OPENAI_*/ANTHROPIC_* variables (and a tiny retry delay) set in
    `os.environ` for code that runs in this process."""
    for name, value in model_server.env().items():
        monkeypatch.setenv(name, value)
    return model_server


@pytest.fixture
def letta_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "letta-home"
    home.mkdir()
    monkeypatch.setenv("LETTA_HOME", str(home))
    # No automatic reflection pass unless a test asks for one (tests/e2e/test_reflection.py):
    # a pass is a model request, and it would take a reply another test scripted for a turn.
    monkeypatch.setenv("LETTA_REFLECTION_EVERY", "0")
    return home


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    proj = tmp_path / "project"
    proj.mkdir()
    monkeypatch.chdir(proj)
    yield proj


@pytest.fixture
def outside_dir() -> Iterator[Path]:
    """A folder outside the project and outside the system temp folder (the Bash sandbox
    lets commands write to the temp folder, and pytest's tmp_path is in it)."""
    base = Path.home() / ".cache" / f"letta-test-outside-{uuid.uuid4().hex[:12]}"
    temp = Path(tempfile.gettempdir()).resolve()
    assert not base.resolve().is_relative_to(temp), f"{base} is under the temp dir {temp}"
    base.mkdir(parents=True)
    try:
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


def require_sandbox(backend: str) -> None:
    """Fail in one line when a sandbox backend the tests need does not work here."""
    from letta_code.tools.sandbox import BACKENDS, backend_works

    assert backend in BACKENDS, backend
    if not backend_works(backend):
        how = {
            "bubblewrap": "`apt-get install -y bubblewrap` (make test does it)",
            "landlock": "a Linux kernel with Landlock (5.13 or later, enabled in the LSM list)",
        }[backend]
        pytest.fail(f"the {backend} sandbox does not work here: needs {how}")


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make `path` (a file or a folder) read-only for this process, root included.

    Root ignores file modes, so for root the file is also made immutable (`chattr +i`);
    where that cannot be done the test fails in one line (never a silent skip).
    """
    before = path.stat().st_mode
    path.chmod(0o555 if path.is_dir() else 0o444)
    immutable = False
    try:
        if os.geteuid() == 0:
            done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
            if done.returncode != 0:
                pytest.fail(
                    f"running as root, and `chattr +i {path}` failed ({done.stderr.strip()}): "
                    "these tests need a file system with immutable files (ext4, xfs, tmpfs)"
                )
            immutable = True
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        path.chmod(stat.S_IMODE(before))


def letta_executable() -> list[str]:
    exe = Path(sys.executable).parent / "letta"
    if exe.exists():
        return [str(exe)]
    found = shutil.which("letta")
    return [found] if found else [sys.executable, "-m", "letta_code.cli.main"]


def with_ctrl_c(command: list[str]) -> list[str]:
    """`command`, started with SIGINT at its default, as a terminal's Ctrl-C finds it: a test
    run started in the background by a shell without job control inherits SIGINT ignored,
    and Python then installs no handler of its own for it."""
    reset = "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])"
    return [sys.executable, "-c", reset, *command]


@dataclass
class Letta:
    """Runs the real `letta` command in a project with an isolated home."""

    home: Path
    cwd: Path
    env: dict[str, str]

    def run(
        self, *args: str, input: str | None = None, cwd: Path | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*letta_executable(), *args],
            cwd=cwd or self.cwd,
            env=self.env,
            input=input if input is not None else "",
            capture_output=True,
            text=True,
            timeout=timeout,
        )


@pytest.fixture
def letta(letta_home: Path, project: Path, model_server: ModelServer) -> Letta:
    env = {
        k: v
        for k, v in os.environ.items()
        # model providers, and the web search providers (WebSearch is offered only with one)
        if not k.startswith(("OPENAI_", "ANTHROPIC_", "OLLAMA_", "LETTA_", "GEMINI_", "OPENROUTER_"))
        and not k.startswith(("BRAVE_", "TAVILY_", "EXA_", "SEARXNG_"))
    }
    env.update(model_server.env())
    env["LETTA_HOME"] = str(letta_home)
    env["LETTA_REFLECTION_EVERY"] = "0"  # as the letta_home fixture says
    env["LETTA_LLM_RETRY_BASE_DELAY"] = "0.01"
    env["NO_COLOR"] = "1"
    env["LETTA_PRELOAD"] = "0"  # as at the top of this file
    return Letta(letta_home, project, env)


@pytest.fixture(params=["embedded", "http"])
def make_backend(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    model_server: ModelServer,
) -> Iterator[BackendFactory]:
    """Each test that takes it runs twice: on the embedded service ([embedded]), and over
    HTTP against a live `letta server` app of its own on 127.0.0.1 ([http])."""
    from letta_code.client.embedded import EmbeddedBackend
    from letta_code.client.http import HttpBackend
    from tests.server.conftest import start_live_server

    if request.param == "embedded":
        yield lambda: EmbeddedBackend(tmp_path / "letta.db", model_server.env())
        return
    live, thread = start_live_server(tmp_path, model_server, api_key=None)
    try:
        yield lambda: HttpBackend(live.url)
    finally:
        thread.stop()


async def plain_chunks(stream: AsyncIterator[StreamChunk]) -> list[dict[str, Any]]:
    """A run's chunks (`AgentService.follow_run`) as plain dicts, for tests that read any key."""
    return [cast("dict[str, Any]", chunk) async for chunk in stream]

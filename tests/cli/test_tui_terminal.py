"""The interactive `letta` in a real terminal (tmux), against the scripted model server.

Each test starts the real `letta` process in a private tmux server (its own socket)
inside a temp project with LETTA_HOME in a temp dir, types like a user and polls the
screen (capture-pane) until the expected text shows up.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Letta, letta_executable
from tests.fakes.model_server import ModelServer, Reply

pytestmark = pytest.mark.slow

TMUX = shutil.which("tmux")
WAIT = 15.0
MODEL = ["-m", "openai/gpt-4.1"]
COLOUR_SGR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-7]|4[0-7]|9[0-7]|10[0-7]|38|48)(?:;[0-9;]*)?m")


class Terminal:
    """One tmux server (private socket) running one `letta` process in a 100x50 window."""

    def __init__(self, workdir: Path, env: dict[str, str], cwd: Path, args: list[str]) -> None:
        assert TMUX is not None
        self.socket = f"letta-tui-{uuid.uuid4().hex[:10]}"
        script = workdir / f"run-{self.socket}.sh"
        exports = "".join(f"export {k}={shlex.quote(v)}\n" for k, v in env.items() if k.isidentifier())
        command = " ".join(shlex.quote(part) for part in [*letta_executable(), *args])
        script.write_text(
            f"{exports}cd {shlex.quote(str(cwd))}\n{command}\necho \"[letta exited $?]\"\nsleep 600\n"
        )
        self._tmux("new-session", "-d", "-s", "main", "-x", "100", "-y", "50", "bash", "--norc", str(script))

    def _tmux(self, *args: str) -> str:
        assert TMUX is not None
        proc = subprocess.run(
            [TMUX, "-L", self.socket, "-f", "/dev/null", *args], capture_output=True, text=True, timeout=10
        )
        return proc.stdout

    def keys(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "main", *keys)

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", "main", "-l", text)

    def screen(self, escapes: bool = False) -> str:
        """Everything printed so far (scrollback and screen), wrapped lines joined."""
        flags = ["-e"] if escapes else []
        return self._tmux("capture-pane", "-p", "-J", "-S", "-", *flags, "-t", "main")

    def visible(self) -> list[str]:
        return self._tmux("capture-pane", "-p", "-t", "main").splitlines()

    def wait_for(self, *texts: str, timeout: float = WAIT) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if all(t in screen for t in texts):
                return screen
            time.sleep(0.1)
        pytest.fail(f"timed out waiting for {texts!r}; the terminal shows:\n{screen}")

    def wait_ready(self, timeout: float = WAIT) -> None:
        """Until the input prompt is active (its status toolbar is the last line on screen)."""
        deadline = time.monotonic() + timeout
        lines: list[str] = []
        while time.monotonic() < deadline:
            lines = [ln for ln in self.visible() if ln.strip()]
            if lines and "⏵" in lines[-1]:
                return
            time.sleep(0.1)
        pytest.fail("the prompt did not come back; the terminal shows:\n" + "\n".join(lines))

    def say(self, text: str) -> None:
        self.wait_ready()
        self.type(text)
        self.keys("Enter")

    def letta_pid(self) -> int:
        shell = self._tmux("display-message", "-p", "-t", "main", "#{pane_pid}").strip()
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", shell], capture_output=True, text=True).stdout
        return int(out.split()[0])

    def close(self) -> None:
        self._tmux("kill-server")


@pytest.fixture
def terminals(tmp_path: Path) -> Iterator[list[Terminal]]:
    if TMUX is None:
        pytest.skip("tmux is not installed")
    opened: list[Terminal] = []
    yield opened
    for term in opened:
        term.close()


def start(terminals: list[Terminal], letta: Letta, *args: str, color: bool = False) -> Terminal:
    env = dict(letta.env)
    env["TERM"] = "xterm-256color"
    if color:
        env.pop("NO_COLOR", None)
    term = Terminal(letta.home.parent, env, letta.cwd, [*MODEL, *args])
    terminals.append(term)
    term.wait_for("/help for commands")
    return term


def test_conversation_with_approval_memory_and_exit(
    letta: Letta, model_server: ModelServer, terminals: list[Terminal]
) -> None:
    model_server.script(
        [
            Reply(
                text="Hello from the **fake** model!\n\n```python\nprint('hi')\n```\n",
                reasoning="The user greets me.",
            ),
            Reply(tool_calls=[("Write", {"file_path": "notes.txt", "content": "alpha\nbeta\n"})]),
            Reply(text="Wrote notes.txt for you."),
        ]
    )
    term = start(terminals, letta, color=True)

    term.say("say hello")
    screen = term.wait_for("Hello from the fake model!", "print('hi')")
    assert "**fake**" not in screen and "```" not in screen  # rendered as Markdown
    assert "The user greets me." in screen  # reasoning, dimmed
    assert COLOUR_SGR.search(term.screen(escapes=True))  # colours when NO_COLOR is unset

    term.say("write the notes")
    screen = term.wait_for("Do you want to proceed?", "+alpha", "+beta")
    assert "Write(notes.txt)" in screen
    term.keys("1")
    term.wait_for("Created notes.txt (2 lines)", "Wrote notes.txt for you.")
    assert (letta.cwd / "notes.txt").read_text() == "alpha\nbeta\n"
    tool_results = [m for m in model_server.last_messages() if m.get("role") == "tool"]
    assert len(tool_results) == 1 and "notes.txt" in str(tool_results[0]["content"])

    term.say("/memory")
    term.wait_for("persona", "human", "project", "/20,000 chars")

    term.say("!echo from-the-shell")
    term.wait_for("  from-the-shell")
    assert len(model_server.requests) == 3  # the shell command was not sent to the agent

    term.say("/exit")
    screen = term.wait_for("Session stats", "[letta exited 0]")
    assert re.search(r"Turns:\s+2", screen)
    assert re.search(r"Tool calls:\s+1", screen)
    assert re.search(r"Tokens:\s+[1-9]", screen)
    history = (letta.home / "history").read_text()
    assert "say hello" in history and "/memory" in history


def test_interrupt_crash_recovery_and_ctrl_c_exit(
    letta: Letta, model_server: ModelServer, terminals: list[Terminal]
) -> None:
    words = " ".join(f"word{i}" for i in range(80))
    model_server.script(
        [
            Reply(text=words, chunk_delay=0.15),
            Reply(tool_calls=[("Write", {"file_path": "crash.txt", "content": "x\n"})]),
            Reply(text="Recovered and wrote crash.txt."),
        ]
    )
    term = start(terminals, letta)  # NO_COLOR=1 from the fixture
    term.say("talk for a while")
    term.wait_for("esc to interrupt")
    term.keys("Escape")
    screen = term.wait_for("Interrupted by the user")
    assert "word79" not in screen

    term.say("write crash.txt")
    term.wait_for("Do you want to proceed?", "+x")
    # Streamed text, the approval panel with its diff, the picker and the toolbar: no colour.
    assert not COLOUR_SGR.search(term.screen(escapes=True)), "colour codes despite NO_COLOR"
    os.kill(term.letta_pid(), 9)  # the harness crashes while the approval waits
    term.wait_for("[letta exited 137]")
    assert not (letta.cwd / "crash.txt").exists()

    again = start(terminals, letta, "--continue")
    # --continue shows where the session left off, then offers the call left waiting.
    again.wait_for("> talk for a while", "> write crash.txt", "waiting from an earlier session", "Write(crash.txt)")
    again.keys("1")  # run them
    again.wait_for("Do you want to proceed?")
    again.keys("1")
    again.wait_for("Recovered and wrote crash.txt.")
    assert (letta.cwd / "crash.txt").read_text() == "x\n"

    again.wait_ready()
    again.keys("C-c")
    again.wait_for("Press Ctrl-C again to exit")
    again.keys("C-c")
    screen = again.wait_for("Session stats", "[letta exited 0]")
    assert re.search(r"Tool calls:\s+1", screen)


def test_esc_stops_a_running_command_and_the_agent_hears_of_it(
    letta: Letta, model_server: ModelServer, terminals: list[Terminal]
) -> None:
    model_server.script(
        [
            Reply(tool_calls=[("Bash", {"command": "sleep 30; echo never"})]),
            Reply(text="Understood, stopping."),
        ]
    )
    term = start(terminals, letta, "--yolo")
    term.say("wait a bit")
    term.wait_for("Bash(sleep 30; echo never)")  # the spinner line: the command runs
    started = time.monotonic()
    term.keys("Escape")
    term.wait_for("Interrupted by the user")
    assert time.monotonic() - started < 10
    assert len(model_server.requests) == 1  # no model step after the interrupt
    term.say("what happened?")
    term.wait_for("Understood, stopping.")
    tool_result = [m for m in model_server.last_messages() if m.get("role") == "tool"][0]
    assert "interrupted" in str(tool_result["content"]).lower()
    assert "never" not in str(tool_result["content"])


def test_resume_flag_opens_the_conversation_picker(
    letta: Letta, model_server: ModelServer, terminals: list[Terminal]
) -> None:
    model_server.script([Reply(text="first answer"), Reply(text="second answer")])
    assert letta.run("-p", "the first conversation", *MODEL).returncode == 0
    assert letta.run("-p", "the second conversation", "--new", *MODEL).returncode == 0
    term = start(terminals, letta, "--resume")
    term.wait_for("Resume a conversation", "(2 messages)")
    term.keys("Down")
    term.keys("Enter")
    screen = term.wait_for("Resumed conversation", " answer")  # then a recap of it
    assert "> the first conversation" in screen or "> the second conversation" in screen
    term.wait_ready()

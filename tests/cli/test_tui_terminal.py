"""The interactive `letta` in a real terminal (tmux), against the scripted model server.

Each test starts the real `letta` process in a private tmux server (its own socket)
inside a temp project with LETTA_HOME in a temp dir, types like a user and polls the
screen (capture-pane) until the expected text shows up.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from letta_code.testing import ModelServer, Reply
from tests.conftest import Letta, letta_executable

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
        script.write_text(f'{exports}cd {shlex.quote(str(cwd))}\n{command}\necho "[letta exited $?]"\nsleep 600\n')
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

    def wait_line(self, line: str, timeout: float = WAIT) -> str:
        """Until a visible line reads exactly `line` (trailing spaces aside); the screen."""
        deadline = time.monotonic() + timeout
        lines: list[str] = []
        while time.monotonic() < deadline:
            lines = self.visible()
            if line in (ln.rstrip() for ln in lines):
                return "\n".join(lines)
            time.sleep(0.1)
        pytest.fail(f"timed out waiting for the line {line!r}; the terminal shows:\n" + "\n".join(lines))

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


def option_number(screen: str, label: str) -> str:
    """The number the picker shows before `label` (press it to pick that option)."""
    found = re.findall(rf"(\d)\. {re.escape(label)}", screen)
    assert found, f"no option {label!r} in:\n{screen}"
    return found[-1]


def picker_options(screen: str) -> list[tuple[str, str]]:
    """(number, label) of the options of the last picker on screen."""
    block = screen[screen.rindex("Resume a conversation") :]
    return re.findall(r"^\s*❯?\s*(\d)\. (.*)$", block, re.M)


def screens_until(term: Terminal, text: str) -> list[str]:
    """Every screen captured until `text` shows up (to see what was on screen meanwhile)."""
    seen: list[str] = []
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        seen.append(term.screen())
        if text in seen[-1]:
            return seen
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {text!r}; the terminal shows:\n{seen[-1]}")


def tool_results(model_server: ModelServer) -> list[str]:
    return [str(m.get("content")) for m in model_server.last_messages() if m.get("role") == "tool"]


def test_bash_approval_denial_with_a_reason_and_type_ahead(
    letta: Letta, model_server: ModelServer, terminals: list[Terminal]
) -> None:
    story = " ".join(f"part{i}" for i in range(150))
    model_server.script(
        [
            Reply(tool_calls=[("Bash", {"command": "echo approved-run && touch ran.txt"})]),
            Reply(text="The command ran."),
            Reply(tool_calls=[("Bash", {"command": "rm -rf build"})]),
            Reply(text="Fine, the build directory stays."),
            Reply(text=story, chunk_delay=0.02),
            Reply(text="Answering the typed-ahead question."),
        ]
    )
    (letta.cwd / "build").mkdir()
    term = start(terminals, letta)

    term.say("run the command")
    screen = term.wait_for("Do you want to proceed?", "echo approved-run && touch ran.txt", "3. No")
    assert "Bash(echo approved-run && touch ran.txt)" in screen
    term.keys("1")
    term.wait_for("  ⎿  approved-run", "The command ran.")
    assert (letta.cwd / "ran.txt").exists()
    (result,) = tool_results(model_server)
    assert "approved-run" in result

    term.say("clean the build")
    term.wait_for("Bash(rm -rf build)", "Do you want to proceed?")
    term.keys("3")  # No, and tell the agent what to do differently
    term.wait_for("Tell the agent what to do instead")
    term.type("keep build/, it caches the wheels")
    term.keys("Enter")
    term.wait_for("No: keep build/, it caches the wheels", "Fine, the build directory stays.")
    assert (letta.cwd / "build").is_dir()
    denial = tool_results(model_server)[-1]
    assert "keep build/, it caches the wheels" in denial  # the agent got the reason

    # Typing while a long answer streams: echoed under the status line at once, and
    # waiting in the prompt when the turn is over.
    term.say("tell me a story")
    term.wait_for("part10 ", "esc to interrupt")
    term.type("and then?!")
    term.wait_for("> and then?!")
    term.keys("BSpace")  # editable while it waits
    screen = term.wait_line("> and then?")
    assert "part149" not in screen  # still streaming
    term.wait_for("part149")
    term.wait_ready()
    term.wait_line("> and then?")  # now in the prompt
    term.keys("Enter")
    term.wait_for("Answering the typed-ahead question.")
    assert model_server.last_user_text() == "and then?"


def test_agent_settings_commands(letta: Letta, model_server: ModelServer, terminals: list[Terminal]) -> None:
    """/help /agent /rename /model /mode /reasoning /stream /unlink /link, each with its visible effect."""
    slow = " ".join(f"slow{i}" for i in range(30))
    model_server.script(
        [
            Reply(text="First answer.", reasoning="step one\nstep two\nstep three\nstep four\nstep five"),
            Reply(text=slow + " Second answer.", chunk_delay=0.04),
            Reply(text=slow + " Third answer.", chunk_delay=0.04),
        ]
    )
    term = start(terminals, letta)

    term.say("/help")
    screen = term.wait_for("Keys and input", "Alt+Enter")
    for name in (
        "agent",
        "model",
        "rename",
        "stream",
        "link",
        "unlink",
        "clear",
        "exit",
        "logout",
        "resume",
        "new",
        "help",
        "memory",
        "reasoning",
        "mode",
    ):
        assert re.search(rf"^\s*/{name}\b", screen, re.M), f"/help does not list /{name}"

    term.say("/agent")
    screen = term.wait_for("/v1/agents/agent-")
    agent_id = re.search(r"  agent (agent-[0-9a-f-]+)", screen)
    assert agent_id and re.search(rf"ID\s+{agent_id.group(1)}", screen)

    term.say("/rename reviewer bot")
    term.wait_for("Agent renamed to reviewer bot.")
    term.wait_for("reviewer bot · openai/gpt-4.1 · ⏵ default")  # the status line

    term.say("/model")
    screen = term.wait_for("Switch model (current: openai/gpt-4.1)", "enter to select")
    term.keys(option_number(screen, "openai/gpt-4o  ("))
    term.wait_for("Model switched to openai/gpt-4o.", "reviewer bot · openai/gpt-4o ·")
    term.say("/model openai/gpt-4.1")
    term.wait_for("Model switched to openai/gpt-4.1.")

    term.say("/mode plan")
    term.wait_for("Permission mode: plan", "⏵ plan")
    term.wait_ready()
    term.keys("BTab")  # Shift+Tab cycles on: plan -> bypassPermissions
    term.wait_for("⏵ bypassPermissions")
    term.say("/mode default")
    term.wait_for("Permission mode: default")

    term.say("think first")
    screen = term.wait_for("First answer.", "step one", "+2 more lines")
    assert "step five" not in screen
    term.say("/reasoning")
    term.wait_for("Reasoning is shown in full.", "step five")

    term.say("/stream")
    term.wait_for("Token streaming off.")
    term.say("/unlink")
    term.wait_for("Unlinked the Letta Code tools")
    term.say("second question")
    partial = screens_until(term, "Second answer.")
    assert not [s for s in partial if "slow0 " in s and "Second answer." not in s]  # shown whole
    assert "Bash" not in model_server.last_tools()

    term.say("/link")
    term.wait_for("Linked ")
    term.say("/stream")
    term.wait_for("Token streaming on.")
    term.say("third question")
    partial = screens_until(term, "Third answer.")
    assert [s for s in partial if s.count("slow0 ") == 2 and "Third answer." not in s]  # streamed
    assert {"Bash", "Read", "Edit"} <= set(model_server.last_tools())


def test_conversation_commands(letta: Letta, model_server: ModelServer, terminals: list[Terminal]) -> None:
    """/new /resume /clear /logout (which exits), each with its visible effect."""
    model_server.script(
        [Reply(text="Noted the apples."), Reply(text="Noted the pears."), Reply(text="After the clear.")]
    )
    settings = letta.home / "settings.json"
    term = start(terminals, letta)
    first_conv = re.search(r"conversation (conv-[0-9a-f-]+)", term.screen())
    assert first_conv

    term.say("remember the apples")
    term.wait_for("Noted the apples.")
    term.say("/new")
    screen = term.wait_for("Started a new conversation (conv-")
    new_conv = re.search(r"Started a new conversation \((conv-[0-9a-f-]+)\)", screen)
    assert new_conv and new_conv.group(1) != first_conv.group(1)
    term.say("and the pears")
    term.wait_for("Noted the pears.")
    sent = json.dumps(model_server.last_messages())
    assert "and the pears" in sent and "remember the apples" not in sent  # a fresh conversation

    term.say("/resume")
    screen = term.wait_for("Resume a conversation", "← current")
    (other,) = [n for n, label in picker_options(screen) if "← current" not in label]
    term.keys(other)
    screen = term.wait_for(f"Resumed conversation {first_conv.group(1)}.", "> remember the apples")

    term.say("/clear")
    term.wait_for("Conversation context cleared.")
    term.say("what now?")
    term.wait_for("After the clear.")
    sent = json.dumps(model_server.last_messages())
    assert "what now?" in sent and "remember the apples" not in sent  # the context was cleared

    data = json.loads(settings.read_text())
    data["apiKey"] = "sk-stored"
    settings.write_text(json.dumps(data))
    term.say("/logout")
    screen = term.wait_for("Logged out: removed apiKey", "Session stats", "[letta exited 0]")
    assert re.search(r"Turns:\s+3", screen)
    assert "apiKey" not in json.loads(settings.read_text())

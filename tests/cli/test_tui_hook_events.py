"""Hooks in the terminal UI: `/hooks`, the session events of `/clear` and `/compact`, the
Notification before a permission prompt, and notices as dim lines (a real embedded
session, real hook scripts, a string console)."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from rich.console import Console

from letta_code.cli.args import parse_args
from letta_code.cli.session import open_session
from letta_code.cli.tui.hook_events import hook_stop_line, notifying, start_hooks
from letta_code.harness.executor import PendingCall, UserAnswer
from letta_code.harness.turn import TurnResult
from letta_code.permissions import Decision
from letta_code.testing import ModelServer
from tests.cli.test_tui_commands import Harness, session_test


def write_hooks(folder: Path, hooks: dict[str, object]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "settings.json"
    path.write_text(json.dumps({"hooks": hooks}))
    return path


def command(text: str, matcher: str | None = None, timeout: float | None = None) -> list[dict[str, object]]:
    spec: dict[str, object] = {"type": "command", "command": text}
    if timeout is not None:
        spec["timeout"] = timeout
    group: dict[str, object] = {"hooks": [spec]}
    if matcher is not None:
        group["matcher"] = matcher
    return [group]


@pytest.fixture
def session(letta_home: Path, project: Path, model_env: ModelServer) -> Callable[..., None]:
    def run(body: Callable[[Harness], Awaitable[None]]) -> None:
        session_test(model_env, body)

    return run


def test_hooks_says_when_none_is_configured(session: Callable[..., None]) -> None:
    async def body(h: Harness) -> None:
        assert "No hooks configured" in await h.run("/hooks")

    session(body)


def test_hooks_lists_each_hook_with_its_matcher_timeout_and_file(
    session: Callable[..., None], letta_home: Path, project: Path
) -> None:
    write_hooks(letta_home, {"Stop": command("say done")})
    write_hooks(project / ".letta", {"PreToolUse": command("./guard.sh", "Bash|Edit", timeout=5)})

    async def body(h: Harness) -> None:
        out = await h.run("/hooks")
        assert "PreToolUse Bash|Edit ./guard.sh timeout 5s from .letta/settings.json" in out
        assert f"Stop * say done timeout 60s from {letta_home / 'settings.json'}" in out
        assert out.index("PreToolUse") < out.index("Stop")  # by event, in the order they fire

    session(body)


def test_clear_fires_session_start_and_compact_fires_pre_compact(session: Callable[..., None], project: Path) -> None:
    write_hooks(
        project / ".letta",
        {
            "SessionStart": command('cat > "$LETTA_PROJECT_DIR/start.json"; echo fresh context', "clear"),
            "PreCompact": command('cat > "$LETTA_PROJECT_DIR/compact.json"', "manual"),
        },
    )

    async def body(h: Harness) -> None:
        await h.run("/clear")
        start = json.loads((project / "start.json").read_text())
        assert start["source"] == "clear" and start["conversation_id"] == h.state.conversation.id
        assert h.state.ctx.hooks is not None and h.state.ctx.hooks.take_context() == ["fresh context"]
        await h.run("/compact")
        assert json.loads((project / "compact.json").read_text())["trigger"] == "manual"

    session(body)


def test_notification_runs_before_the_prompt_and_notices_are_dim_lines(
    letta_home: Path, project: Path, model_env: ModelServer
) -> None:
    write_hooks(
        project / ".letta",
        {
            "Notification": command('cat > "$LETTA_PROJECT_DIR/note.json"'),
            "SessionStart": command("echo 'oops' >&2; exit 1", "startup"),
        },
    )

    async def main() -> None:
        ctx = await open_session(parse_args(["-m", "openai/gpt-4.1"]), model_env.env())
        buf = io.StringIO()
        try:
            await start_hooks(ctx, Console(file=buf, width=200, color_system=None))
            assert "hook SessionStart \"echo 'oops' >&2; exit 1\" failed: exit 1: oops" in buf.getvalue()
            prompted: list[str] = []

            async def prompt(call: PendingCall, decision: Decision) -> UserAnswer:
                prompted.append(json.loads((project / "note.json").read_text())["message"])  # already there
                return UserAnswer("allow")

            ask = notifying(prompt, ctx.hooks)
            await ask(PendingCall("c1", "Bash", '{"command": "make"}'), Decision("ask", "needs approval"))
            assert prompted == ["Letta needs your permission to use Bash"]
            hook_stop_line(Console(file=buf, width=200), TurnResult(hook_stop="a UserPromptSubmit hook blocked it"))
            assert buf.getvalue().endswith("a UserPromptSubmit hook blocked it\n")
        finally:
            await ctx.backend.close()

    asyncio.run(main())

"""Slash commands against a real embedded session (SQLite in a temp LETTA_HOME), no terminal."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from rich.console import Console

from letta_code.cli.args import parse_args
from letta_code.cli.session import open_session
from letta_code.cli.tui.command_env import CommandEnv
from letta_code.cli.tui.commands import (
    COMMANDS,
    completions,
    find_command,
    is_command,
    print_stats,
    run_command,
)
from letta_code.cli.tui.state import TuiState
from letta_code.schemas.chunks import UserInput
from letta_code.testing import ModelServer, Reply
from letta_code.tools.registry import ALL_TOOL_NAMES
from tests.server.conftest import start_live_server
from tests.service.llm.test_discovery import InfoServer, models

REQUIRED = {
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
    "compact",
}

# The harness-side tools every session offers, after the registry tools: not the agent's, /unlink keeps them.
HARNESS_TOOLS = ["Skill", "AskUserQuestion", "Task"]
# The registry tools a session offers when the agent has them all (WebSearch needs a search provider).
OFFERED = [name for name in ALL_TOOL_NAMES if name != "WebSearch"]


class Harness:
    def __init__(self, env: CommandEnv, buf: io.StringIO, picks: list[int | None]) -> None:
        self.env, self.buf, self.picks = env, buf, picks
        self.titles: list[str] = []

    @property
    def state(self) -> TuiState:
        return self.env.state

    async def run(self, line: str) -> str:
        start = len(self.buf.getvalue())
        await run_command(self.env, line)
        return " ".join(self.buf.getvalue()[start:].split())  # wrapping-independent


def session_test(
    model_env: ModelServer,
    body: Callable[[Harness], Awaitable[None]],
    *,
    argv: list[str] | None = None,
    picks: list[int | None] | None = None,
    extra_env: dict[str, str] | None = None,
) -> None:
    async def main() -> None:
        env = {**model_env.env(), **(extra_env or {})}
        ctx = await open_session(parse_args(argv or ["-m", "openai/gpt-4.1"]), env)
        buf = io.StringIO()
        console = Console(file=buf, width=80, color_system=None)
        chosen = list(picks or [])
        harness_ref: list[Harness] = []

        async def choose(title: str, options: list[str], *, default: int = 0) -> int | None:
            harness_ref[0].titles.append(title)
            return chosen.pop(0) if chosen else None

        harness = Harness(CommandEnv(TuiState(ctx, env), console, choose), buf, chosen)
        harness_ref.append(harness)
        try:
            await body(harness)
        finally:
            await ctx.backend.close()

    asyncio.run(main())


@pytest.fixture
def session(letta_home: Path, project: Path, model_env: ModelServer) -> Callable[..., None]:
    def run(body: Callable[[Harness], Awaitable[None]], **kwargs: Any) -> None:
        session_test(model_env, body, **kwargs)

    return run


def test_every_command_is_registered_and_completable() -> None:
    assert set(COMMANDS) >= REQUIRED
    names = {name for name, _ in completions()}
    assert names >= REQUIRED
    assert find_command("mem") is COMMANDS["memory"]
    assert find_command("re") is None  # ambiguous: rename, resume, reasoning
    assert is_command("/help") and not is_command("hello") and not is_command("//comment")


def test_help_lists_commands_and_keys(session: Callable[..., None]) -> None:
    async def body(h: Harness) -> None:
        out = await h.run("/help")
        for name in REQUIRED:
            assert f"/{name}" in out
        assert "Alt+Enter" in out and "Ctrl+J" in out and "Shift+Tab" in out and "!command" in out

    session(body)


def test_agent_shows_id_name_and_rest_path(session: Callable[..., None]) -> None:
    async def body(h: Harness) -> None:
        out = await h.run("/agent")
        agent = h.state.agent
        assert agent.name in out and agent.id in out
        assert f"/v1/agents/{agent.id}" in out
        assert "LETTA_BASE_URL" in out and "letta server" in out

    session(body)


def test_rename_model_and_toggles(session: Callable[..., None]) -> None:
    async def body(h: Harness) -> None:
        assert "Usage: /rename" in await h.run("/rename")
        await h.run("/rename  shiny agent ")
        stored = await h.env.backend.find_agent(h.state.agent.id)
        assert stored is not None and stored.name == h.state.agent.name == "shiny agent"

        await h.run("/model gpt-4o")
        assert h.state.agent.model == "openai/gpt-4o"
        assert "unknown model" in await h.run("/model no-such-model")
        assert h.state.agent.model == "openai/gpt-4o"

        assert h.state.stream
        assert "off" in await h.run("/stream")
        assert not h.state.stream
        assert "on" in await h.run("/stream")
        h.state.last_reasoning = "step one\nstep two\nstep three\nstep four"
        out = await h.run("/reasoning")
        assert "in full" in out and h.state.full_reasoning and "step four" in out
        assert "truncated" in await h.run("/reasoning") and not h.state.full_reasoning
        assert "Unknown command /bogus" in await h.run("/bogus")

    session(body)


def test_model_picker(session: Callable[..., None]) -> None:
    async def body(h: Harness) -> None:
        from letta_code.service.llm.registry import list_models

        handles = [m["handle"] for m in list_models(h.state.env)]
        h.picks.extend([handles.index("openai/gpt-4o"), None])
        await h.run("/model")
        assert h.state.agent.model == "openai/gpt-4o"
        assert "Model unchanged" in await h.run("/model")
        assert h.state.agent.model == "openai/gpt-4o"
        assert h.titles and "current" in h.titles[0]

    session(body)


def test_model_picker_offers_served_models_and_sets_their_window(session: Callable[..., None]) -> None:
    async def body(h: Harness) -> None:
        from letta_code.cli.model_window import model_choices
        from letta_code.service.llm import discovery

        routes = {("GET", "/v1/models"): models({"id": "qwen3-coder"}), ("GET", "/props"): {"n_ctx": 8192}}
        discovery.clear_cache()
        with InfoServer(routes) as info:
            h.state.env["LLAMACPP_BASE_URL"] = info.base_url
            choices = await model_choices(h.state.ctx.settings, h.env.backend.models, h.state.agent.model)
            handles = [m.handle for m in choices]
            assert "llamacpp/qwen3-coder" in handles and "openai/gpt-4.1" in handles
            h.picks.append(handles.index("llamacpp/qwen3-coder"))
            await h.run("/model")
        assert (h.state.agent.model, h.state.agent.context_window) == ("llamacpp/qwen3-coder", 8192)
        stored = await h.env.backend.find_agent(h.state.agent.id)
        assert stored is not None and stored.context_window == 8192
        h.state.ctx.settings.global_["models"] = {"gpt-4o": {"contextWindow": 1234}}
        await h.run("/model openai/gpt-4o")
        assert h.state.agent.context_window == 1234  # settings beat the table
        await h.run("/model openai/gpt-4.1")
        assert h.state.agent.context_window == 1_047_576  # the table's

    session(body)


def test_model_over_letta_base_url_offers_the_servers_models_and_sends_only_settings_windows(
    letta_home: Path, project: Path, model_env: ModelServer, tmp_path: Path
) -> None:
    model_env.models.append("my-finetune")
    live, thread = start_live_server(tmp_path, model_env, api_key=None)
    served = [m["handle"] for m in httpx.get(f"{live.url}/v1/models").json()]

    async def body(h: Harness) -> None:
        from letta_code.cli.model_window import model_choices

        routes = {("GET", "/v1/models"): models({"id": "qwen3-coder"}), ("GET", "/props"): {"n_ctx": 8192}}
        with InfoServer(routes) as info:
            # This machine's model servers, not the server's: they would offer qwen3-coder and 8192 tokens.
            h.state.env.update(LLAMACPP_BASE_URL=info.base_url, OPENAI_BASE_URL=info.base_url)
            choices = await model_choices(h.state.ctx.settings, h.env.backend.models, h.state.agent.model)
            assert [c.handle for c in choices] == served and "llamacpp/qwen3-coder" not in served
            h.picks.append(served.index("openai/gpt-4o"))
            await h.run("/model")
            assert (h.state.agent.model, h.state.agent.context_window) == ("openai/gpt-4o", 128_000)
            await h.run("/model openai/my-finetune")
            assert h.state.agent.context_window == 128_000  # the server's choice (its model server says nothing)
            assert info.requests == []  # the local model servers were never asked
        h.state.ctx.settings.global_["models"] = {"gpt-4.1": {"contextWindow": 1234}}
        await h.run("/model openai/gpt-4.1")
        assert h.state.agent.context_window == live.service.get_agent(h.state.agent.id).context_window == 1234

    try:
        session_test(model_env, body, extra_env={"LETTA_BASE_URL": live.url})
    finally:
        thread.stop()


def test_unlink_and_link_change_the_agent_tools_and_client_tools(session: Callable[..., None]) -> None:
    async def body(h: Harness) -> None:
        assert h.state.ctx.client_tools
        await h.run("/unlink")
        assert not set(ALL_TOOL_NAMES) & set(h.state.agent.tools)
        # Only the harness's own tools stay (every session has the bundled skill-creator).
        assert [t["name"] for t in h.state.ctx.client_tools] == h.state.ctx.tool_names == HARNESS_TOOLS
        stored = await h.env.backend.find_agent(h.state.agent.id)
        assert stored is not None and not set(ALL_TOOL_NAMES) & set(stored.tools)
        out = await h.run("/link")
        assert set(ALL_TOOL_NAMES) <= set(h.state.agent.tools)
        assert {t["name"] for t in h.state.ctx.client_tools} == {*OFFERED, *HARNESS_TOOLS}
        assert "Linked" in out

    session(body)


def write_skill(project: Path) -> None:
    """A project skill, next to the bundled skill-creator."""
    skill_dir = project / ".skills" / "deploy"
    skill_dir.mkdir(parents=True)
    (skill_dir / "SKILL.md").write_text("---\nname: Deploy\ndescription: Ships it\n---\nRun make deploy.\n")


def test_unlink_and_link_keep_the_skill_tool(session: Callable[..., None], project: Path) -> None:
    write_skill(project)  # the Skill tool is the harness's own, not the agent's: it stays

    async def body(h: Harness) -> None:
        assert h.state.ctx.tool_names[-len(HARNESS_TOOLS) :] == HARNESS_TOOLS
        await h.run("/unlink")
        assert h.state.ctx.tool_names == HARNESS_TOOLS
        assert [t["name"] for t in h.state.ctx.client_tools] == HARNESS_TOOLS
        await h.run("/link")
        assert h.state.ctx.tool_names == [*OFFERED, *HARNESS_TOOLS]
        assert [t["name"] for t in h.state.ctx.client_tools] == [*OFFERED, *HARNESS_TOOLS]

    session(body)


def test_link_with_the_skill_tool_in_the_tools_flag(session: Callable[..., None], project: Path) -> None:
    write_skill(project)

    async def body(h: Harness) -> None:
        await h.run("/link")  # "Skill" in --tools is not a registry tool: no error
        assert h.state.ctx.tool_names == ["Bash", "Skill"]

    session(body, argv=["-m", "openai/gpt-4.1", "--tools", "Bash,Skill"])


def test_link_respects_the_tools_flag(session: Callable[..., None]) -> None:
    async def body(h: Harness) -> None:
        await h.run("/link")
        assert h.state.ctx.tool_names == ["Bash", "Read"]

    session(body, argv=["-m", "openai/gpt-4.1", "--tools", "Bash,Read"])


def test_new_resume_and_clear(session: Callable[..., None], project: Path) -> None:
    async def body(h: Harness) -> None:
        first = h.state.conversation.id
        out = await h.run("/new")
        second = h.state.conversation.id
        assert second != first and second in out
        local = json.loads((project / ".letta" / "settings.local.json").read_text())
        assert local["lastConversation"] == second

        convs = await h.env.backend.list_conversations(h.state.agent.id)
        h.picks.append(
            [
                c.id for c in sorted(convs, key=lambda c: c.updated_at or c.created_at or datetime.min, reverse=True)
            ].index(first)
        )
        await h.run("/resume")
        assert h.state.conversation.id == first
        assert "Resume a conversation" in h.titles

        assert "No conversation" in await h.run("/resume conv-nope")
        await h.run(f"/resume {second}")
        assert h.state.conversation.id == second

        h.state.context_tokens = 500
        assert "cleared" in await h.run("/clear")
        assert h.state.context_tokens == 0

    session(body)


def test_compact_reports_how_many_messages_were_summarized(
    session: Callable[..., None], model_env: ModelServer
) -> None:
    async def body(h: Harness) -> None:
        assert "Nothing to compact" in await h.run("/compact")
        model_env.script([Reply(text="a1"), Reply(text="a2"), Reply(text="a3")])
        for text in ("one", "two", "three"):
            message: list[UserInput] = [{"role": "user", "content": text}]
            async for _chunk in h.env.backend.send(
                h.state.conversation.id, message, client_tools=[], stream_tokens=False
            ):
                pass
        model_env.script([Reply(text="SUMMARY: the user counted.\n" + "\n".join(f"- note {i}" for i in range(12)))])
        h.state.context_tokens = 900
        out = await h.run("/compact")
        assert "Compacted: summarized 4 messages (6 → 3 in context)" in out
        assert "conversation_search" in out
        assert "SUMMARY: the user counted." in out and "- note 6" in out and "- note 7" not in out
        assert "(5 more lines)" in out
        # The gauge moves by what the service says the compaction freed, marked as an estimate.
        assert h.state.context_estimated and h.state.context_tokens > 0
        assert "The context is now about" in out
        model_env.script([Reply(text="four")])
        async for _chunk in h.env.backend.send(
            h.state.conversation.id, [{"role": "user", "content": "go on"}], client_tools=[], stream_tokens=False
        ):
            pass
        assert "SUMMARY: the user counted." in str(model_env.last_messages()[1]["content"])

    session(body)


def test_memory_shows_blocks(session: Callable[..., None]) -> None:
    async def body(h: Harness) -> None:
        out = await h.run("/memory")
        for label in ("persona", "human", "project"):
            assert label in out
        assert "/20,000 chars" in out
        assert "Letta Code" in out  # the persona's value

    session(body)


def test_memory_names_the_loaded_instructions_files(session: Callable[..., None], project: Path) -> None:
    (project / "AGENTS.md").write_text("SENTINEL-RULE\n")

    async def body(h: Harness) -> None:
        out = await h.run("/memory")
        assert "SENTINEL-RULE" in out  # a long path wraps: compared without the spaces
        assert f"instructions:{project.resolve() / 'AGENTS.md'}" in out.replace(" ", "")

    session(body)


def test_mode_command(session: Callable[..., None]) -> None:
    async def body(h: Harness) -> None:
        assert "plan" in await h.run("/mode plan")
        assert h.state.mode_name == "plan"
        assert "unknown permission mode" in await h.run("/mode sideways")

    session(body)


def test_exit_shows_stats(session: Callable[..., None]) -> None:
    async def body(h: Harness) -> None:
        h.state.stats.turns = 2
        h.state.stats.prompt_tokens = 1200
        h.state.stats.completion_tokens = 34
        h.state.stats.tool_calls = 3
        await h.run("/exit")
        assert h.state.exit_requested
        print_stats(h.env)
        out = h.buf.getvalue()
        assert "Session stats" in out and "Turns:       2" in out and "1,234" in out and "Tool calls:  3" in out

    session(body)


def test_logout_removes_credentials_only(session: Callable[..., None], letta_home: Path) -> None:
    async def body(h: Harness) -> None:
        path = letta_home / "settings.json"
        data = json.loads(path.read_text())
        stored = {"OPENAI_API_KEY": "test-key", "ANTHROPIC_API_KEY": "sk-stored", "LETTA_TEST_ONLY_VAR": "1"}
        data.update({"env": stored, "apiKey": "sk-y", "refreshToken": "r", "tokenExpiresAt": 1})
        path.write_text(json.dumps(data))
        out = await h.run("/logout")
        after = json.loads(path.read_text())
        for key in ("env", "apiKey", "refreshToken", "tokenExpiresAt"):
            assert key not in after and key not in h.state.ctx.settings.global_
        assert after["lastAgent"] == h.state.agent.id  # other settings stay
        names = "OPENAI_API_KEY, ANTHROPIC_API_KEY, LETTA_TEST_ONLY_VAR, apiKey, refreshToken, tokenExpiresAt"
        assert (
            f"Logged out: removed {names} from " in out
            and "settings.json" in out.replace(" ", "")
            and h.state.exit_requested
        )
        # The process environment has both keys (model_env): OPENAI_API_KEY as stored (letta
        # copied it from the settings), ANTHROPIC_API_KEY with another value (the user's own).
        assert "ANTHROPIC_API_KEY is still set in your environment" in out and "unset it in your shell" in out
        assert "OPENAI_API_KEY is still" not in out and "LETTA_TEST_ONLY_VAR is still" not in out
        again = await h.run("/logout")
        assert "Logged out: no stored credentials in " in again and "still set" not in again

    session(body)

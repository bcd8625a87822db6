"""The TUI's turns run the harness's special tools (the Skill tool) like headless mode does."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from rich.console import Console

from letta_code.cli.args import parse_args
from letta_code.cli.session import open_session
from letta_code.cli.tui.app import Tui
from letta_code.harness.executor import PendingCall
from letta_code.testing import ModelServer


def test_skill_tool_runs_in_tui_turns(letta_home: Path, project: Path, model_env: ModelServer) -> None:
    skill_dir = project / ".skills" / "deploy"
    skill_dir.mkdir(parents=True)
    (skill_dir / "SKILL.md").write_text("---\nname: Deploy\ndescription: Ships it\n---\nRun make deploy.\n")

    async def main() -> str:
        ctx = await open_session(parse_args(["-m", "openai/gpt-4.1"]), dict(model_env.env()))
        tui = Tui(ctx, dict(model_env.env()), Console(file=io.StringIO(), width=80, color_system=None))
        runner = tui.make_runner(tui.new_view())
        items = await runner.executor.run_calls(
            [PendingCall("call-1", "Skill", '{"command": "load", "skill": "deploy"}')]
        )
        agent = await ctx.backend.find_agent(ctx.target.agent.id)
        assert agent is not None
        loaded = next(b for b in agent.blocks if b.label == "loaded_skills")
        assert items[0].get("status") == "success"
        return loaded.value

    assert "Run make deploy." in asyncio.run(main())

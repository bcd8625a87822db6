"""The project block of `harness/agent_setup.py` on a teammate's machine: made from the committed
team memory file, its id kept in the teammate's own settings file; on both transports."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path

from letta_code.client.backend import Backend
from letta_code.config.settings import Settings
from letta_code.harness.agent_setup import DEFAULT_BLOCKS, create_agent
from letta_code.schemas.defaults import DEFAULT_BLOCK_LIMIT
from letta_code.schemas.state import BlockState
from tests.conftest import BackendFactory

TEAM_TEXT = "# Commands\n- test: make test\n- the db needs WAL mode"
COMMITTED = '{\n  "localSharedBlockIds": {\n    "project": "block-of-a-teammate"\n  }\n}\n'


def on_backend(make_backend: BackendFactory, scenario: Callable[[Backend], Awaitable[None]]) -> None:
    async def main() -> None:
        backend = make_backend()
        try:
            await scenario(backend)
        finally:
            await backend.close()

    asyncio.run(main())


async def project_block(backend: Backend, project: Path) -> BlockState:
    agent = await create_agent(backend, Settings.load(project), model="openai/gpt-4.1", tools=[], fresh_blocks=False)
    return next(b for b in agent.blocks if b.label == "project")


def test_a_teammate_gets_a_block_from_the_file_and_the_committed_settings_stay_as_they_are(
    make_backend: BackendFactory, letta_home: Path, project: Path
) -> None:
    letta = project / ".letta"
    letta.mkdir()
    (letta / "settings.json").write_text(COMMITTED)
    (letta / "project.md").write_text(TEAM_TEXT + "\n")

    async def scenario(backend: Backend) -> None:
        block = await project_block(backend, project)
        assert block.value == TEAM_TEXT, "the team's text, not the placeholder"
        assert (letta / "settings.json").read_text() == COMMITTED
        local = json.loads((letta / "settings.local.json").read_text())
        assert local["localSharedBlockIds"] == {"project": block.id}
        again = await project_block(backend, project)  # the next agent here shares this user's block
        assert again.id == block.id

    on_backend(make_backend, scenario)


def test_the_first_user_of_a_project_saves_the_block_id_in_the_committed_file(
    make_backend: BackendFactory, letta_home: Path, project: Path
) -> None:
    async def scenario(backend: Backend) -> None:
        block = await project_block(backend, project)
        assert block.value == DEFAULT_BLOCKS["project"][1], "no file: the placeholder"
        committed = json.loads((project / ".letta" / "settings.json").read_text())
        assert committed["localSharedBlockIds"] == {"project": block.id}
        assert not (project / ".letta" / "settings.local.json").exists()

    on_backend(make_backend, scenario)


def test_a_team_file_over_the_default_limit_gets_a_block_big_enough(
    make_backend: BackendFactory, letta_home: Path, project: Path
) -> None:
    (project / ".letta").mkdir()
    (project / ".letta" / "settings.json").write_text(COMMITTED)
    big = "\n".join(f"- fact {i}: " + "x" * 60 for i in range(DEFAULT_BLOCK_LIMIT // 60))
    (project / ".letta" / "project.md").write_text(big + "\n")

    async def scenario(backend: Backend) -> None:
        block = await project_block(backend, project)
        assert block.value == big and block.limit == len(big) > DEFAULT_BLOCK_LIMIT

    on_backend(make_backend, scenario)


def test_an_undecodable_team_file_leaves_the_placeholder_for_the_sync_to_report(
    make_backend: BackendFactory, letta_home: Path, project: Path
) -> None:
    (project / ".letta").mkdir()
    (project / ".letta" / "project.md").write_bytes(b"\xff\xfe")

    async def scenario(backend: Backend) -> None:
        assert (await project_block(backend, project)).value == DEFAULT_BLOCKS["project"][1]

    on_backend(make_backend, scenario)

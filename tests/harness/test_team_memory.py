"""Team memory (`harness/team_memory.py`): each branch of the sync between `.letta/project.md`
and the project block, on both transports (the embedded service and a live server over HTTP)."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from letta_code.client.backend import Backend
from letta_code.config.settings import Settings
from letta_code.harness.agent_setup import DEFAULT_BLOCKS, resolve_session
from letta_code.harness.team_memory import TeamMemory, merge_texts
from tests.conftest import BackendFactory, read_only

PLACEHOLDER = DEFAULT_BLOCKS["project"][1]
BASE = "# Commands\n- test: make test\n\n# Layout\n- src/ holds the code\n\n# Gotchas\n- none yet"


@dataclass
class Session:
    """A resolved session's backend, its project block and the team memory sync over them."""

    backend: Backend
    project: Path
    block_id: str
    memory: TeamMemory
    warnings: list[str] = field(default_factory=list)

    @property
    def file(self) -> Path:
        return self.project / ".letta" / "project.md"

    async def block(self) -> str:
        block = await self.backend.find_block(self.block_id)
        assert block is not None
        return block.value

    def synced(self) -> str:
        local = json.loads((self.project / ".letta" / "settings.local.json").read_text())
        return str(local["projectMemorySynced"]["text"])


def in_session(make_backend: BackendFactory, project: Path, scenario: Callable[[Session], Awaitable[None]]) -> None:
    async def main() -> None:
        backend = make_backend()
        try:
            settings = Settings.load(project)
            target = await resolve_session(
                backend,
                settings,
                agent_id=None,
                new_agent=False,
                new_conversation=False,
                continue_last=False,
                model="openai/gpt-4.1",
                default_model=lambda: "openai/gpt-4.1",
                tools=[],
            )
            block_id = next(b.id for b in target.agent.blocks if b.label == "project")
            warnings: list[str] = []
            session = Session(backend, project, block_id, TeamMemory(backend, settings, target, warnings.append))
            session.warnings = warnings
            await scenario(session)
        finally:
            await backend.close()

    asyncio.run(main())


def test_a_new_block_writes_no_file_until_it_has_real_content(
    make_backend: BackendFactory, letta_home: Path, project: Path
) -> None:
    async def scenario(s: Session) -> None:
        assert await s.memory.sync() == "unchanged"
        assert not s.file.exists(), "the placeholder must never reach the committed file"
        await s.backend.update_block(s.block_id, BASE)
        assert await s.memory.after_turn() == "to_file"
        assert s.file.read_text() == BASE + "\n"
        assert s.synced() == BASE
        assert not list(s.file.parent.glob(".project.md-*")), "the temp file of the atomic write is gone"
        assert await s.memory.sync() == "unchanged"
        assert s.warnings == []

    in_session(make_backend, project, scenario)


def test_the_block_changed_the_file_did_not_rewrites_the_file(
    make_backend: BackendFactory, letta_home: Path, project: Path
) -> None:
    async def scenario(s: Session) -> None:
        await s.backend.update_block(s.block_id, BASE)
        await s.memory.sync()
        await s.backend.update_block(s.block_id, BASE + "\n- the agent learnt this\n")
        assert await s.memory.after_turn() == "to_file"
        assert s.file.read_text() == BASE + "\n- the agent learnt this\n"
        assert await s.memory.sync() == "unchanged", "the block's final newline is the file's"

    in_session(make_backend, project, scenario)


def test_the_file_changed_the_block_did_not_gives_the_block_the_file(
    make_backend: BackendFactory, letta_home: Path, project: Path
) -> None:
    async def scenario(s: Session) -> None:
        await s.backend.update_block(s.block_id, BASE)
        await s.memory.sync()
        s.file.write_text(BASE.replace("make test", "make check") + "\n")  # a teammate's commit, pulled
        assert await s.memory.sync() == "to_block"
        assert await s.block() == BASE.replace("make test", "make check")
        assert s.synced() == BASE.replace("make test", "make check")
        assert s.warnings == []

    in_session(make_backend, project, scenario)


def test_a_file_in_the_repository_fills_a_placeholder_block(
    make_backend: BackendFactory, letta_home: Path, project: Path
) -> None:
    async def scenario(s: Session) -> None:
        assert await s.block() == PLACEHOLDER
        s.file.parent.mkdir(exist_ok=True)
        s.file.write_text(BASE + "\n")
        assert await s.memory.sync() == "to_block"
        assert await s.block() == BASE
        assert s.file.read_text() == BASE + "\n"

    in_session(make_backend, project, scenario)


def test_both_changed_apart_merge_cleanly_into_both(
    make_backend: BackendFactory, letta_home: Path, project: Path
) -> None:
    async def scenario(s: Session) -> None:
        await s.backend.update_block(s.block_id, BASE)
        await s.memory.sync()
        s.file.write_text(BASE.replace("make test", "make check") + "\n")
        await s.backend.update_block(s.block_id, BASE.replace("none yet", "the db needs WAL mode"))
        assert await s.memory.sync() == "merged"
        merged = BASE.replace("make test", "make check").replace("none yet", "the db needs WAL mode")
        assert s.file.read_text() == merged + "\n"
        assert await s.block() == merged
        assert s.synced() == merged
        assert s.warnings == [".letta/project.md and the project block both changed; merged them into both"]

    in_session(make_backend, project, scenario)


def test_both_changed_the_same_line_keeps_both_with_markers(
    make_backend: BackendFactory, letta_home: Path, project: Path
) -> None:
    async def scenario(s: Session) -> None:
        await s.backend.update_block(s.block_id, BASE)
        await s.memory.sync()
        s.file.write_text(BASE.replace("make test", "make check") + "\n")
        await s.backend.update_block(s.block_id, BASE.replace("make test", "pytest -q"))
        assert await s.memory.sync() == "conflict"
        text = s.file.read_text()
        assert (
            "<<<<<<< .letta/project.md\n- test: make check\n=======\n- test: pytest -q\n>>>>>>> project block\n" in text
        )
        assert text.startswith("# Commands\n") and "- src/ holds the code" in text, "only the conflict is marked"
        assert await s.block() == text.rstrip("\n")
        assert s.warnings == [
            ".letta/project.md and the project block both changed; kept both with markers in .letta/project.md "
            "— edit it and run letta again"
        ]
        # The user resolves it by hand: that edit is a plain file change, the block follows.
        s.file.write_text(BASE.replace("make test", "pytest -q") + "\n")
        assert await s.memory.sync() == "to_block"
        assert await s.block() == BASE.replace("make test", "pytest -q")

    in_session(make_backend, project, scenario)


def test_without_git_both_sides_are_kept_whole_with_markers(
    make_backend: BackendFactory, letta_home: Path, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "no-git-here"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))

    async def scenario(s: Session) -> None:
        await s.backend.update_block(s.block_id, BASE)
        await s.memory.sync()
        mine, theirs = BASE.replace("make test", "make check"), BASE.replace("none yet", "WAL mode")
        s.file.write_text(mine + "\n")
        await s.backend.update_block(s.block_id, theirs)
        assert await s.memory.sync() == "conflict"
        assert s.file.read_text() == f"<<<<<<< .letta/project.md\n{mine}\n=======\n{theirs}\n>>>>>>> project block\n"
        assert await s.block() == s.file.read_text().rstrip("\n")
        assert len(s.warnings) == 1 and "kept both with markers" in s.warnings[0]

    in_session(make_backend, project, scenario)


def test_a_merge_over_the_block_limit_raises_the_limit(
    make_backend: BackendFactory, letta_home: Path, project: Path
) -> None:
    async def scenario(s: Session) -> None:
        await s.backend.update_block(s.block_id, BASE, limit=len(BASE) + 10)
        await s.memory.sync()
        long_line = "- " + "the build needs the vendored protobuf compiler " * 4
        s.file.write_text(BASE.replace("- test: make test", f"- test: make test\n{long_line}") + "\n")
        await s.backend.update_block(s.block_id, BASE.replace("none yet", "WAL"))
        assert await s.memory.sync() == "merged"
        block = await s.backend.find_block(s.block_id)
        assert block is not None
        assert long_line in block.value and "- WAL" in block.value, "no text was lost to the limit"
        assert block.limit == len(block.value) > len(BASE) + 10
        assert s.warnings[0] == (
            f"team memory is {len(block.value)} characters, over the project block's limit of {len(BASE) + 10}; "
            f"raised the limit to {len(block.value)}"
        )

    in_session(make_backend, project, scenario)


def test_an_undecodable_file_is_one_warning_and_no_sync(
    make_backend: BackendFactory, letta_home: Path, project: Path
) -> None:
    async def scenario(s: Session) -> None:
        await s.backend.update_block(s.block_id, BASE)
        await s.memory.sync()
        s.file.write_bytes(b"# Commands\n\xff\xfe broken\n")
        assert await s.memory.sync() == "skipped"
        assert s.warnings == [".letta/project.md is not UTF-8 text (byte 12); team memory not synced"]
        assert await s.block() == BASE
        assert s.file.read_bytes() == b"# Commands\n\xff\xfe broken\n", "the user's file is left as it is"

    in_session(make_backend, project, scenario)


def test_an_unwritable_folder_is_one_warning_and_the_next_sync_catches_up(
    make_backend: BackendFactory, letta_home: Path, project: Path
) -> None:
    async def scenario(s: Session) -> None:
        await s.backend.update_block(s.block_id, BASE)
        await s.memory.sync()
        await s.backend.update_block(s.block_id, BASE + "\n- more")
        with read_only(s.file.parent):
            assert await s.memory.sync() == "skipped"
        assert len(s.warnings) == 1, s.warnings  # "(Permission denied)", or for root "(Operation not permitted)"
        assert re.fullmatch(r"cannot write \.letta/project\.md \([^)]+\); team memory not synced", s.warnings[0])
        assert s.file.read_text() == BASE + "\n"
        assert await s.memory.sync() == "to_file"
        assert s.file.read_text() == BASE + "\n- more\n"

    in_session(make_backend, project, scenario)


def test_projectmemoryfile_names_the_file_and_false_turns_it_off(
    make_backend: BackendFactory, letta_home: Path, project: Path
) -> None:
    (project / ".letta").mkdir()
    (project / ".letta" / "settings.json").write_text('{"projectMemoryFile": "docs/TEAM.md"}\n')

    async def named(s: Session) -> None:
        await s.backend.update_block(s.block_id, BASE)
        assert await s.memory.sync() == "to_file"
        assert (project / "docs" / "TEAM.md").read_text() == BASE + "\n"
        assert not s.file.exists()

    in_session(make_backend, project, named)
    (project / ".letta" / "settings.local.json").write_text('{"projectMemoryFile": false}\n')

    async def off(s: Session) -> None:
        await s.backend.update_block(s.block_id, BASE + "\n- changed")
        assert await s.memory.sync() == "off"
        assert (project / "docs" / "TEAM.md").read_text() == BASE + "\n"

    in_session(make_backend, project, off)


def test_merge_texts_uses_git_for_a_clean_merge() -> None:
    merged = merge_texts("a\nb\nc", "A\nb\nc", "a\nb\nC", ".letta/project.md")
    assert (merged.text, merged.conflicted) == ("A\nb\nC", False)

"""Project instructions: finding the AGENTS.md / CLAUDE.md files, rendering the `instructions`
block (caps, notes, parse-back), and `ProjectInstructions` over both backends."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, cast

from letta_code.client.backend import Backend
from letta_code.harness.instructions import (
    FILE_CAP,
    INSTRUCTIONS_DESCRIPTION,
    INSTRUCTIONS_LABEL,
    NO_FILES,
    TOTAL_CAP,
    InstructionFile,
    ProjectInstructions,
    folder_file,
    instructions_line,
    loaded_files,
    project_root,
    render,
    start_instructions,
)
from letta_code.schemas.state import BlockState
from tests.conftest import BackendFactory


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def repo(tmp_path: Path) -> Path:
    """A project root: a folder holding `.git`, inside a folder that has an AGENTS.md of its own."""
    write(tmp_path / "AGENTS.md", "ABOVE-THE-ROOT")
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    return root


# -- finding -------------------------------------------------------------------------------
def test_the_project_root_is_the_nearest_folder_with_git_else_the_session_folder(tmp_path: Path) -> None:
    root = repo(tmp_path)
    deep = root / "src" / "pkg"
    deep.mkdir(parents=True)
    assert project_root(deep) == root.resolve()
    write(root / "src" / ".git", "gitdir: elsewhere")  # a worktree's .git is a file
    assert project_root(deep) == (root / "src").resolve()
    plain = tmp_path / "plain" / "sub"
    plain.mkdir(parents=True)
    assert project_root(plain) == plain.resolve()


def test_agents_md_wins_over_claude_md_in_the_same_folder(tmp_path: Path) -> None:
    assert folder_file(tmp_path) is None
    claude = write(tmp_path / "CLAUDE.md", "claude")
    assert folder_file(tmp_path) == claude
    agents = write(tmp_path / "AGENTS.md", "agents")
    assert folder_file(tmp_path) == agents


# -- rendering -----------------------------------------------------------------------------
def test_each_file_is_headed_by_its_path_and_the_paths_read_back() -> None:
    files = [
        InstructionFile(Path("/home/u/.letta/AGENTS.md"), "Be brief.\n"),
        InstructionFile(Path("/r/CLAUDE.md"), ""),
    ]
    value = render(files)
    assert '<instructions_file path="/home/u/.letta/AGENTS.md">\nBe brief.\n</instructions_file>' in value
    assert loaded_files(value) == ["/home/u/.letta/AGENTS.md", "/r/CLAUDE.md"]
    assert instructions_line(value) == "instructions: /home/u/.letta/AGENTS.md, /r/CLAUDE.md"
    assert (
        render([]) == NO_FILES and loaded_files(NO_FILES) == [] and instructions_line(NO_FILES) == "instructions: none"
    )


def test_a_header_line_inside_a_file_that_names_no_instructions_file_is_not_a_file() -> None:
    value = render([InstructionFile(Path("/r/AGENTS.md"), '<instructions_file path="/etc/passwd">\nx')])
    assert loaded_files(value) == ["/r/AGENTS.md"]


def test_a_long_file_is_cut_with_a_note_saying_how_much_and_where_the_rest_is() -> None:
    text = "a" * (FILE_CAP - 1) + "Z" + "b" * 5_000
    value = render([InstructionFile(Path("/r/AGENTS.md"), text)])
    assert "Z" in value and "b" not in value.split("[cut:")[0]
    assert f"[cut: 5,000 of {FILE_CAP + 5_000:,} characters not shown" in value
    assert "Read /r/AGENTS.md for the rest]" in value


def test_all_files_together_are_cut_at_the_total_cap() -> None:
    files = [InstructionFile(Path(f"/r/{i}/AGENTS.md"), str(i) * 9_000) for i in range(4)]
    value = render(files)
    assert value.count("0") >= 9_000 and value.count("1") >= 9_000
    assert value.count("2") >= TOTAL_CAP - 18_000 and "2" * (TOTAL_CAP - 18_000 + 1) not in value
    assert "[cut: 2,000 of 9,000 characters not shown (all files' limit is 25,000); Read /r/2/AGENTS.md" in value
    assert "[cut: 9,000 of 9,000 characters not shown" in value  # the fourth: only its header and the note
    assert loaded_files(value) == [f"/r/{i}/AGENTS.md" for i in range(4)]


# -- ProjectInstructions on both transports ------------------------------------------------
class CountingBackend:
    """The real backend, counting the calls made through it (so a test can say "no call")."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.backend, name)
        if not callable(attr):
            return attr

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return attr(*args, **kwargs)

        return counted


async def instructions_block(backend: Backend, agent_id: str) -> BlockState | None:
    agent = await backend.find_agent(agent_id)
    assert agent is not None
    return next((b for b in agent.blocks if b.label == INSTRUCTIONS_LABEL), None)


def on_backend(make_backend: BackendFactory, body: Callable[[Backend], Awaitable[None]]) -> None:
    async def scenario() -> None:
        backend = make_backend()
        try:
            await body(backend)
        finally:
            await backend.close()

    asyncio.run(scenario())


def test_start_writes_the_user_and_root_files_and_a_touch_loads_a_subfolder_once(
    make_backend: BackendFactory, tmp_path: Path
) -> None:
    root = repo(tmp_path)
    home = tmp_path / "home"
    user = write(home / "AGENTS.md", "USER-RULE")
    write(root / "CLAUDE.md", "ROOT-CLAUDE")
    agents = write(root / "AGENTS.md", "ROOT-AGENTS")
    sub = write(root / "pkg" / "AGENTS.md", "PKG-RULE")
    write(root / "pkg" / "deep" / "CLAUDE.md", "DEEP-RULE")
    write(root / "other" / "AGENTS.md", "OTHER-RULE")

    async def body(real: Backend) -> None:
        agent = await real.create_agent(name="i", model="openai/gpt-4.1", block_ids=[], tools=[])
        backend = CountingBackend(real)
        instructions = await start_instructions(cast(Backend, backend), lambda: agent.id, cwd=root, home=home)
        block = await instructions_block(real, agent.id)
        assert block is not None and block.read_only and block.description == INSTRUCTIONS_DESCRIPTION
        assert loaded_files(block.value) == [str(user), str(agents)]
        assert "ROOT-AGENTS" in block.value and "ROOT-CLAUDE" not in block.value
        assert "ABOVE-THE-ROOT" not in block.value and "PKG-RULE" not in block.value

        await instructions.touched(root / "pkg" / "deep" / "mod.py")
        block = await instructions_block(real, agent.id)
        assert block is not None
        assert loaded_files(block.value) == [str(user), str(agents), str(sub), str(root / "pkg" / "deep" / "CLAUDE.md")]
        assert "OTHER-RULE" not in block.value

        assert "update_block" in backend.calls  # the counter sees the calls a touch makes
        backend.calls.clear()
        await instructions.touched(root / "pkg" / "deep" / "other.py")  # nothing new
        await instructions.touched(root / "pkg")  # a folder (Grep, Glob, LS)
        await instructions.touched(tmp_path / "elsewhere.py")  # above the root: never loaded
        await instructions.touched(Path("README.md"))  # relative to the session's folder
        assert backend.calls == []

        write(sub, "PKG-RULE-2")  # the agent edits an instructions file: read again
        await instructions.touched(sub)
        block = await instructions_block(real, agent.id)
        assert block is not None and "PKG-RULE-2" in block.value

    on_backend(make_backend, body)


def test_a_session_started_in_a_subfolder_loads_the_files_from_the_root_down_to_it(
    make_backend: BackendFactory, tmp_path: Path
) -> None:
    root = repo(tmp_path)
    write(root / "AGENTS.md", "ROOT")
    pkg = write(root / "pkg" / "CLAUDE.md", "PKG")
    write(root / "pkg" / "deeper" / "AGENTS.md", "DEEPER")

    async def body(backend: Backend) -> None:
        agent = await backend.create_agent(name="i", model="openai/gpt-4.1", block_ids=[], tools=[])
        await start_instructions(backend, lambda: agent.id, cwd=root / "pkg", home=tmp_path / "home")
        block = await instructions_block(backend, agent.id)
        assert block is not None and loaded_files(block.value) == [str(root / "AGENTS.md"), str(pkg)]

    on_backend(make_backend, body)


def test_no_files_creates_no_block_and_an_existing_block_is_told_there_are_none(
    make_backend: BackendFactory, tmp_path: Path
) -> None:
    root = repo(tmp_path)
    home = tmp_path / "home"

    async def body(backend: Backend) -> None:
        agent = await backend.create_agent(name="i", model="openai/gpt-4.1", block_ids=[], tools=[])
        await start_instructions(backend, lambda: agent.id, cwd=root, home=home)
        assert await instructions_block(backend, agent.id) is None

        write(root / "AGENTS.md", "FIRST")
        write(root / "pkg" / "AGENTS.md", "PKG")
        instructions = await start_instructions(backend, lambda: agent.id, cwd=root, home=home)
        await instructions.touched(root / "pkg" / "x.py")
        block = await instructions_block(backend, agent.id)
        assert block is not None and "PKG" in block.value

        (root / "AGENTS.md").write_text("SECOND", encoding="utf-8")  # edited between sessions
        await start_instructions(backend, lambda: agent.id, cwd=root, home=home)
        block = await instructions_block(backend, agent.id)
        assert block is not None and "SECOND" in block.value and "FIRST" not in block.value
        assert "PKG" not in block.value  # a subfolder's file waits for the next touch

        (root / "AGENTS.md").unlink()
        await start_instructions(backend, lambda: agent.id, cwd=root, home=home)
        block = await instructions_block(backend, agent.id)
        assert block is not None and block.value == NO_FILES

    on_backend(make_backend, body)


def test_after_the_session_switches_agents_the_next_touch_writes_the_new_agents_block(
    make_backend: BackendFactory, tmp_path: Path
) -> None:
    root = repo(tmp_path)
    write(root / "AGENTS.md", "ROOT")

    async def body(backend: Backend) -> None:
        first = await backend.create_agent(name="a", model="openai/gpt-4.1", block_ids=[], tools=[])
        second = await backend.create_agent(name="b", model="openai/gpt-4.1", block_ids=[], tools=[])
        current = [first.id]
        instructions = ProjectInstructions(backend, lambda: current[0], root, tmp_path / "home")
        await instructions.start()
        current[0] = second.id
        await instructions.touched(root / "x.py")
        block = await instructions_block(backend, second.id)
        assert block is not None and "ROOT" in block.value

    on_backend(make_backend, body)

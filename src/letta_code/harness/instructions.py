"""Project instructions: the AGENTS.md (or CLAUDE.md) files in the agent's context.

This module owns finding those files, rendering them into the read-only `instructions`
memory block, and the session's set of loaded files (`ProjectInstructions`).

Which files: the user's `$LETTA_HOME/AGENTS.md`, then the file of each folder from the
project root (the nearest ancestor of the session's folder holding `.git`, else the
session's folder) down to the session's folder, loaded at start; then the file of a
subfolder (any folder between the root and a file, that file's folder included) once
the agent first reads or edits something under it. In each folder AGENTS.md wins over
CLAUDE.md. Nothing above the project root is ever loaded for a subfolder.

Each file is headed by a fixed line naming its path (`loaded_files` reads them back) and
cut at `FILE_CAP` characters, and all of them at `TOTAL_CAP`, with a note saying how much
was cut and that the agent can Read the file for the rest. The block is rewritten at each
session start, so a file edited between sessions is fresh and a subfolder's file is gone
until the agent works there again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from letta_code.client.backend import Backend, BackendError
from letta_code.schemas.defaults import DEFAULT_BLOCK_LIMIT

INSTRUCTIONS_LABEL = "instructions"
INSTRUCTIONS_DESCRIPTION = (
    "Instructions from the AGENTS.md files of this project and of the user; read-only: edit the files to change them."
)
FILE_NAMES = ("AGENTS.md", "CLAUDE.md")  # in a folder, the first one there wins
USER_FILE = "AGENTS.md"
FILE_CAP = 10_000
TOTAL_CAP = 25_000
NO_FILES = "(no AGENTS.md or CLAUDE.md files loaded)"
_OPEN = '<instructions_file path="{path}">'
_CLOSE = "</instructions_file>"
_HEADER = re.compile(r'^<instructions_file path="(?P<path>[^"\n]+)">$', re.MULTILINE)


@dataclass(frozen=True)
class InstructionFile:
    """One loaded file: where it is and its whole text."""

    path: Path
    text: str


def project_root(cwd: Path) -> Path:
    """The nearest ancestor of `cwd` (itself included) holding `.git`; `cwd` when none does."""
    cwd = cwd.resolve()
    for folder in (cwd, *cwd.parents):
        if (folder / ".git").exists():
            return folder
    return cwd


def folder_file(folder: Path) -> Path | None:
    """The instructions file of one folder: AGENTS.md, else CLAUDE.md, else None."""
    for name in FILE_NAMES:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


def folders_between(root: Path, folder: Path) -> list[Path]:
    """The folders from `root` down to `folder`, both included; [] when `folder` is not under `root`."""
    if not folder.is_relative_to(root):
        return []
    chain = [folder, *folder.parents]
    return list(reversed(chain[: chain.index(root) + 1]))


def read_file(path: Path) -> InstructionFile | None:
    """The file's text (bad bytes shown as U+FFFD); None when it cannot be read."""
    try:
        return InstructionFile(path, path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None


def render(files: list[InstructionFile]) -> str:
    """The block's text: each file under its header line, cut to the caps with a note."""
    if not files:
        return NO_FILES
    budget = TOTAL_CAP
    sections = []
    for f in files:
        shown = f.text[: min(FILE_CAP, budget)]
        budget -= len(shown)
        body = shown.rstrip("\n")
        cut = len(f.text) - len(shown)
        if cut:
            why = "this file's" if len(shown) == FILE_CAP else "all files'"
            cap = FILE_CAP if len(shown) == FILE_CAP else TOTAL_CAP
            body += (
                f"\n[cut: {cut:,} of {len(f.text):,} characters not shown ({why} limit is {cap:,}); "
                f"Read {f.path} for the rest]"
            )
        sections.append(f"{_OPEN.format(path=f.path)}\n{body}\n{_CLOSE}")
    return "\n\n".join(sections)


def loaded_files(block_value: str) -> list[str]:
    """The paths of the files an `instructions` block holds, in order."""
    return [m.group("path") for m in _HEADER.finditer(block_value) if Path(m.group("path")).name in FILE_NAMES]


def instructions_line(block_value: str) -> str:
    """One line naming the files an `instructions` block holds (`letta memory list`, `/memory`)."""
    return f"instructions: {', '.join(loaded_files(block_value)) or 'none'}"


def user_file(home: Path) -> Path:
    """The user's own file, loaded in every session."""
    return home / USER_FILE


class ProjectInstructions:
    """The instruction files of one session and the agent's `instructions` block."""

    def __init__(self, backend: Backend, agent_id: Callable[[], str], cwd: Path, home: Path) -> None:
        self.backend = backend
        self.agent_id = agent_id  # asked at each write: the TUI can switch agents
        self.cwd = cwd.resolve()
        self.home = home
        self.root = project_root(cwd)
        self.user: InstructionFile | None = None
        self.folders: dict[Path, InstructionFile] = {}  # by folder: the root's, the subfolders' loaded so far
        self._scanned: set[Path] = set()  # folders looked at (with a file or not)
        self._written_for: str | None = None  # the agent whose block holds the files

    @property
    def files(self) -> list[InstructionFile]:
        """The user's file, then the folders' from the root down (by depth, then path)."""
        ordered = sorted(self.folders.items(), key=lambda item: (len(item[0].parts), str(item[0])))
        out = [self.user] if self.user is not None else []
        return out + [f for _, f in ordered if self.user is None or f.path.resolve() != self.user.path.resolve()]

    @property
    def paths(self) -> list[str]:
        return [str(f.path) for f in self.files]

    async def start(self) -> None:
        """Load the user's file and those from the root down to the session's folder, and write the
        block (created only when there is a file; else an existing one says there is none)."""
        self.root = project_root(self.cwd)
        self.user = read_file(user_file(self.home)) if user_file(self.home).is_file() else None
        self.folders, self._scanned = {}, set()
        for folder in folders_between(self.root, self.cwd):
            self._load(folder)
        await self._write()

    async def touched(self, path: Path) -> None:
        """The agent read or changed `path` (a file or a folder): load the files of the folders
        between it and the root not looked at yet; an instructions file itself is read again.
        When nothing is new this makes no backend call."""
        try:
            path = (path if path.is_absolute() else self.cwd / path).resolve()
        except (OSError, RuntimeError):  # a symlink loop: no folder to look at
            return
        folder = path if path.is_dir() else path.parent
        chain = [f for f in folders_between(self.root, folder) if f not in self._scanned]
        if path.name in FILE_NAMES and folder not in chain and folder.is_relative_to(self.root):
            chain.append(folder)  # an instructions file was edited (or read): its text again
        before = (self.user, dict(self.folders), set(self._scanned))
        changed = self._written_for is not None and self._written_for != self.agent_id()
        if path == user_file(self.home).resolve():
            fresh = read_file(path)
            changed, self.user = changed or fresh != self.user, fresh
        for f in chain:
            changed = self._load(f) or changed
        if not changed:
            return
        try:
            await self._write()
        except BackendError:  # the next touch tries again
            self.user, self.folders, self._scanned = before

    def _load(self, folder: Path) -> bool:
        """Look at `folder` and (re)load its file; whether what is loaded changed."""
        self._scanned.add(folder)
        path = folder_file(folder)
        new = read_file(path) if path is not None else None
        old = self.folders.get(folder)
        if new == old:
            return False
        if new is None:
            del self.folders[folder]
        else:
            self.folders[folder] = new
        return True

    async def _write(self) -> None:
        """The block gets the files' text, the way the skills blocks are written (`harness/skills.py`)."""
        agent_id = self.agent_id()
        files = self.files
        value = render(files)
        agent = await self.backend.find_agent(agent_id)
        block = next((b for b in agent.blocks if b.label == INSTRUCTIONS_LABEL), None) if agent else None
        if block is None and files:
            new = await self.backend.create_block(
                INSTRUCTIONS_LABEL,
                value,
                description=INSTRUCTIONS_DESCRIPTION,
                limit=max(DEFAULT_BLOCK_LIMIT, len(value)),
                read_only=True,
            )
            await self.backend.attach_block(agent_id, new.id)
        elif block is not None and block.value != value:
            wanted = max(block.limit, len(value))
            await self.backend.update_block(block.id, value, limit=wanted if wanted != block.limit else None)
        self._written_for = agent_id


async def start_instructions(
    backend: Backend, agent_id: Callable[[], str], *, cwd: Path, home: Path
) -> ProjectInstructions:
    """The session's instructions, loaded and written into the agent's block."""
    instructions = ProjectInstructions(backend, agent_id, cwd, home)
    await instructions.start()
    return instructions

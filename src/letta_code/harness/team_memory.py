"""Team memory: the project block's text in a committed file, kept in sync both ways.

This module owns `.letta/project.md` (the path is the settings' `projectMemoryFile`;
false turns it off): a human-readable copy of the session agent's `project` block that
the team commits. `TeamMemory.sync` runs when a session starts (after the agent is
resolved, before the first request) and after each turn or reflection pass. It compares
the file and the block with the text of the last sync, which is this user's own
(`projectMemorySynced` in `.letta/settings.local.json`, never committed):

- only the file changed: the block gets the file's text (a revision);
- only the block changed, or there is no file yet and the block has real content: the
  file is written (atomically), so the change shows in `git diff`;
- both changed: a three-way merge on the last synced text (`git merge-file`; without
  git, or on a conflict, both sides kept between conflict markers), written to both
  sides, with one warning line.

A block that holds only the placeholder of a new agent (or nothing) never overwrites the
file: it gets the file's text. A text over the block's limit raises the limit rather than
lose text. An unreadable file, an unwritable folder or a failed block write is one
warning line, and that sync is skipped; the next one picks up from the same last text.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from letta_code.client.backend import Backend, BackendError
from letta_code.config.json_files import write_text_atomically
from letta_code.config.settings import Settings
from letta_code.harness.agent_setup import DEFAULT_BLOCKS, SessionTarget, read_team_memory, save_in_project
from letta_code.schemas.state import BlockState

SYNCED_KEY = "projectMemorySynced"  # in settings.local.json: {"blockId": ..., "text": ...}
PROJECT_LABEL = "project"
PLACEHOLDER = DEFAULT_BLOCKS[PROJECT_LABEL][1]
NEW_FILE_MODE = 0o644  # a committed file: readable by everyone, like the project settings
GIT_TIMEOUT = 30.0
BLOCK_SIDE = "project block"
BASE_SIDE = "last sync"

# What one sync did: nothing to do ("unchanged"), which side it wrote, or why it did nothing.
SyncAction = Literal["off", "skipped", "unchanged", "to_block", "to_file", "merged", "conflict"]


@dataclass(frozen=True)
class Merged:
    """The result of a three-way merge: the text, and whether it holds conflict markers."""

    text: str
    conflicted: bool


def has_content(text: str) -> bool:
    """A block that says something: not empty, not the placeholder a new project block starts with."""
    return text.strip() not in ("", PLACEHOLDER)


class TeamMemory:
    """Syncs the session agent's project block with the team memory file (see the module docstring)."""

    def __init__(
        self, backend: Backend, settings: Settings, target: SessionTarget, warn: Callable[[str], None]
    ) -> None:
        self.backend = backend
        self.settings = settings
        self.target = target  # read at each sync: the TUI can switch agents
        self.warn = warn

    async def after_turn(self) -> SyncAction:
        """After a turn or a reflection pass: the agent's edits go to the file, a teammate's to the block."""
        return await self.sync()

    async def sync(self) -> SyncAction:
        path = self.settings.project_memory_file()
        if path is None:
            return "off"
        shown = _shown(path, self.settings.cwd)
        try:
            block = await self._block()
            if block is None:  # an agent without a project block (made elsewhere): nothing to share
                return "skipped"
            return await self._sync(path, shown, block)
        except BackendError as exc:
            self.warn(f"team memory not synced with {shown}: {exc}")
            return "skipped"

    async def _block(self) -> BlockState | None:
        ids = [b.id for b in self.target.agent.blocks if b.label == PROJECT_LABEL]
        return await self.backend.find_block(ids[0]) if ids else None

    async def _sync(self, path: Path, shown: str, block: BlockState) -> SyncAction:
        try:
            file_text = read_team_memory(path)
        except UnicodeDecodeError as exc:
            self.warn(f"{shown} is not UTF-8 text (byte {exc.start + 1}); team memory not synced")
            return "skipped"
        except OSError as exc:
            self.warn(f"cannot read {shown} ({exc.strerror or exc}); team memory not synced")
            return "skipped"
        block_text = block.value.rstrip("\r\n")  # as the file holds it (its final newline is the file's)
        if file_text is None:
            if not has_content(block_text):
                return "unchanged"
            return await self._settle(path, shown, block, block_text, "to_file")
        if file_text == block_text:
            self._save_synced(block.id, block_text)
            return "unchanged"
        synced = self._synced(block.id)
        if not has_content(block_text) or synced == block_text:
            return await self._settle(path, shown, block, file_text, "to_block")
        if synced == file_text:
            return await self._settle(path, shown, block, block_text, "to_file")
        merged = merge_texts(synced or "", file_text, block_text, shown)
        action: SyncAction = "conflict" if merged.conflicted else "merged"
        done = await self._settle(path, shown, block, merged.text, action)
        if done == "conflict":
            self.warn(
                f"{shown} and the project block both changed; kept both with markers in {shown} "
                "— edit it and run letta again"
            )
        elif done == "merged":
            self.warn(f"{shown} and the project block both changed; merged them into both")
        return done

    async def _settle(self, path: Path, shown: str, block: BlockState, text: str, action: SyncAction) -> SyncAction:
        """Make `text` what both sides hold (the file first: a failed write changes nothing)."""
        if action != "to_block":
            try:
                write_atomically(path, text + "\n")
            except OSError as exc:
                self.warn(f"cannot write {shown} ({exc.strerror or exc}); team memory not synced")
                return "skipped"
        if action != "to_file":
            limit = None
            if len(text) > block.limit:
                limit = len(text)
                self.warn(
                    f"team memory is {len(text)} characters, over the project block's limit of "
                    f"{block.limit}; raised the limit to {limit}"
                )
            await self.backend.update_block(block.id, text, limit=limit)
        self._save_synced(block.id, text)
        return action

    def _synced(self, block_id: str) -> str | None:
        """The text of this user's last sync of this block (None: never, or another block)."""
        entry = self.settings.local.get(SYNCED_KEY)
        if isinstance(entry, dict) and entry.get("blockId") == block_id and isinstance(entry.get("text"), str):
            return str(entry["text"])
        return None

    def _save_synced(self, block_id: str, text: str) -> None:
        if self._synced(block_id) != text:
            save_in_project(self.settings.save_local, **{SYNCED_KEY: {"blockId": block_id, "text": text}})


def merge_texts(base: str, file_text: str, block_text: str, shown: str) -> Merged:
    """A three-way merge of the file's and the block's text on `base` (the last synced text):
    `git merge-file` when git is on PATH, else both texts whole between conflict markers."""
    git = shutil.which("git")
    merged = _git_merge(git, base, file_text, block_text, shown) if git else None
    if merged is not None:
        return merged
    text = f"<<<<<<< {shown}\n{file_text}\n=======\n{block_text}\n>>>>>>> {BLOCK_SIDE}"
    return Merged(text, conflicted=True)


def _git_merge(git: str, base: str, file_text: str, block_text: str, shown: str) -> Merged | None:
    """`git merge-file -p` on temp files; None when git fails (it exits with the number of
    conflicts, at most 127, and a negative number, 255 here, on an error)."""
    import subprocess  # only when both sides changed

    with tempfile.TemporaryDirectory(prefix="letta-merge-") as folder:
        names = []
        for name, text in (("file", file_text), ("base", base), ("block", block_text)):
            side = Path(folder) / name
            side.write_text(text + "\n" if text else "", encoding="utf-8")
            names.append(str(side))
        labels = ["-L", shown, "-L", BASE_SIDE, "-L", BLOCK_SIDE]
        command = [git, "-c", "merge.conflictStyle=merge", "merge-file", "-p", *labels, *names]
        try:
            done = subprocess.run(command, cwd=folder, capture_output=True, timeout=GIT_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None
    if not 0 <= done.returncode <= 127:
        return None
    try:
        text = done.stdout.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return Merged(text.rstrip("\r\n"), conflicted=done.returncode > 0)


def write_atomically(path: Path, text: str) -> None:
    """Write the team memory file atomically, keeping its mode (a new one is readable by all)."""
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        mode = NEW_FILE_MODE
    write_text_atomically(path, text, mode)


def _shown(path: Path, cwd: Path) -> str:
    """The file as the user knows it: relative to the project (`.letta/project.md`)."""
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        return str(path)

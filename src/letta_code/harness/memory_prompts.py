"""The prompts of the built-in memory commands both front ends run: `/init` (learn this
repository into the `project` block, and offer an AGENTS.md) and `/remember TEXT` (file
TEXT into the right block). They are ordinary turns: the agent does the work with its
read-only tools and memory tools, under the session's permission checker.
"""

from __future__ import annotations

from pathlib import Path

INSTRUCTION_FILES = ("AGENTS.md", "CLAUDE.md")


def init_prompt(project_dir: Path) -> str:
    """What `/init` sends: explore, record in the project block (updating, not duplicating),
    and write an AGENTS.md only when the project has none (the Write asks as usual)."""
    present = [name for name in INSTRUCTION_FILES if (project_dir / name).is_file()]
    agents_file = (
        f"The project already has {' and '.join(present)}; do not rewrite it."
        if present
        else "The project has no AGENTS.md. When you are done, offer one: write AGENTS.md at the project root "
        "with the Write tool, holding the same facts for teammates and other tools (the user is asked to "
        "allow the write; if it is refused, leave it)."
    )
    return "\n".join(
        [
            "/init: learn this repository and record it in your `project` memory block.",
            "1. Explore with read-only tools only (Glob, Grep, Read, and read-only Bash such as `ls` or "
            "`git log --oneline -5`): the layout, the entry points, and the build, test, lint and run commands "
            "as the files that state them say (README, Makefile, pyproject.toml, package.json, CI config).",
            "2. Rewrite the `project` block with memory_rethink: keep what in it is still true, add what you "
            "learned, and never state a fact twice, so running /init again updates rather than duplicates. "
            "Short lines under the headings Commands, Layout, Conventions, Gotchas; stay well under the block's "
            "limit.",
            f"3. {agents_file}",
            "End with two or three lines saying what you recorded.",
        ]
    )


def remember_prompt(text: str) -> str:
    """What `/remember TEXT` (and `#TEXT` in the TUI) sends."""
    return "\n".join(
        [
            f"/remember: {text.strip()}",
            "File this into the right memory block: `human` for the user's preferences and habits, `project` for "
            "facts about this repository, `persona` for how you should behave. Use memory_insert, or "
            "memory_replace where it corrects a line already there; do not duplicate what the block says. "
            "Then say in one line which block you changed and how.",
        ]
    )

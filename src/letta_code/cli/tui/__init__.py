"""The interactive terminal UI of `letta` (prompt_toolkit input, rich output, inline): the
prompt, the rendered stream, approvals and the slash commands (`commands.py`).

It starts from `cli/session.py` and must not import the dispatcher `cli.dispatch`
(import-linter contract "headless mode and the terminal UI start from cli.session, never
from the dispatcher in cli.dispatch"). As part of `cli` it reaches the service only
through `client/`, and never imports `testing`.
"""

from __future__ import annotations

from letta_code.cli.args import CliOptions


async def run_tui(args: CliOptions, env: dict[str, str]) -> int:
    """Run the interactive session; returns the exit code."""
    from letta_code.cli.tui.app import run_tui as _run

    return await _run(args, env)


__all__ = ["run_tui"]

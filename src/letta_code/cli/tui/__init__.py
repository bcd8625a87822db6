"""The interactive terminal UI of `letta` (prompt_toolkit input, rich output, inline)."""

from __future__ import annotations

from letta_code.cli.args import CliOptions


async def run_tui(args: CliOptions, env: dict[str, str]) -> int:
    """Run the interactive session; returns the exit code."""
    from letta_code.cli.tui.app import run_tui as _run

    return await _run(args, env)


__all__ = ["run_tui"]

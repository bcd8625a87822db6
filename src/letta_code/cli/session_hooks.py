"""The session events of hooks, for headless mode and the terminal UI alike.

SessionStart when a session opens (source `startup`, or `resume` for `--continue` and
`--resume`): what its hooks add as context goes with the first prompt (the turn runner
takes it from `HookRunner.pending_context`). SessionEnd when the session ends. Both do
nothing when no hook is configured (`SessionContext.hooks` is None); a hook that fails
is one line for the user (the runner's `notify`), never the end of the session.
"""

from __future__ import annotations

from typing import Literal

from letta_code.cli.args import CliOptions
from letta_code.cli.session import SessionContext

EndReason = Literal["clear", "logout", "prompt_input_exit", "other"]


def start_source(args: CliOptions) -> Literal["startup", "resume"]:
    return "resume" if args.continue_last or args.resume else "startup"


async def session_started(ctx: SessionContext) -> None:
    if ctx.hooks is not None:
        await ctx.hooks.session_start(start_source(ctx.args))


async def session_ended(ctx: SessionContext, reason: EndReason) -> None:
    if ctx.hooks is not None:
        await ctx.hooks.session_end(reason)

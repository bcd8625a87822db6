"""Which reflection a session runs, and how a headless session starts one that is due.

The setting is `"reflection": {"every": N, "model": ...}` of the settings files
(`Settings.reflection`); `LETTA_REFLECTION_EVERY` overrides `every` for one process
(`0` turns automatic passes off, as a CI job may want). The TUI keeps a `Reflector`
(`harness/reflection.py`) for the session; `letta -p` ends when its turn ends, so a pass
that is due then never keeps it waiting: a server runs it as a background run, and the
embedded service runs it in a detached `letta memory reflect --if-due` process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import replace

from letta_code.cli.session import SessionContext
from letta_code.client.backend import BackendError
from letta_code.config.settings import ReflectionSettings, Settings
from letta_code.errors import UserError
from letta_code.harness.reflection import ReflectionOutcome, Reflector

EVERY_VARIABLE = "LETTA_REFLECTION_EVERY"
# The detached passes this process started: kept, so none is reaped (and warned about) early.
_DETACHED: list[subprocess.Popen[bytes]] = []


class ReflectionSettingError(UserError):
    """LETTA_REFLECTION_EVERY is not a whole number."""


def reflection_settings(settings: Settings, env: Mapping[str, str]) -> ReflectionSettings:
    configured = settings.reflection()
    raw = env.get(EVERY_VARIABLE, "").strip()
    if not raw:
        return configured
    if not raw.isdigit():
        raise ReflectionSettingError(f"{EVERY_VARIABLE} must be a whole number of user turns (0 = off), not {raw!r}")
    return replace(configured, every=int(raw))


def make_reflector(
    session: SessionContext, env: Mapping[str, str], on_done: Callable[[ReflectionOutcome], None] | None = None
) -> Reflector:
    """The session's reflector; it asks for the agent each time (/new and /resume keep it)."""
    target = session.target
    return Reflector(session.backend, lambda: target.agent.id, reflection_settings(session.settings, env), on_done)


async def reflect_after_headless_turn(reflector: Reflector, env: Mapping[str, str], embedded: bool) -> None:
    """Start the pass that is due after a `letta -p` turn, without waiting for it. A failure
    to start one is a warning: the turn itself went well."""
    try:
        if not await reflector.due():
            return
        if embedded:
            spawn_reflection(reflector.agent_id(), env)
        else:
            await reflector.backend.reflect(
                reflector.agent_id(), min_user_turns=reflector.settings.every, model=reflector.settings.model
            )
    except (BackendError, OSError) as exc:
        print(f"letta: warning: could not start a reflection pass: {exc}", file=sys.stderr)


def spawn_reflection(agent_id: str, env: Mapping[str, str]) -> None:
    """`letta memory reflect --agent ID --if-due` in a process of its own session, detached
    from this one's terminal and pipes, so `letta -p` exits at once."""
    command = [sys.executable, "-m", "letta_code.cli.main", "memory", "--agent", agent_id, "reflect", "--if-due"]
    process = subprocess.Popen(  # our own interpreter and module, no shell
        command,
        cwd=os.getcwd(),
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
    )
    _DETACHED.append(process)

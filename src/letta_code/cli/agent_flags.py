"""Flags that make or change the agent before a session starts: `--import FILE.af` (the
file's agent is created and used) and `--system TEXT` / `--system-file FILE` (the agent's
system prompt, saved on it)."""

from __future__ import annotations

import json
from pathlib import Path

from letta_code.cli.args import CliOptions
from letta_code.client.backend import Backend
from letta_code.errors import UserError
from letta_code.schemas.state import AgentFile


class AgentFlagError(UserError):
    """A file these flags name that cannot be used; one line for stderr."""


async def imported_agent(args: CliOptions, backend: Backend) -> str | None:
    """With `--import`: the id of the agent the file made (its first, if it has several)."""
    if args.import_file is None:
        return None
    ids = await backend.import_agent_file(read_agent_file(args.import_file))
    if not ids:
        raise AgentFlagError(f"--import: {args.import_file} made no agent")
    return ids[0]


def system_prompt(args: CliOptions) -> str | None:
    """The system prompt `--system` or `--system-file` gives (None: neither)."""
    text = args.system
    if args.system_file is not None:
        try:
            text = Path(args.system_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise AgentFlagError(f"--system-file: cannot read {args.system_file}: {exc}") from exc
    if text is not None and not text.strip():
        raise AgentFlagError("--system/--system-file: the system prompt is empty")
    return text


def read_agent_file(path: str) -> AgentFile:
    """An agent file's JSON, or one line saying why it cannot be read."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise AgentFlagError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise AgentFlagError(f"{path} is not an agent file (not JSON: {exc})") from exc
    if not isinstance(document, dict):
        raise AgentFlagError(f"{path} is not an agent file (not a JSON object)")
    return document

"""Which subagents a session offers through the `Task` tool, from the settings and the agent files.

`subagents.exploreModel` in the settings files (later files win) is the model the
built-in `explore` type runs on (none: the agent's own). Custom types are read from
`.letta/agents/*.md` and `$LETTA_HOME/agents/*.md` once, at start (`/agents` reads
them again).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from letta_code.config import paths
from letta_code.config.settings import Settings
from letta_code.harness.subagent_types import SubagentType, load_types


def explore_model(settings: Settings, warn: Callable[[str], None]) -> str | None:
    model: object = None
    for data in (settings.global_, settings.project, settings.local):
        section = data.get("subagents")
        if isinstance(section, dict) and "exploreModel" in section:
            model = section["exploreModel"]
    if model is None or (isinstance(model, str) and model.strip()):
        return model.strip() if isinstance(model, str) else None
    warn("'subagents.exploreModel' must be a model handle such as openai/gpt-4o-mini; it is ignored")
    return None


def session_types(settings: Settings, cwd: Path, warn: Callable[[str], None]) -> list[SubagentType]:
    """The types the session's `Task` tool offers: the built-in ones, then the agent files'."""
    return load_types(cwd, paths.letta_home(), explore_model=explore_model(settings, warn), warn=warn)

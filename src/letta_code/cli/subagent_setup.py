"""Which subagents a session offers through the `Task` tool, from the settings and the agent files.

`subagents.exploreModel` in the settings files (later files win) is the model the
built-in `explore` type runs on (none: the agent's own). Custom types are read from
`.letta/agents/*.md` and `$LETTA_HOME/agents/*.md` once, at start (`/agents` reads
them again).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from letta_code.client.backend import Backend
from letta_code.config import paths
from letta_code.config.settings import Settings
from letta_code.harness.agent_setup import SessionTarget
from letta_code.harness.executor import ExternalTool
from letta_code.harness.subagent_types import load_types
from letta_code.harness.subagents import Subagents
from letta_code.permissions import PermissionChecker
from letta_code.schemas.chunks import ClientToolSchema
from letta_code.tools.base import ToolSession

if TYPE_CHECKING:
    from letta_code.harness.hooks import HookRunner


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


def make_subagents(
    backend: Backend,
    settings: Settings,
    target: SessionTarget,
    *,
    client_tools: Callable[[], list[ClientToolSchema]],
    checker: PermissionChecker,
    tool_session: ToolSession,
    external_tools: Mapping[str, ExternalTool],
    hooks: HookRunner | None,
    max_steps: int,
    warn: Callable[[str], None],
) -> Subagents:
    """The session's `Task` tool: its subagents check calls with the session's checker and hooks."""
    types = load_types(tool_session.cwd, paths.letta_home(), explore_model=explore_model(settings, warn), warn=warn)
    return Subagents(
        backend,
        parent=lambda: target.agent,
        conversation=lambda: target.conversation,
        types=types,
        client_tools=client_tools,
        checker=checker,
        tool_session=tool_session,
        external_tools=external_tools,
        hooks=hooks,
        max_steps=max_steps,
    )

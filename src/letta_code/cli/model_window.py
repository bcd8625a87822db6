"""The context window a session's agent runs with, and the models `/model` offers.

Resolution, first that applies:

1. `--context-window N` (for the session's model; saved on the agent, like `-m`);
2. the settings files' `"models": {"HANDLE": {"contextWindow": N}}` (a handle or an
   alias; project files beat the global one);
3. what the model's server reports (`registry.discovered_window`: local servers, and
   OpenAI-compatible servers at a custom base URL);
4. the built-in table (`registry.context_window`), else `DEFAULT_CONTEXT_WINDOW`.

Steps 3 and 4 happen in the service when an agent is created (`create_agent`); this
module applies 1 and 2, and 3 for an agent opened with the table's assumption or
switched to another model. The window is stored on the agent (`context_window`;
`context_window_limit` over the Letta API), which is what the agent loop reads.
Over LETTA_BASE_URL only 1 and 2 are applied here: the server discovers for itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from letta_code.client.backend import Backend
from letta_code.config.settings import Settings
from letta_code.schemas.state import AgentState


def _same_model(name: str, handle: str) -> bool:
    from letta_code.service.llm.registry import resolve_handle
    from letta_code.service.llm.types import LLMError

    if name == handle:
        return True
    try:
        return resolve_handle(name) == handle
    except LLMError:
        return False


def settings_window(settings: Settings, handle: str) -> int | None:
    """The settings files' `contextWindow` for `handle` (named by handle or alias), if any."""
    found = None
    for name, size in settings.model_windows():
        if _same_model(name, handle):
            found = size
    return found


def window_fields(backend: Backend, size: int) -> dict[str, int]:
    """The `update_agent` fields that set the agent's window on this backend."""
    return {"context_window_limit": size} if backend.base_url is not None else {"context_window": size}


def window_for_model(settings: Settings, env: Mapping[str, str], backend: Backend, handle: str) -> int | None:
    """The window an agent switched to `handle` gets: settings, else (embedded) discovered or the table.

    None over LETTA_BASE_URL without a setting: the server's own value stands.
    """
    size = settings_window(settings, handle)
    if size is None and backend.base_url is None:
        from letta_code.service.llm.registry import window_for

        size = window_for(handle, env)
    return size


async def settle_window(
    backend: Backend,
    settings: Settings,
    env: Mapping[str, str],
    agent: AgentState,
    *,
    flag: int | None,
    model_changed: bool,
) -> AgentState:
    """Give the session's agent the window it should run with; saved when it differs.

    `flag` is `--context-window`; `model_changed`: `-m` switched the agent's model.
    An agent opened as it was, with no flag or setting, is only asked about when its
    window is still the built-in table's assumption for its model.
    """
    size = flag or settings_window(settings, agent.model)
    if size is None and backend.base_url is None:
        from letta_code.service.llm import registry

        if model_changed:
            size = registry.window_for(agent.model, env)
        elif agent.context_window == registry.context_window(agent.model):
            size = registry.discovered_window(agent.model, env)
    if size and size != agent.context_window:
        agent = await backend.update_agent(agent.id, **window_fields(backend, size))
    return agent


def model_choices(settings: Settings, env: Mapping[str, str], current: str) -> list[dict[str, Any]]:
    """What `/model` offers (`registry.list_models`), with the settings' windows applied."""
    from letta_code.service.llm.registry import list_models

    models = list_models(env, current=current)
    for entry in models:
        size = settings_window(settings, str(entry["handle"]))
        if size:
            entry["context_window"] = size
    return models

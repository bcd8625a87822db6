"""The context window a session's agent runs with, and the models `/model` offers.

Resolution, first that applies:

1. `--context-window N` (for the session's model; saved on the agent, like `-m`);
2. the settings files' `"models": {"HANDLE": {"contextWindow": N}}` (a handle or an
   alias; project files beat the global one);
3. what the model's server reports (`backend.models.discovered_window`: local servers,
   and OpenAI-compatible servers at a custom base URL);
4. the built-in table (`backend.models.assumed_window`), else `DEFAULT_CONTEXT_WINDOW`.

Steps 3 and 4 happen in the service when an agent is created (`create_agent`); this
module applies 1 and 2, and 3 for an agent opened with the table's assumption or
switched to another model. The window is stored on the agent (`update_agent(...,
context_window=N)`; the HTTP backend sends it as the Letta API's `context_window_limit`),
which is what the agent loop reads. Over LETTA_BASE_URL only 1 and 2 are applied here:
the server's catalog answers None for 3 and 4, since the server discovers for itself.
"""

from __future__ import annotations

import dataclasses

from letta_code.client.backend import Backend
from letta_code.client.models import ModelCatalog, ModelOption, resolve_handle
from letta_code.config.settings import Settings
from letta_code.errors import UserError
from letta_code.schemas.state import AgentState


def _same_model(name: str, handle: str) -> bool:
    if name == handle:
        return True
    try:
        return resolve_handle(name) == handle
    except UserError:  # a settings key that names no model: it names not this one either
        return False


def settings_window(settings: Settings, handle: str) -> int | None:
    """The settings files' `contextWindow` for `handle` (named by handle or alias), if any."""
    found = None
    for name, size in settings.model_windows():
        if _same_model(name, handle):
            found = size
    return found


def window_for_model(settings: Settings, models: ModelCatalog, handle: str) -> int | None:
    """The window an agent switched to `handle` gets: settings, else (embedded) discovered or the table.

    None over LETTA_BASE_URL without a setting: the server's own value stands.
    """
    size = settings_window(settings, handle)
    if size is None:
        size = models.window_for(handle)
    return size


async def settle_window(
    backend: Backend,
    settings: Settings,
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
    if size is None:
        models = backend.models
        if model_changed:
            size = models.window_for(agent.model)
        elif agent.context_window == models.assumed_window(agent.model):
            size = models.discovered_window(agent.model)
    if size and size != agent.context_window:
        agent = await backend.update_agent(agent.id, context_window=size)
    return agent


async def model_choices(settings: Settings, models: ModelCatalog, current: str) -> list[ModelOption]:
    """What `/model` offers (`models.list_models`), with the settings' windows applied."""
    options = await models.list_models(current)
    return [
        dataclasses.replace(option, context_window=size)
        if (size := settings_window(settings, option.handle))
        else option
        for option in options
    ]

"""What the CLI asks about models, whichever service is underneath: `Backend.models`.

A `ModelCatalog` resolves handles and aliases, says which window a model gets when
nobody set one, lists the models `/model` offers, and refuses a model this service
cannot run. Two catalogs:

- `EmbeddedModelCatalog`: the service in this process answers from its model registry
  (`service/llm/registry.py`, `model_check.py`) with the session's environment.
- `HttpModelCatalog`: a Letta server at LETTA_BASE_URL. It lists the models the server
  offers (`GET /v1/models`) and answers None (or checks nothing) where the server
  decides for itself: it gives a new model its window when the agent is switched,
  refuses a handle it does not know, and its providers answer for their models. So
  over LETTA_BASE_URL the CLI applies only the windows of `--context-window` and the
  settings files.

Two answers need no backend, since they are the same on both transports and are
asked before a backend is opened: `resolve_handle` (the alias tables of this letta)
and `server_tool_names` (the tools the agent service runs itself, which a permission
rule may name). The service's modules are imported inside the functions that use
them: start-up does not pay for them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

# The model a new agent gets over LETTA_BASE_URL when the settings name none.
REMOTE_DEFAULT_MODEL = "openai/gpt-4.1"


@dataclass(frozen=True)
class ModelOption:
    """One model `/model` offers: its `provider/model` handle and, when known, its window (tokens)."""

    handle: str
    context_window: int | None


def resolve_handle(text: str) -> str:
    """An alias or handle -> a `provider/model` handle; a UserError (one line) if it names no model."""
    from letta_code.service.llm.registry import resolve_handle as registry_resolve

    return registry_resolve(text)


def server_tool_names() -> frozenset[str]:
    """The tools the agent service runs itself (`memory_*`, `conversation_search`, `archival_*`)."""
    # The memory tools cost a noticeable start-up: imported only when a name is asked about.
    from letta_code.service.agent.memory_tools import MEMORY_TOOL_NAMES
    from letta_code.service.agent.search_tools import SEARCH_TOOL_NAMES

    return frozenset(MEMORY_TOOL_NAMES | SEARCH_TOOL_NAMES)


class ModelCatalog(Protocol):
    """The model questions the CLI asks of a backend (`Backend.models`)."""

    def resolve_handle(self, text: str) -> str:
        """`resolve_handle` above: the same tables on both transports."""
        ...

    def default_model(self, configured: str | None) -> str:
        """The model of a new agent: `configured` (the settings' `model`), else this service's choice."""
        ...

    def check_provider(self, handle: str) -> None:
        """Refuse (a UserError, one line) a handle whose provider is not configured here."""
        ...

    def check_model(self, text: str) -> None:
        """Refuse (a UserError, one line) the model `text` names when this service cannot run it:
        its provider is not configured, or does not serve it. Asked before anything is saved."""
        ...

    def window_for(self, handle: str) -> int | None:
        """The window an agent switched to `handle` gets when nobody set one (settings aside):
        discovered, else the built-in table. None when the service decides for itself."""
        ...

    def assumed_window(self, handle: str) -> int | None:
        """The built-in table's window for `handle`: what an agent got when nobody knew better."""
        ...

    def discovered_window(self, handle: str) -> int | None:
        """What the model's own server reports as its window; None when not asked or it did not say."""
        ...

    async def list_models(self, current: str) -> list[ModelOption]:
        """The models `/model` offers, `current` (the agent's model) among them."""
        ...


class EmbeddedModelCatalog:
    """The in-process service's answers: its model registry over `env` (the process
    environment when None). `env` is read at each question, so a variable set during
    the session counts."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self.env = env

    def resolve_handle(self, text: str) -> str:
        return resolve_handle(text)

    def default_model(self, configured: str | None) -> str:
        from letta_code.service.llm.registry import default_handle

        return default_handle(self.env, configured)

    def check_provider(self, handle: str) -> None:
        from letta_code.service.llm.registry import get_provider

        get_provider(handle, self.env)

    def check_model(self, text: str) -> None:
        from letta_code.service.llm.model_check import check_model

        self.check_provider(resolve_handle(text))  # an unconfigured provider first: the clearer line
        check_model(text, self.env)

    def window_for(self, handle: str) -> int | None:
        from letta_code.service.llm.registry import window_for

        return window_for(handle, self.env)

    def assumed_window(self, handle: str) -> int | None:
        from letta_code.service.llm.registry import context_window

        return context_window(handle)

    def discovered_window(self, handle: str) -> int | None:
        from letta_code.service.llm.registry import discovered_window

        return discovered_window(handle, self.env)

    async def list_models(self, current: str) -> list[ModelOption]:
        from letta_code.service.llm.registry import list_models

        entries = list_models(self.env, current=current)
        return [ModelOption(str(e["handle"]), int(e["context_window"])) for e in entries]


# How HttpBackend asks its server: (method, path, **httpx request arguments) -> the JSON answer.
ServerCall = Callable[..., Awaitable[Any]]


class HttpModelCatalog:
    """What a Letta server tells about models; None where the server decides for itself."""

    def __init__(self, call: ServerCall) -> None:
        self._call = call

    def resolve_handle(self, text: str) -> str:
        return resolve_handle(text)

    def default_model(self, configured: str | None) -> str:
        return configured or REMOTE_DEFAULT_MODEL

    def check_provider(self, handle: str) -> None:
        return None  # the server's providers are the server's, not this process's environment's

    def check_model(self, text: str) -> None:
        return None  # the server refuses an unknown handle when the agent is switched

    def window_for(self, handle: str) -> int | None:
        return None  # the server gives a new model its window when the agent is switched

    def assumed_window(self, handle: str) -> int | None:
        return None

    def discovered_window(self, handle: str) -> int | None:
        return None

    async def list_models(self, current: str) -> list[ModelOption]:
        views = await self._call("GET", "/v1/models")
        options = [_remote_option(v) for v in views or [] if isinstance(v, dict) and v.get("handle")]
        if current and current not in {o.handle for o in options}:
            options.append(ModelOption(current, None))
        return options


def _remote_option(view: dict[str, Any]) -> ModelOption:
    """A `GET /v1/models` entry (a Letta `LLMConfig`-like object) as a `ModelOption`."""
    window = view.get("context_window") or view.get("max_context_window")
    return ModelOption(str(view["handle"]), int(window) if isinstance(window, int) and window > 0 else None)

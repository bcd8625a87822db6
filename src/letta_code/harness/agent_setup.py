"""Find or create the agent and conversation for a session, as the seeds describe.

- The first agent creates global `persona` and `human` blocks; their ids go into
  `~/.letta/settings.json` and every later agent shares them.
- Each project gets a `project` block; its id goes into `./.letta/settings.json`. A
  teammate whose database lacks that block gets a new one, filled from the committed team
  memory file (`.letta/project.md`, see harness/team_memory.py), and its id goes into
  their own `./.letta/settings.local.json` (read first), never into the committed file.
- The last agent (and conversation) of a directory is kept in
  `./.letta/settings.local.json`; `letta` resumes it.
- A session that must have its conversation to itself (`letta -p`) passes `claim`:
  when another live process has the agent's default conversation, the session gets a
  new conversation of the same agent (its memory is the agent's, so it is shared);
  a conversation the user asked for by name (`--continue`) is refused instead.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from letta_code.client.backend import Backend
from letta_code.config.settings import Settings
from letta_code.errors import UserError
from letta_code.schemas.defaults import DEFAULT_BLOCK_LIMIT
from letta_code.schemas.state import AgentState, BlockState, ConversationState

DEFAULT_BLOCKS: dict[str, tuple[str, str]] = {
    "persona": (
        "Who I am and how I work. I edit it as I learn how to work better.",
        "I am Letta Code, a stateful coding agent. I work carefully, explain briefly, and keep my memory up to date.",
    ),
    "human": (
        "What I know about the user: preferences, habits, coding style.",
        "(Nothing known about the user yet.)",
    ),
    "project": (
        "What I know about this project: commands, layout, conventions, gotchas.",
        "(Nothing known about this project yet.)",
    ),
}
GLOBAL_LABELS = ("persona", "human")


class SetupError(UserError):
    """The requested agent or conversation cannot be used."""


@dataclass
class SessionTarget:
    agent: AgentState
    conversation: ConversationState
    created_agent: bool
    model_switched_from: str | None = None
    busy_conversation: str | None = None  # the taken conversation this session moved away from


async def _ensure_block(backend: Backend, settings: Settings, label: str, *, fresh: bool) -> BlockState:
    """The shared block for `label`, created (and its id saved) when missing.

    A project block's id is looked up in the project-local file first (a teammate's own
    block), then in the committed one; a new one starts from the team memory file's text.
    """
    is_global = label in GLOBAL_LABELS
    key = "globalSharedBlockIds" if is_global else "localSharedBlockIds"
    sources = [settings.global_] if is_global else [settings.local, settings.project]
    for source in [] if fresh else sources:
        block_id = (source.get(key) or {}).get(label)
        found = await backend.find_block(block_id) if isinstance(block_id, str) and block_id else None
        if found is not None:
            return found
    description, value = DEFAULT_BLOCKS[label]
    if not is_global:
        value = _team_memory_or_none(settings) or value
    limit = max(DEFAULT_BLOCK_LIMIT, len(value))
    block = await backend.create_block(label, value, description=description, limit=limit)
    if fresh:
        return block
    if is_global:
        settings.save_global(**{key: {**(settings.global_.get(key) or {}), label: block.id}})
    elif (settings.project.get(key) or {}).get(label):  # a teammate's id: this user keeps their own
        save_in_project(settings.save_local, **{key: {**(settings.local.get(key) or {}), label: block.id}})
    else:
        save_in_project(settings.save_project, **{key: {**(settings.project.get(key) or {}), label: block.id}})
    return block


def read_team_memory(path: Path) -> str | None:
    """The text of the team memory file as the project block holds it (no final newline);
    None when there is no file. OSError and UnicodeDecodeError are the caller's to report."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return text.rstrip("\r\n")


def _team_memory_or_none(settings: Settings) -> str | None:
    """The team memory file's text for a new project block (None: none, or the sync will say why)."""
    path = settings.project_memory_file()
    try:
        text = read_team_memory(path) if path is not None else None
    except (OSError, UnicodeDecodeError):
        return None
    return text if text and text.strip() else None


def save_in_project(save: Callable[..., None], **updates: Any) -> None:
    """Write a setting under ./.letta; a directory we may not write to (a read-only
    checkout, /sys) must not stop the session: it only loses the per-directory memory."""
    try:
        save(**updates)
    except OSError as exc:
        print(f"letta: warning: cannot save .letta settings here ({exc.strerror}); continuing", file=sys.stderr)


async def create_agent(
    backend: Backend, settings: Settings, *, model: str, tools: list[str], fresh_blocks: bool
) -> AgentState:
    blocks = [await _ensure_block(backend, settings, label, fresh=fresh_blocks) for label in DEFAULT_BLOCKS]
    name = f"{Path(settings.cwd).name or 'letta'}-agent"
    return await backend.create_agent(
        name=name,
        model=model,
        block_ids=[b.id for b in blocks],
        tools=tools,
        tags=["origin:letta-code"],
    )


async def agent_named(backend: Backend, name: str) -> AgentState | None:
    """The one agent with this name (None: there is none; SetupError: there are several)."""
    matches = [a for a in await backend.list_agents() if a.name == name]
    if len(matches) > 1:
        ids = ", ".join(a.id for a in matches)
        raise SetupError(f"{len(matches)} agents are named {name!r} ({ids}); name one by its id")
    return matches[0] if matches else None


async def resolve_session(
    backend: Backend,
    settings: Settings,
    *,
    agent_id: str | None,
    new_agent: bool,
    new_conversation: bool,
    continue_last: bool,
    model: str | None,
    default_model: Callable[[], str],
    tools: list[str],
    claim: Callable[[str], bool] | None = None,
    conversation_id: str | None = None,
    agent_name: str | None = None,
) -> SessionTarget:
    """Pick the agent and conversation for this run, and remember them for the directory.

    `claim(conversation_id)` takes a conversation for this process and says False when
    another live process has it (see the module docstring for what happens then).
    `conversation_id` names the conversation (its agent is the one used; a busy one is an
    error, never moved off); `agent_name` the agent, by its name.
    """
    agent: AgentState | None = None
    created = False
    named: ConversationState | None = None
    if conversation_id:
        named = await backend.find_conversation(conversation_id)
        if named is None:
            raise SetupError(f"conversation {conversation_id} not found")
        if agent_id and agent_id != named.agent_id:
            raise SetupError(f"conversation {conversation_id} belongs to agent {named.agent_id}, not {agent_id}")
        agent_id = named.agent_id
    if agent_name and not agent_id:
        by_name = await agent_named(backend, agent_name)
        if by_name is None:
            raise SetupError(f"no agent is named {agent_name!r}")
        agent_id = by_name.id
    last_agent = settings.local.get("lastAgent")
    if continue_last and not agent_id:
        last_agent = last_agent or settings.global_.get("lastAgent")
    if agent_id:
        agent = await backend.find_agent(agent_id)
        if agent is None:
            raise SetupError(f"agent {agent_id} not found")
    elif not new_agent and isinstance(last_agent, str):
        agent = await backend.find_agent(last_agent)
    if agent is None:
        agent = await create_agent(
            backend, settings, model=model or default_model(), tools=tools, fresh_blocks=new_agent
        )
        created = True
    switched_from = None
    if model and not created and agent.model != model:
        switched_from = agent.model
        agent = await backend.update_agent(agent.id, model=model)

    conversation: ConversationState | None = named
    if named is None and new_conversation:
        conversation = await backend.create_conversation(agent.id)
    elif named is None and continue_last and settings.local.get("lastAgent") == agent.id:
        last_conv = settings.local.get("lastConversation")
        if isinstance(last_conv, str):
            conversation = await backend.find_conversation(last_conv)
    if conversation is None:
        conversation = await backend.default_conversation(agent.id)
    busy = None
    if claim is not None and not claim(conversation.id):
        if named is not None:
            raise SetupError(
                f"conversation {conversation.id} is busy with another letta process; wait for it to finish"
            )
        if continue_last:
            raise SetupError(
                f"conversation {conversation.id} is busy with another letta process; wait for it to "
                "finish, or leave out --continue to work in a new conversation of the same agent"
            )
        busy = conversation.id
        conversation = await backend.create_conversation(agent.id)
        claim(conversation.id)
    save_in_project(settings.save_local, lastAgent=agent.id, lastConversation=conversation.id)
    settings.save_global(lastAgent=agent.id)
    return SessionTarget(agent, conversation, created, switched_from, busy)

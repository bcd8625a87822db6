"""Moving between an agent's conversations: the `/resume` picker, switching, the replay.

The picker labels each conversation with its date, its first request (what the user
asked first, on one line) and its size; after a switch, and when a session opens an
existing conversation, the last few exchanges are replayed (see `recap.replay`).
"""

from __future__ import annotations

import asyncio
import contextlib

from letta_code.cli.tui import recap, render
from letta_code.cli.tui.command_env import CommandEnv
from letta_code.cli.tui.state import TuiState
from letta_code.client.backend import Backend
from letta_code.schemas.state import ConversationState

REPLAY_FETCH = 100  # stored messages read for the replay (the last exchanges are in them)
PREVIEW_FETCH_MAX = 5000  # a longer conversation is not read whole for its preview (labelled by id)
PICKER_PREFIX = 6  # what the picker puts before a label: " ❯ 1. "


def switch_conversation(state: TuiState, conv: ConversationState) -> None:
    state.conversation = conv
    state.context_tokens = 0
    with contextlib.suppress(Exception):  # remembering is a convenience; never fail the switch
        state.ctx.settings.save_local(lastAgent=state.agent.id, lastConversation=conv.id)


async def show_recap(env: CommandEnv) -> None:
    """Replay the last exchanges of the current conversation (nothing when it is empty)."""
    messages = await env.backend.list_messages(env.state.conversation.id, limit=REPLAY_FETCH)
    shown = recap.replay(messages, env.console.width, env.state.ctx.tool_session.cwd)
    if shown.plain.strip():
        env.console.print(shown)


async def replay_on_start(env: CommandEnv) -> None:
    """The replay when a session opens: a failure to read the history must not stop it."""
    try:
        await show_recap(env)
    except Exception as exc:
        env.say(f"Could not show the conversation so far: {exc}", "dim")


async def first_request(backend: Backend, conv: ConversationState) -> str | None:
    """What the user asked first in `conv` (None: nothing yet, or it could not be read)."""
    if not conv.message_count or conv.message_count > PREVIEW_FETCH_MAX:
        return None
    try:
        # The Backend lists the newest messages: reading all of them reaches the first.
        messages = await backend.list_messages(conv.id, limit=conv.message_count)
    except Exception:  # a preview is a nicety: the picker still works without it
        return None
    return recap.first_request(messages)


def conversation_label(conv: ConversationState, preview: str | None, current: str, width: int) -> str:
    """`2025-06-01 10:22  fix the login bug  (12 messages)  ← current`, at most `width` wide."""
    when = conv.updated_at or conv.created_at
    stamp = when.strftime("%Y-%m-%d %H:%M") if when else "—"
    count = f"({conv.message_count} message{'s' if conv.message_count != 1 else ''})"
    mark = "  ← current" if conv.id == current else ""
    name = preview or conv.summary or ("(no messages yet)" if not conv.message_count else conv.id)
    room = max(12, width - len(stamp) - len(count) - len(mark) - 4)
    return f"{stamp}  {render.one_line(name, room)}  {count}{mark}"


def _recency(conv: ConversationState) -> float:
    when = conv.updated_at or conv.created_at
    return when.timestamp() if when else 0.0


async def pick_conversation(env: CommandEnv) -> bool:
    """The conversation picker; True when the user switched."""
    convs = await env.backend.list_conversations(env.state.agent.id)
    if not convs:
        env.say("This agent has no conversations yet.", "dim")
        return False
    convs.sort(key=_recency, reverse=True)
    previews = await asyncio.gather(*(first_request(env.backend, c) for c in convs))
    current = env.state.conversation.id
    width = env.console.width - PICKER_PREFIX
    labels = [conversation_label(c, p, current, width) for c, p in zip(convs, previews, strict=True)]
    default = next((i for i, c in enumerate(convs) if c.id == current), 0)
    picked = await env.choose("Resume a conversation", labels, default=default)
    if picked is None or picked < 0:
        env.say("Conversation unchanged.", "dim")
        return False
    switch_conversation(env.state, convs[picked])
    env.say(f"Resumed conversation {convs[picked].id}.", "green")
    await show_recap(env)
    return True

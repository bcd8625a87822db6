"""Reflection (sleep-time memory): a pass that reviews the agent's recent work and edits its memory.

- Each agent gets, on its first pass, a hidden **reflection agent** (tags `hidden`,
  `reflection`, `parent:<id>`) with the parent's memory blocks attached (the same block
  rows, so its edits are the parent's memory), the memory tools only, and the reflection
  instructions below as its system prompt.
- Where the last pass ended is the parent's metadata `reflection.through_seq`: the
  global sequence number of the last message it covered. A pass reviews the parent's
  messages after it, from every conversation, rendered as one capped transcript, and
  names the blocks past 80% of their limit for consolidation.
- The pass is one run of the reflection agent in its own conversation, whose context is
  cleared first: a request carries the current blocks (its system prompt) and the
  transcript since the last pass, never the whole history.
- The memory tools record a reflection agent's edits with the source `reflection`
  (`memory_tools.py`), so `letta memory log` shows where a change came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from letta_code.schemas.defaults import HIDDEN_TAG
from letta_code.schemas.state import AgentState, BlockState
from letta_code.service.agent.memory_tools import MEMORY_TOOL_NAMES, REFLECTION_TAG
from letta_code.service.store.agents import AgentStore
from letta_code.service.store.conversations import ConversationStore
from letta_code.service.store.models import Message

METADATA_KEY = "reflection"
NEAR_LIMIT = 0.8  # a block past this share of its limit is consolidated by the next pass
MAX_TRANSCRIPT_CHARS = 30_000  # about 7.5k tokens: the newest messages are kept
MAX_TEXT_CHARS = 2_000  # one user or assistant message
MAX_TOOL_CHARS = 400  # one tool call's arguments or result
MAX_MESSAGES = 2_000  # messages read for one pass
REFLECTION_MAX_STEPS = 8
# Blocks the reflection agent does not need: the skill catalogue and loaded skills.
SKIPPED_LABELS = frozenset({"skills", "loaded_skills"})

REFLECTION_SYSTEM = """\
You are the reflection process of a coding agent. You do not talk to the user and you do not \
touch files. You read a transcript of the agent's recent work with its user and you update the \
agent's memory blocks (shown below) so that its next sessions go better.

Keep in memory what will matter again:
- corrections the user made, and what the agent should do instead;
- commands that failed and what worked instead (build, test, lint, run);
- the user's preferences and habits (the `human` block);
- facts about this repository: layout, commands, conventions, gotchas (the `project` block);
- how the agent should behave and work (the `persona` block).

Leave out one-off details, secrets and keys, and anything memory already says. Edit with \
memory_insert (add a line) and memory_replace (correct a line); when a block is named as near its \
limit, rewrite it shorter with memory_rethink: merge duplicates and drop what is stale, keeping \
every lesson that still holds. Write short, concrete lines. When you are done, or when nothing is \
worth keeping, answer with one short line saying what you changed."""


@dataclass
class Transcript:
    """The messages a pass reviews, rendered as text."""

    text: str
    messages: int  # how many messages it covers
    user_turns: int
    through_seq: int  # the last message's sequence number
    omitted: int  # older messages left out to keep it under the cap


@dataclass
class ReflectionJob:
    """A pass ready to run: the reflection agent, its conversation and the request text."""

    reflector: AgentState
    conversation_id: str
    prompt: str
    transcript: Transcript
    model: str


def is_user_turn(message: Message) -> bool:
    return message.role == "user" and any(p.get("type") == "text" for p in message.content or [])


def through_seq(agent: AgentState) -> int:
    """Where the agent's last reflection ended (0: never reflected)."""
    data = agent.metadata.get(METADATA_KEY)
    value = data.get("through_seq") if isinstance(data, dict) else None
    return value if isinstance(value, int) else 0


def _clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else f"{text[:limit]}… [{len(text) - limit} more characters]"


def _text(message: Message) -> str:
    return "\n".join(str(p.get("text", "")) for p in message.content or [] if p.get("type") == "text")


def _lines(message: Message, tool_names: dict[str, str]) -> list[str]:
    if message.role == "user":
        return [f"user: {_clip(_text(message), MAX_TEXT_CHARS)}"]
    if message.role == "assistant":
        out = [f"assistant: {_clip(_text(message), MAX_TEXT_CHARS)}"] if _text(message).strip() else []
        for call in message.tool_calls or []:
            name = str(call.get("name"))
            tool_names[str(call.get("id"))] = name
            out.append(f"assistant called {name}({_clip(str(call.get('arguments') or ''), MAX_TOOL_CHARS)})")
        return out
    if message.role == "tool":
        name = tool_names.get(message.tool_call_id or "", "a tool")
        status = " (error)" if message.tool_status == "error" else ""
        return [f"{name} returned{status}: {_clip(_text(message), MAX_TOOL_CHARS)}"]
    return []


def render_transcript(messages: Sequence[Message], *, omitted: int = 0) -> Transcript:
    """The messages (oldest first) as text, under MAX_TRANSCRIPT_CHARS: older ones are
    dropped first, and a line says how many."""
    tool_names: dict[str, str] = {}
    rendered: list[tuple[str, list[str]]] = [(m.conversation_id, _lines(m, tool_names)) for m in messages]
    kept: list[tuple[str, list[str]]] = []
    size = 0
    for conv, lines in reversed(rendered):
        cost = sum(len(line) + 1 for line in lines)
        if kept and size + cost > MAX_TRANSCRIPT_CHARS:
            break
        kept.append((conv, lines))
        size += cost
    omitted += len(rendered) - len(kept)
    out = [f"[{omitted} older messages left out]"] if omitted else []
    current = None
    for conv, lines in reversed(kept):
        if conv != current:
            out.append(f"--- conversation {conv} ---")
            current = conv
        out.extend(lines)
    return Transcript(
        text="\n".join(out),
        messages=len(kept),
        user_turns=sum(1 for m in messages[len(messages) - len(kept) :] if is_user_turn(m)),
        through_seq=messages[-1].seq if messages else 0,
        omitted=omitted,
    )


def near_limit(blocks: Sequence[BlockState]) -> list[BlockState]:
    """The editable blocks past NEAR_LIMIT of their limit."""
    return [b for b in blocks if not b.read_only and b.limit and len(b.value) > NEAR_LIMIT * b.limit]


def reflection_prompt(transcript: Transcript, blocks: Sequence[BlockState]) -> str:
    """The request of one pass: the transcript, and the blocks to consolidate."""
    parts = [
        "Review this transcript of your agent's recent work and update its memory blocks.",
        f'<transcript messages="{transcript.messages}" user_turns="{transcript.user_turns}">',
        transcript.text,
        "</transcript>",
    ]
    full = near_limit(blocks)
    if full:
        names = ", ".join(f"{b.label} ({len(b.value)}/{b.limit} characters)" for b in full)
        parts.append(
            f"These blocks are past {int(NEAR_LIMIT * 100)}% of their limit: consolidate each with "
            f"memory_rethink (merge duplicates, drop what is stale, keep every lesson that holds): {names}."
        )
    return "\n".join(parts)


class Reflections:
    """Finding what a pass reviews, and the reflection agent that runs it."""

    def __init__(self, agents: AgentStore, conversations: ConversationStore) -> None:
        self.agents = agents
        self.conversations = conversations

    def pending_turns(self, agent_id: str) -> int:
        """User turns of the agent since its last pass."""
        agent = self.agents.get_agent(agent_id)
        return self.conversations.count_messages(agent_id=agent_id, role="user", after_seq=through_seq(agent))

    def reflector(self, parent: AgentState) -> AgentState:
        """The parent's reflection agent, created on first use, with every block of the
        parent attached (a block the parent gained since is attached now)."""
        data = parent.metadata.get(METADATA_KEY)
        known = data.get("agent_id") if isinstance(data, dict) else None
        agent = self.agents.find_agent(known) if isinstance(known, str) else None
        if agent is None:
            agent = self.agents.create_agent(
                name=f"{parent.name}-reflection",
                system=REFLECTION_SYSTEM,
                model=parent.model,
                context_window=parent.context_window,
                block_ids=[],
                tools=sorted(MEMORY_TOOL_NAMES),
                description=f"Reflects on the work of {parent.id} and edits its memory.",
                tags=[HIDDEN_TAG, REFLECTION_TAG, f"parent:{parent.id}"],
            )
            self._mark(parent, agent_id=agent.id)
        attached = {b.id for b in agent.blocks}
        for block in parent.blocks:
            if block.id not in attached and block.label not in SKIPPED_LABELS:
                agent = self.agents.attach_block(agent.id, block.id)
        return agent

    def prepare(self, agent_id: str, *, min_user_turns: int, model: str | None) -> ReflectionJob | None:
        """The next pass of the agent, or None when fewer than `min_user_turns` user turns
        (and at least one message) came since the last. The marker moves on here, so a
        second trigger does not review the same messages again."""
        parent = self.agents.get_agent(agent_id)
        start = through_seq(parent)
        if self.conversations.count_messages(agent_id=agent_id, role="user", after_seq=start) < max(1, min_user_turns):
            return None
        newest = self.conversations.list_messages(
            agent_id=agent_id, after_seq=start, limit=MAX_MESSAGES, ascending=False
        )
        total = self.conversations.count_messages(agent_id=agent_id, after_seq=start)
        transcript = render_transcript(list(reversed(newest)), omitted=max(0, total - len(newest)))
        reflector = self.reflector(parent)
        conversation = self.conversations.default_for(reflector.id)
        self.conversations.clear_context(conversation.id)  # each pass starts from the blocks alone
        self._mark(self.agents.get_agent(agent_id), through_seq=transcript.through_seq)
        return ReflectionJob(
            reflector=reflector,
            conversation_id=conversation.id,
            prompt=reflection_prompt(transcript, reflector.blocks),
            transcript=transcript,
            model=model or parent.model,
        )

    def _mark(self, parent: AgentState, **fields: object) -> None:
        current = parent.metadata.get(METADATA_KEY)
        merged = {**(current if isinstance(current, dict) else {}), **fields}
        self.agents.update_agent(parent.id, metadata={**parent.metadata, METADATA_KEY: merged})

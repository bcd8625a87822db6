"""Context compaction: summarize the oldest in-context messages when a conversation
nears its model's context window.

Before every model call the loop estimates the prompt size (characters / 4,
scaled by what the provider reported for the previous call of the same model).
Past `threshold` x context window (default 0.8: agent metadata
`compaction_threshold`, else env `LETTA_COMPACTION_THRESHOLD`), the older part of
the history is summarized with one call to the agent's own model, the summary is
stored as a `system` message flagged `summary`, and the conversation's
`context_start` moves past the summarized messages. Nothing is deleted: the old
messages stay stored and searchable (conversation_search). The system prompt and
memory blocks are compiled fresh for every request, so they are never summarized.

The newest summary in the context reaches the model as the first history message
(see `summary_chat_message`). A cut never separates a tool result from its call:
the kept part starts at a user message (or, inside one long turn, at an assistant
message).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from letta_code.schemas.state import AgentState
from letta_code.service.agent.history import text_of
from letta_code.service.llm.base import PartialCall, Provider, collect
from letta_code.service.llm.types import (
    ChatMessage,
    ChatRequest,
    ContextWindowExceededError,
    ToolSpec,
)
from letta_code.service.store.conversations import ConversationStore
from letta_code.service.store.models import Conversation, Message, new_id, utcnow

DEFAULT_THRESHOLD = 0.8
KEEP_SHARE = 0.3  # the recent messages kept verbatim take at most this share of the window
MESSAGE_OVERHEAD = 4  # tokens of framing per message
CLIP_MESSAGE_CHARS = 2000
CLIP_TOOL_CHARS = 800
MIN_RATIO, MAX_RATIO = 0.25, 4.0  # plausible provider tokens per characters / 4

SUMMARY_HEADER = (
    "[Summary of the earlier part of this conversation. The original messages are no longer in "
    "your context, but conversation_search can still find them.]"
)
SUMMARY_PROMPT = """\
You compact the history of a conversation between a user and a coding agent. The agent \
will continue the work from your summary alone, so write what it needs:
- the user's goals, requests and stated preferences, in their words where it matters;
- decisions taken and why; approaches that failed;
- file paths, commands, function and variable names, URLs, error messages and values that matter;
- the current state of the work: what is done, what is in progress, open tasks and promised next steps.
Leave out greetings, repetition and details that no longer matter. If the transcript starts \
with an earlier summary, merge it in: your summary replaces it. Answer with the summary only, \
as concise Markdown notes."""


def estimate_text(text: str) -> int:
    return (len(text) + 3) // 4


def message_tokens(msg: Message) -> int:
    size = len(text_of(msg.content)) + len(msg.reasoning or "")
    size += sum(len(c.get("name", "")) + len(c.get("arguments") or "") for c in msg.tool_calls or [])
    return (size + 3) // 4 + MESSAGE_OVERHEAD


def estimate_output(text: str, reasoning: str, calls: Iterable[PartialCall]) -> int:
    """Our estimate of a response's size, for servers that report no usage."""
    size = len(text) + len(reasoning) + sum(len(c.name) + len(c.arguments) for c in calls)
    return (size + 3) // 4


def tools_tokens(tools: list[ToolSpec]) -> int:
    return sum(estimate_text(t.name + t.description + json.dumps(t.parameters)) for t in tools)


def is_summary(msg: Message) -> bool:
    return msg.role == "system" and any(p.get("summary") for p in msg.content or [])


def split_history(history: list[Message]) -> tuple[Message | None, list[Message]]:
    """The newest summary in the context (if any) and the other messages, in order."""
    summaries = [m for m in history if is_summary(m)]
    return (summaries[-1] if summaries else None), [m for m in history if m.role != "system"]


def context_size(history: list[Message]) -> int:
    """How many history messages the model sees: the newest summary and the others."""
    summary, messages = split_history(history)
    return len(messages) + (summary is not None)


def summary_chat_message(summary: Message) -> ChatMessage:
    return ChatMessage(role="user", content=f"{SUMMARY_HEADER}\n\n{text_of(summary.content)}")


@dataclass
class CompactionResult:
    summary: str
    summarized: int  # messages moved out of the context
    kept: int  # messages left in the context
    summary_message_id: str
    context_before: int = 0  # history messages the model saw before: the others and any summary
    prompt_tokens: int = 0
    completion_tokens: int = 0


def choose_cut(messages: list[Message], keep_budget: int, *, force: bool = False) -> int | None:
    """Index of the first kept message, or None when nothing can be cut.

    Keeps as many recent messages as fit in `keep_budget` tokens, starting at a
    user message if possible; `force` keeps only the last turn.
    """
    if len(messages) < 2:
        return None
    users = [i for i in range(1, len(messages)) if messages[i].role == "user"]
    assistants = [i for i in range(1, len(messages)) if messages[i].role == "assistant"]
    if force:
        return users[-1] if users else (assistants[-1] if assistants else None)
    suffix = [0] * (len(messages) + 1)
    for i in range(len(messages) - 1, -1, -1):
        suffix[i] = suffix[i + 1] + message_tokens(messages[i])
    for candidates in (users, assistants):
        fitting = [i for i in candidates if suffix[i] <= keep_budget]
        if fitting:
            return fitting[0]
    candidates = users + assistants
    return max(candidates) if candidates else None


def transcript(previous: Message | None, dropped: list[Message], max_chars: int) -> str:
    """The summarized part as plain text for the summarizer (clipped to `max_chars`)."""
    lines: list[str] = []
    for msg in dropped:
        text = text_of(msg.content).strip()
        if msg.role == "tool":
            clipped = text[:CLIP_TOOL_CHARS] + (" [...]" if len(text) > CLIP_TOOL_CHARS else "")
            lines.append(f"[tool result] {clipped}")
            continue
        if text:
            clipped = text[:CLIP_MESSAGE_CHARS] + (" [...]" if len(text) > CLIP_MESSAGE_CHARS else "")
            lines.append(f"[{msg.role}] {clipped}")
        for call in msg.tool_calls or []:
            args = (call.get("arguments") or "")[:CLIP_TOOL_CHARS]
            lines.append(f"[{msg.role} called {call.get('name')}] {args}")
    head = f"[earlier summary]\n{text_of(previous.content)}\n\n" if previous else ""
    body = "\n".join(lines)
    room = max(1000, max_chars - len(head))
    if len(body) > room:
        body = "[... older messages omitted ...]\n" + body[-room:]
    return head + body


def fallback_summary(previous: Message | None, dropped: list[Message], reason: str) -> str:
    """A summary made without the model (when even the summary request is too long)."""
    asks = [text_of(m.content).strip()[:200] for m in dropped if m.role == "user" and text_of(m.content).strip()]
    parts = [text_of(previous.content)] if previous else []
    parts.append(f"(Earlier messages were dropped without a summary: {reason}.) The user had written:")
    parts += [f"- {ask}" for ask in asks[-30:]]
    return "\n".join(parts)


class Compactor:
    """Decides when to compact a conversation and does it."""

    def __init__(self, conversations: ConversationStore, env: Mapping[str, str]) -> None:
        self.conversations = conversations
        self.env = env
        self._ratio: dict[str, float] = {}  # model -> reported prompt tokens / our estimate

    def threshold(self, agent: AgentState) -> float:
        raw = agent.metadata.get("compaction_threshold") or self.env.get("LETTA_COMPACTION_THRESHOLD")
        try:
            value = float(raw) if raw is not None else DEFAULT_THRESHOLD
        except (TypeError, ValueError):
            value = DEFAULT_THRESHOLD
        return min(0.95, max(0.1, value))

    def raw_estimate(self, system: str, history: list[Message], tools: list[ToolSpec]) -> int:
        return estimate_text(system) + tools_tokens(tools) + sum(message_tokens(m) for m in history)

    def estimate(self, model: str, raw_estimate: int) -> int:
        """A raw estimate scaled by what the provider reported last time for this model."""
        return int(raw_estimate * self._ratio.get(model, 1.0))

    def ratio(self, model: str) -> float:
        """Provider tokens per estimated token for this model (1.0 until a call reported usage)."""
        return self._ratio.get(model, 1.0)

    def calibrate(self, model: str, raw_estimate: int, reported_prompt_tokens: int) -> None:
        """Learn how the provider's token count relates to characters / 4.

        A count far outside what tokenizers do (llama-cpp-python reports only the last part
        of a tool-calling prompt) says nothing about the prompt, so it teaches nothing.
        """
        if raw_estimate > 0 and reported_prompt_tokens > 0:
            ratio = reported_prompt_tokens / raw_estimate
            if MIN_RATIO <= ratio <= MAX_RATIO:
                self._ratio[model] = ratio

    def over_threshold(self, agent: AgentState, estimated: int) -> bool:
        return estimated > self.threshold(agent) * agent.context_window

    async def compact(
        self,
        agent: AgentState,
        conversation_id: str,
        provider: Provider,
        model_name: str,
        *,
        fixed_tokens: int = 0,
        force: bool = False,
        run_id: str | None = None,
    ) -> CompactionResult | None:
        """Summarize the older part of the context; None when there is nothing to cut.

        `fixed_tokens` is what every request carries anyway (system prompt, tools):
        the kept messages get at most half of what remains below the threshold.
        """
        history = self.conversations.context_messages(conversation_id)
        previous, messages = split_history(history)
        window = agent.context_window
        room = self.threshold(agent) * window - fixed_tokens
        keep_budget = int(max(0.0, min(KEEP_SHARE * window, room / 2)))
        cut = choose_cut(messages, keep_budget, force=force)
        if cut is None:
            return None
        dropped, kept = messages[:cut], messages[cut:]
        request = ChatRequest(
            model=model_name,
            messages=[
                ChatMessage(role="system", content=SUMMARY_PROMPT),
                ChatMessage(role="user", content=transcript(previous, dropped, max(4000, window * 2))),
            ],
            max_tokens=max(256, min(4096, window // 8)),
        )
        prompt_tokens = completion_tokens = 0
        try:
            result = await collect(provider.stream(request))
            summary = result.text.strip()
            prompt_tokens, completion_tokens = result.usage.prompt_tokens, result.usage.completion_tokens
        except ContextWindowExceededError as exc:
            summary = fallback_summary(previous, dropped, str(exc))
        if not summary:
            summary = fallback_summary(previous, dropped, "the model returned an empty summary")
        message_id = new_id("message")
        with self.conversations.sessions.begin() as session:
            session.add(
                Message(
                    id=message_id,
                    agent_id=agent.id,
                    conversation_id=conversation_id,
                    role="system",
                    content=[{"type": "text", "text": summary, "summary": True}],
                    run_id=run_id,
                    created_at=utcnow(),
                )
            )
            conv = session.get(Conversation, conversation_id)
            if conv is not None:
                conv.context_start = max(conv.context_start, dropped[-1].seq)
                conv.updated_at = utcnow()
        before = len(messages) + (previous is not None)
        return CompactionResult(summary, len(dropped), len(kept), message_id, before, prompt_tokens, completion_tokens)

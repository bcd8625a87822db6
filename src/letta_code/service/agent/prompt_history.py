"""The history part of a step's prompt, carried on from the conversation's last step.

Each step turns the conversation's context (the messages after its `context_start`) into
what the model sees: the newest summary, the other messages as chat messages (unanswered
tool calls closed with an error result), and their estimated size. Read and converted
whole, a 1,000-message context cost ~40 ms a step. Stored messages never change (a
conversation only gains messages; `/clear` and compaction move `context_start`), so a
process keeps, per conversation, what it compiled last time and reads and converts only
the messages stored since: a step costs the same at message 1,000 as at message 10.

The carried compile is used only when the database says nothing but new messages were
stored since (`ConversationStore.context_shape`, one query: the context's start, last
message and count). Messages from another process on the same database are new messages
like any; a moved start, or a count that does not add up (a message committed late with a
lower number), means the context is read and compiled again in full. What is kept is the
chat messages, not the stored rows: far less memory than the rows. At most
`MAX_CONVERSATIONS` are kept, the least recently used dropped first.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from letta_code.service.agent.compaction import is_summary, message_tokens
from letta_code.service.agent.history import ChatFold
from letta_code.service.llm.types import ChatMessage
from letta_code.service.store.conversations import ConversationStore
from letta_code.service.store.models import Message

MAX_CONVERSATIONS = 64


@dataclass
class PromptHistory:
    summary: Message | None  # the newest summary in the context
    messages: list[ChatMessage]  # the rest, as the model sees it
    tokens: int  # their raw size estimate (`compaction.message_tokens`)
    context_size: int  # messages in the context, summaries and system messages included


@dataclass
class _Compiled:
    start: int  # the context_start it was compiled under
    after: int  # the number of the last message it includes (or `start`)
    context_size: int
    fold: ChatFold
    summary: Message | None
    tokens: int

    def add(self, messages: list[Message]) -> None:
        for msg in messages:
            if is_summary(msg):
                self.summary = msg
            elif msg.role != "system":
                self.fold.add(msg)
                self.tokens += message_tokens(msg)
        self.context_size += len(messages)
        if messages:
            self.after = messages[-1].seq


class PromptHistories:
    """Per conversation, the history as the last step compiled it."""

    def __init__(self) -> None:
        self._compiled: OrderedDict[str, _Compiled] = OrderedDict()

    def compile(self, conversations: ConversationStore, conversation_id: str) -> PromptHistory:
        shape = conversations.context_shape(conversation_id)
        # Taken out while it is extended: if reading or folding fails half-way, the next step
        # compiles from scratch rather than from a half-extended fold.
        last = self._compiled.pop(conversation_id, None)
        compiled = None
        if last is not None and last.start == shape.start and last.after <= shape.last_seq:
            added = [] if last.after == shape.last_seq else conversations.messages_after(conversation_id, last.after)
            if last.context_size + len(added) == shape.count:
                compiled = last
                compiled.add(added)
        if compiled is None:
            compiled = _Compiled(shape.start, shape.start, 0, ChatFold(), None, 0)
            compiled.add(conversations.messages_after(conversation_id, shape.start))
        self._compiled[conversation_id] = compiled  # now the most recently used
        while len(self._compiled) > MAX_CONVERSATIONS:
            self._compiled.popitem(last=False)
        return PromptHistory(compiled.summary, compiled.fold.closed(), compiled.tokens, compiled.context_size)

"""Conversations and their stored messages.

Every message of every conversation is kept. A conversation's context window is
the messages after `context_start`; `/clear` moves that marker, nothing is deleted.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy import delete as sa_delete
from sqlalchemy.orm import Session, sessionmaker

from letta_code.schemas.state import ConversationState
from letta_code.service.errors import BadRequestError, NotFoundError
from letta_code.service.store.models import Conversation, Message, new_id, utcnow


@dataclass(frozen=True)
class ContextShape:
    """What `context_shape` tells of a conversation's context."""

    start: int  # context_start: the context is the messages numbered above it
    last_seq: int  # the last message's number (0: none)
    count: int  # how many messages it has


@dataclass
class PendingApproval:
    """Client tool calls of an assistant message still waiting for results."""

    message_id: str
    tool_calls: list[dict[str, Any]]  # [{"id", "name", "arguments", "client"}]
    created_at: datetime | None = None  # when the message that made the calls was stored


def _conversation_state(conv: Conversation, count: int = 0) -> ConversationState:
    return ConversationState(
        id=conv.id,
        agent_id=conv.agent_id,
        is_default=conv.is_default,
        summary=conv.summary,
        message_count=count,
        created_at=conv.created_at,
        updated_at=conv.updated_at,
        model=conv.model,
        context_window_limit=conv.context_window_limit,
    )


class ConversationStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def create(
        self,
        agent_id: str,
        *,
        is_default: bool = False,
        summary: str | None = None,
        model: str | None = None,
        context_window_limit: int | None = None,
    ) -> ConversationState:
        conv = Conversation(
            id=new_id("conv"),
            agent_id=agent_id,
            is_default=is_default,
            summary=summary,
            model=model,
            context_window_limit=context_window_limit,
            created_at=utcnow(),
            updated_at=utcnow(),
        )
        with self.sessions.begin() as session:
            session.add(conv)
        return _conversation_state(conv)

    def default_for(self, agent_id: str) -> ConversationState:
        """The agent's primary conversation (created on first use)."""
        with self.sessions() as session:
            conv = session.scalars(
                select(Conversation).where(Conversation.agent_id == agent_id, Conversation.is_default.is_(True))
            ).first()
            if conv is not None:
                return _conversation_state(conv, self._count(session, conv.id))
        return self.create(agent_id, is_default=True)

    def get(self, conversation_id: str) -> ConversationState:
        with self.sessions() as session:
            conv = session.get(Conversation, conversation_id)
            if conv is None:
                raise NotFoundError(f"conversation {conversation_id} not found")
            return _conversation_state(conv, self._count(session, conv.id))

    def list(self, agent_id: str | None = None, limit: int | None = None) -> builtins.list[ConversationState]:
        with self.sessions() as session:
            query = select(Conversation).order_by(Conversation.updated_at.desc())
            if agent_id:
                query = query.where(Conversation.agent_id == agent_id)
            if limit:
                query = query.limit(limit)
            return [_conversation_state(c, self._count(session, c.id)) for c in session.scalars(query)]

    def update(self, conversation_id: str, **fields: Any) -> ConversationState:
        with self.sessions.begin() as session:
            conv = session.get(Conversation, conversation_id)
            if conv is None:
                raise NotFoundError(f"conversation {conversation_id} not found")
            for key, val in fields.items():
                setattr(conv, key, val)
            conv.updated_at = utcnow()
            return _conversation_state(conv, self._count(session, conv.id))

    def delete(self, conversation_id: str) -> None:
        """Remove a conversation and its messages (the search index follows by trigger); its
        runs stay, as the record of what ran. The default conversation is the agent's own
        history and is not deleted."""
        with self.sessions.begin() as session:
            conv = session.get(Conversation, conversation_id)
            if conv is None:
                raise NotFoundError(f"conversation {conversation_id} not found")
            if conv.is_default:
                raise BadRequestError(
                    f"conversation {conversation_id} is the agent's default history; it can be cleared, not deleted"
                )
            session.execute(sa_delete(Message).where(Message.conversation_id == conversation_id))
            session.delete(conv)

    @staticmethod
    def _count(session: Session, conversation_id: str) -> int:
        return int(
            session.scalar(select(func.count()).select_from(Message).where(Message.conversation_id == conversation_id))
            or 0
        )

    # -- messages -----------------------------------------------------------
    def add_messages(self, messages: builtins.list[Message]) -> None:
        if not messages:
            return
        with self.sessions.begin() as session:
            session.add_all(messages)
            conv = session.get(Conversation, messages[0].conversation_id)
            if conv is not None:
                conv.updated_at = utcnow()

    def context_messages(self, conversation_id: str) -> builtins.list[Message]:
        with self.sessions() as session:
            conv = session.get(Conversation, conversation_id)
            if conv is None:
                raise NotFoundError(f"conversation {conversation_id} not found")
            return list(
                session.scalars(
                    select(Message)
                    .where(Message.conversation_id == conversation_id, Message.seq > conv.context_start)
                    .order_by(Message.seq)
                )
            )

    def context_shape(self, conversation_id: str) -> ContextShape:
        """Where the context starts, its last message and its number of messages, in one query:
        enough to tell whether only new messages were stored since a caller last read it."""
        in_context = and_(Message.conversation_id == Conversation.id, Message.seq > Conversation.context_start)
        with self.sessions() as session:
            row = session.execute(
                select(Conversation.context_start, func.max(Message.seq), func.count(Message.seq))
                .select_from(Conversation)
                .outerjoin(Message, in_context)
                .where(Conversation.id == conversation_id)
                .group_by(Conversation.id)
            ).one_or_none()
        if row is None:
            raise NotFoundError(f"conversation {conversation_id} not found")
        return ContextShape(start=int(row[0]), last_seq=int(row[1] or 0), count=int(row[2]))

    def in_context_ids(self, conversation_id: str) -> builtins.list[str]:
        """The ids of the messages in the conversation's context, oldest first (what Letta calls
        `in_context_message_ids`: a client finds a pending approval at the end of it)."""
        with self.sessions() as session:
            start = session.scalar(select(Conversation.context_start).where(Conversation.id == conversation_id))
            if start is None:
                raise NotFoundError(f"conversation {conversation_id} not found")
            query = select(Message.id).where(Message.conversation_id == conversation_id, Message.seq > start)
            return list(session.scalars(query.order_by(Message.seq)))

    def default_context_ids(self, agent_id: str) -> builtins.list[str]:
        """`in_context_ids` of the agent's default conversation; none (and none created) before it has one."""
        with self.sessions() as session:
            conv_id = session.scalar(
                select(Conversation.id).where(Conversation.agent_id == agent_id, Conversation.is_default.is_(True))
            )
        return [] if conv_id is None else self.in_context_ids(conv_id)

    def messages_after(self, conversation_id: str, seq: int) -> builtins.list[Message]:
        """The conversation's messages numbered above `seq`, oldest first."""
        with self.sessions() as session:
            query = select(Message).where(Message.conversation_id == conversation_id, Message.seq > seq)
            return list(session.scalars(query.order_by(Message.seq)))

    def run_messages(self, run_id: str) -> builtins.list[Message]:
        """The messages a run stored (its input included), oldest first."""
        with self.sessions() as session:
            return list(session.scalars(select(Message).where(Message.run_id == run_id).order_by(Message.seq)))

    def list_messages(
        self,
        *,
        conversation_id: str | None = None,
        agent_id: str | None = None,
        limit: int = 100,
        before_seq: int | None = None,
        after_seq: int | None = None,
        ascending: bool = True,
    ) -> builtins.list[Message]:
        with self.sessions() as session:
            query = select(Message)
            if conversation_id:
                query = query.where(Message.conversation_id == conversation_id)
            if agent_id:
                query = query.where(Message.agent_id == agent_id)
            if before_seq is not None:
                query = query.where(Message.seq < before_seq)
            if after_seq is not None:
                query = query.where(Message.seq > after_seq)
            query = query.order_by(Message.seq.asc() if ascending else Message.seq.desc()).limit(limit)
            return list(session.scalars(query))

    def get_message(self, message_id: str) -> Message:
        with self.sessions() as session:
            msg = session.scalars(select(Message).where(Message.id == message_id)).first()
            if msg is None:
                raise NotFoundError(f"message {message_id} not found")
            return msg

    def seq_of(self, message_id: str) -> int:
        return self.get_message(message_id).seq

    def count_messages(
        self,
        *,
        agent_id: str | None = None,
        conversation_id: str | None = None,
        role: str | None = None,
        after_seq: int | None = None,
    ) -> int:
        with self.sessions() as session:
            query = select(func.count()).select_from(Message)
            if agent_id:
                query = query.where(Message.agent_id == agent_id)
            if conversation_id:
                query = query.where(Message.conversation_id == conversation_id)
            if role:
                query = query.where(Message.role == role)
            if after_seq is not None:
                query = query.where(Message.seq > after_seq)
            return int(session.scalar(query) or 0)

    def _since_last_user_message(self, conversation_id: str) -> builtins.list[Message]:
        """The context from its last user message on (all of it when it has none): what a
        pending approval can be found in, without reading a long history every turn."""
        with self.sessions() as session:
            conv = session.get(Conversation, conversation_id)
            if conv is None:
                raise NotFoundError(f"conversation {conversation_id} not found")
            in_context = (Message.conversation_id == conversation_id, Message.seq > conv.context_start)
            # Newest first with a limit: the index is walked back from the end, not scanned whole.
            last_user = session.scalar(
                select(Message.seq).where(*in_context, Message.role == "user").order_by(Message.seq.desc()).limit(1)
            )
            query = select(Message).where(*in_context)
            if last_user is not None:
                query = query.where(Message.seq >= last_user)
            return list(session.scalars(query.order_by(Message.seq)))

    def clear_context(self, conversation_id: str) -> None:
        with self.sessions.begin() as session:
            conv = session.get(Conversation, conversation_id)
            if conv is None:
                raise NotFoundError(f"conversation {conversation_id} not found")
            last = session.scalar(select(func.max(Message.seq)).where(Message.conversation_id == conversation_id))
            conv.context_start = int(last or 0)
            conv.updated_at = utcnow()

    def pending_approval(self, conversation_id: str) -> PendingApproval | None:
        """The last assistant message's client tool calls that have no result yet."""
        history = self._since_last_user_message(conversation_id)
        for index in range(len(history) - 1, -1, -1):
            msg = history[index]
            if msg.role == "assistant" and msg.tool_calls:
                answered = {m.tool_call_id for m in history[index + 1 :] if m.role == "tool"}
                waiting = [call for call in msg.tool_calls if call.get("client") and call["id"] not in answered]
                return PendingApproval(msg.id, waiting, msg.created_at) if waiting else None
            if msg.role == "user":
                return None
        return None

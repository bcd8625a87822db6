"""A step's history is carried on from the last step: only new messages are read, and it is
never stale — messages another process stored, `/clear`, a summary, a message committed late."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import event, text

from letta_code.service.agent import prompt_history
from letta_code.service.agent.history import INTERRUPTED_RESULT, to_chat_messages
from letta_code.service.agent.prompt_history import PromptHistories
from letta_code.service.errors import NotFoundError
from letta_code.service.service import AgentService
from letta_code.service.store.models import Message, new_id, utcnow


def store(service: AgentService, conversation_id: str, role: str, words: str, **extra: object) -> Message:
    conv = service.conversations.get(conversation_id)
    msg = Message(
        id=new_id("message"),
        agent_id=conv.agent_id,
        conversation_id=conversation_id,
        role=role,
        content=[{"type": "text", "text": words, **({"summary": True} if extra.pop("summary", False) else {})}],
        created_at=utcnow(),
        **extra,
    )
    service.conversations.add_messages([msg])
    return msg


def say(service: AgentService, conversation_id: str, *texts: str) -> None:
    for words in texts:
        store(service, conversation_id, "user", words)


def seen(histories: PromptHistories, service: AgentService, conversation_id: str) -> list[str]:
    return [m.content for m in histories.compile(service.conversations, conversation_id).messages]


@contextmanager
def statements(service: AgentService) -> Iterator[list[str]]:
    found: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        found.append(statement)

    engine = service.runs.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def two(tmp_path: Path) -> tuple[AgentService, AgentService, str]:
    """Two services on one database (as `letta server` and a `letta -p` are), one conversation."""
    first = AgentService(tmp_path / "letta.db", {})
    agent = first.create_agent(name="a", model="openai/gpt-4.1")
    conv = first.create_conversation(agent_id=agent.id)
    second = AgentService(tmp_path / "letta.db", {})
    return first, second, conv.id


def test_a_later_step_reads_only_what_was_stored_since(two: tuple[AgentService, AgentService, str]) -> None:
    first, _, conv = two
    histories = PromptHistories()
    say(first, conv, "one", "two")
    assert seen(histories, first, conv) == ["one", "two"]
    with statements(first) as sql:
        assert seen(histories, first, conv) == ["one", "two"]
    assert len(sql) == 1 and "count" in sql[0].lower()  # the check alone: no message rows
    say(first, conv, "three")
    with statements(first) as sql:
        assert seen(histories, first, conv) == ["one", "two", "three"]
    assert len(sql) == 2 and "messages.seq > ?" in sql[1]  # the check, then the one new message


def test_it_is_what_a_compile_from_scratch_gives(two: tuple[AgentService, AgentService, str]) -> None:
    """Summaries, system messages and a tool call left unanswered come out as a full compile has them."""
    first, _, conv = two
    histories = PromptHistories()
    say(first, conv, "one")
    calls = [{"id": "call-1", "name": "Bash", "arguments": "{}", "client": True}]
    store(first, conv, "assistant", "", tool_calls=calls)
    carried = histories.compile(first.conversations, conv)
    assert [m.content for m in carried.messages][-1] == INTERRUPTED_RESULT  # closed for the model, for now
    store(first, conv, "tool", "ran", tool_call_id="call-1")
    store(first, conv, "system", "the story so far", summary=True)
    store(first, conv, "system", "a note")
    say(first, conv, "two")
    carried = histories.compile(first.conversations, conv)
    context = first.conversations.context_messages(conv)
    assert carried.messages == to_chat_messages([m for m in context if m.role != "system"])
    assert carried.summary is not None and carried.summary.content[0]["text"] == "the story so far"
    assert carried.context_size == len(context) == 6
    assert carried.tokens == PromptHistories().compile(first.conversations, conv).tokens


def test_messages_another_process_stored_show(two: tuple[AgentService, AgentService, str]) -> None:
    first, second, conv = two
    histories = PromptHistories()
    say(first, conv, "one")
    assert seen(histories, first, conv) == ["one"]
    say(second, conv, "two")
    assert seen(histories, first, conv) == ["one", "two"]


def test_clear_moves_the_start(two: tuple[AgentService, AgentService, str]) -> None:
    first, second, conv = two
    histories = PromptHistories()
    say(first, conv, "one", "two")
    assert seen(histories, first, conv) == ["one", "two"]
    second.conversations.clear_context(conv)
    assert seen(histories, first, conv) == []
    say(second, conv, "three")
    assert seen(histories, first, conv) == ["three"]


def test_a_message_committed_late_with_a_lower_number_is_not_missed(
    two: tuple[AgentService, AgentService, str],
) -> None:
    first, second, conv = two
    histories = PromptHistories()
    other = first.create_conversation(agent_id=first.conversations.get(conv).agent_id).id
    say(first, conv, "one")
    say(first, other, "elsewhere")  # takes the next number
    say(first, conv, "three")
    assert seen(histories, first, conv) == ["one", "three"]
    with second.runs.engine.begin() as db:  # that number, reused by a message that commits now
        seq = db.execute(text("SELECT seq FROM messages WHERE conversation_id = :c"), {"c": other}).scalar_one()
        db.execute(text("DELETE FROM messages WHERE seq = :s"), {"s": seq})
        db.execute(
            text(
                "INSERT INTO messages (seq, id, agent_id, conversation_id, role, content, tool_calls, created_at)"
                " SELECT :s, 'message-late', agent_id, conversation_id, role,"
                ' \'[{"type": "text", "text": "two"}]\', \'[]\', created_at FROM messages WHERE conversation_id = :c LIMIT 1'
            ),
            {"s": seq, "c": conv},
        )
    assert seen(histories, first, conv) == ["one", "two", "three"]


def test_a_missing_conversation_is_not_found(two: tuple[AgentService, AgentService, str]) -> None:
    first, _, _ = two
    with pytest.raises(NotFoundError):
        PromptHistories().compile(first.conversations, "conv-nope")


def test_only_the_most_recent_conversations_are_kept(
    two: tuple[AgentService, AgentService, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _, conv = two
    histories = PromptHistories()
    monkeypatch.setattr(prompt_history, "MAX_CONVERSATIONS", 2)
    agent_id = first.conversations.get(conv).agent_id
    convs = [conv, *(first.create_conversation(agent_id=agent_id).id for _ in range(3))]
    for c in convs:
        say(first, c, f"in {c}")
        assert seen(histories, first, c) == [f"in {c}"]
    assert list(histories._compiled) == convs[-2:]


def test_a_pending_approval_is_found_in_the_last_turn_alone(two: tuple[AgentService, AgentService, str]) -> None:
    first, _, conv = two
    say(first, conv, *(f"old {i}" for i in range(20)))
    calls = [{"id": "call-9", "name": "Bash", "arguments": "{}", "client": True}]
    asked = store(first, conv, "assistant", "", tool_calls=calls)
    with statements(first) as sql:
        pending = first.conversations.pending_approval(conv)
    assert pending is not None and pending.message_id == asked.id and pending.tool_calls == calls
    assert any("LIMIT" in s and "DESC" in s for s in sql)  # the last user message, found from the end
    store(first, conv, "tool", "done", tool_call_id="call-9")
    assert first.conversations.pending_approval(conv) is None

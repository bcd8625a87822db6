"""Conversations through the SDK: create, read, update, list, delete, as round trips."""

from __future__ import annotations

import letta_client
import pytest
from letta_client import Letta

from letta_code.testing import Reply
from tests.server.conftest import LiveServer, user

pytestmark = pytest.mark.filterwarnings("ignore:deprecated:DeprecationWarning")


def test_a_conversation_round_trip_ends_deleted_with_its_messages(live_server: LiveServer, client: Letta) -> None:
    agent = client.agents.create(name="talker", model="openai/gpt-4.1")
    conv = client.conversations.create(agent_id=agent.id, summary="planning")
    assert client.conversations.retrieve(conv.id).summary == "planning"
    live_server.model.script([Reply(text="noted")])
    list(client.conversations.messages.create(conv.id, messages=user("the plan is pelican")))
    updated = client.conversations.update(conv.id, summary="the pelican plan")
    assert updated.summary == "the pelican plan"
    assert [c.id for c in client.conversations.list(agent_id=agent.id)] == [conv.id]
    assert len(client.conversations.retrieve(conv.id).in_context_message_ids or []) == 2

    client.conversations.delete(conv.id)
    with pytest.raises(letta_client.NotFoundError):
        client.conversations.retrieve(conv.id)
    with pytest.raises(letta_client.NotFoundError):
        client.conversations.messages.list(conv.id)
    assert client.conversations.list(agent_id=agent.id) == []
    assert client.messages.search(query="pelican", agent_id=agent.id) == []  # gone from search too
    with pytest.raises(letta_client.NotFoundError):
        client.conversations.delete(conv.id)


def test_the_default_history_is_not_deleted(client: Letta) -> None:
    agent = client.agents.create(name="keeper", model="openai/gpt-4.1")
    default = client.get("/v1/conversations/default", cast_to=dict, options={"params": {"agent_id": agent.id}})
    with pytest.raises(letta_client.BadRequestError, match="default history"):
        client.conversations.delete(default["id"])

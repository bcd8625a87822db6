"""What a send request may carry: text that does not encode as UTF-8 is refused before
anything is stored, so the conversation takes the next message as if nothing happened."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from letta_code.schemas.chunks import ClientToolSchema
from letta_code.schemas.state import NewBlock
from letta_code.service.errors import BadRequestError
from letta_code.service.service import AgentService
from letta_code.testing import ModelServer, Reply
from tests.server.conftest import API_KEY, start_live_server
from tests.service.test_service import drain, make_agent, make_service

BAD = "caf\udce9"  # what Python makes of b"caf\xe9" read as UTF-8 with surrogateescape


def stored_state(service: AgentService, agent_id: str) -> tuple[int, int, int]:
    """Messages, runs and conversations stored for the agent."""
    return (
        service.conversations.count_messages(agent_id=agent_id),
        len(service.runs.list(agent_id=agent_id)),
        len(service.conversations.list(agent_id)),
    )


@pytest.mark.parametrize(
    ("messages", "where"),
    [
        ([{"role": "user", "content": BAD}], "messages[0].content"),
        ([{"role": "user", "content": [{"type": "text", "text": BAD}]}], "messages[0].content[0].text"),
        ([{"role": "user", "content": "fine", "otid": BAD}], "messages[0].otid"),
    ],
)
def test_text_that_is_not_utf8_is_refused_and_the_conversation_goes_on(
    tmp_path: Path, model_server: ModelServer, messages: list[dict[str, Any]], where: str
) -> None:
    service = make_service(tmp_path, model_server)
    agent_id = make_agent(service)
    before = stored_state(service, agent_id)
    with pytest.raises(
        BadRequestError, match=r"not valid Unicode text: character 4 is the lone surrogate U\+DCE9"
    ) as info:
        service.start_run(agent_id=agent_id, conversation_id=None, messages=messages)
    assert str(info.value).startswith(where + " ")
    assert info.value.status_code == 400
    assert stored_state(service, agent_id) == before  # no message, no run, not even the default conversation
    assert model_server.model_requests == []

    model_server.script([Reply(text="Bonjour")])
    chunks = asyncio.run(
        drain(service, agent_id=agent_id, conversation_id=None, messages=[{"role": "user", "content": "café"}])
    )
    assert [c["message_type"] for c in chunks][:2] == ["assistant_message", "stop_reason"]
    assert model_server.last_user_text() == "café"


def test_a_client_tool_with_bad_text_is_refused(tmp_path: Path, model_server: ModelServer) -> None:
    service = make_service(tmp_path, model_server)
    agent_id = make_agent(service)
    tool: ClientToolSchema = {"name": "Bash", "description": BAD, "parameters": {"type": "object", "properties": {}}}
    with pytest.raises(BadRequestError, match=r"^client_tools\[0\]\.description is not valid Unicode"):
        service.start_run(
            agent_id=agent_id, conversation_id=None, messages=[{"role": "user", "content": "hi"}], client_tools=[tool]
        )
    assert service.runs.list(agent_id=agent_id) == []


def test_an_agent_with_bad_text_stores_nothing(tmp_path: Path, model_server: ModelServer) -> None:
    service = make_service(tmp_path, model_server)
    with pytest.raises(BadRequestError, match=r"^the agent\.memory_blocks\[1\]\.value is not valid Unicode"):
        service.create_agent(
            name="a",
            model="openai/gpt-4.1",
            memory_blocks=[NewBlock("persona", "ok"), NewBlock("human", BAD)],
        )
    assert service.agents.list_blocks() == [] and service.agents.list_agents() == []


def test_over_http_the_refusal_is_a_400_and_the_next_message_works(tmp_path: Path, model_server: ModelServer) -> None:
    live, thread = start_live_server(tmp_path, model_server)
    try:
        agent_id = make_agent(live.service)
        url = f"{live.url}/v1/conversations/default/messages"
        headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
        # JSON may escape a lone surrogate ("caf\\udce9"); json.loads turns it back into one.
        body = json.dumps({"agent_id": agent_id, "streaming": False, "messages": [{"role": "user", "content": BAD}]})
        assert "caf\\udce9" in body
        refused = httpx.post(url, content=body.encode(), headers=headers)
        assert refused.status_code == 400, refused.text
        assert "not valid Unicode text" in refused.json()["detail"]
        model_server.script([Reply(text="Bonjour")])
        answer = httpx.post(url, json={"agent_id": agent_id, "streaming": False, "input": "café"}, headers=headers)
        assert answer.status_code == 200, answer.text
        assert "Bonjour" in answer.text
    finally:
        thread.stop()

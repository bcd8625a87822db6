"""Errors are mapped in one place: a user error answers its status and its one line; nothing leaks."""

from __future__ import annotations

from pathlib import Path

import httpx

from letta_code.server.app import create_app
from letta_code.service.service import AgentService
from letta_code.testing import ModelServer
from tests.conftest import read_only
from tests.server.conftest import API_KEY, LiveServer, ThreadServer

AUTH = {"Authorization": f"Bearer {API_KEY}"}
LEAKS = ("SELECT", "INSERT", "UPDATE", "sqlalche.me", "sqlalchemy", "[SQL", "parameters", "Traceback")


def test_a_database_that_cannot_be_written_answers_one_short_line(tmp_path: Path) -> None:
    db = tmp_path / "letta.db"
    with ModelServer() as model:
        maker = AgentService(db, model.env())
        maker.create_agent(name="kept", model="openai/gpt-4.1")
        maker.runs.engine.dispose()
        with read_only(db):
            service = AgentService(db, model.env())
            thread = ThreadServer(create_app(service, API_KEY)).start()
            url = f"http://127.0.0.1:{thread.port}"
            try:
                listed = httpx.get(f"{url}/v1/agents", headers=AUTH)
                created = httpx.post(f"{url}/v1/agents", json={"name": "new", "model": "openai/gpt-4.1"}, headers=AUTH)
                block = httpx.post(f"{url}/v1/blocks", json={"label": "x"}, headers=AUTH)
            finally:
                thread.stop()
                service.runs.engine.dispose()
    assert [a["name"] for a in listed.json()] == ["kept"]  # reading still works
    for response in (created, block):
        assert response.status_code == 503, response.text
        assert response.headers["x-should-retry"] == "false"
        detail = response.json()["detail"]
        assert (
            detail
            == f"cannot write the database {db}: it is read-only (check the permissions of the file and its folder)"
        )
        assert not any(leak in response.text for leak in LEAKS), response.text


def test_service_errors_answer_their_status_and_message(live_server: LiveServer) -> None:
    missing = httpx.get(f"{live_server.url}/v1/agents/agent-nope", headers=AUTH)
    assert missing.status_code == 404
    assert missing.json() == {"detail": "agent agent-nope not found"}
    assert missing.headers["x-should-retry"] == "false"


def test_an_unknown_model_is_refused_before_a_run_starts(live_server: LiveServer) -> None:
    agent = httpx.post(f"{live_server.url}/v1/agents", json={"model": "openai/gpt-4.1"}, headers=AUTH).json()
    runs_before = httpx.get(f"{live_server.url}/v1/runs", params={"agent_id": agent["id"]}, headers=AUTH).json()
    for path in ("messages", "messages/stream", "messages/async"):
        response = httpx.post(
            f"{live_server.url}/v1/agents/{agent['id']}/{path}",
            json={"input": "hi", "override_model": "nope/xyz"},
            headers=AUTH,
        )
        assert response.status_code == 400, (path, response.text)
        assert response.json()["detail"].startswith('unknown model "nope/xyz"')
    runs_after = httpx.get(f"{live_server.url}/v1/runs", params={"agent_id": agent["id"]}, headers=AUTH).json()
    assert runs_after == runs_before


def test_a_client_tool_name_the_model_apis_refuse_is_422(live_server: LiveServer) -> None:
    agent = httpx.post(f"{live_server.url}/v1/agents", json={"model": "openai/gpt-4.1"}, headers=AUTH).json()
    asked = len(live_server.model.model_requests)
    response = httpx.post(
        f"{live_server.url}/v1/agents/{agent['id']}/messages",
        json={"input": "hi", "client_tools": [{"name": "has space"}]},
        headers=AUTH,
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "client_tools", 0, "name"]
    assert len(live_server.model.model_requests) == asked

"""Archival memory over the REST API, through the official SDK: add, list, search, delete."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import letta_client
import pytest
from letta_client import Letta

from letta_code.schemas.defaults import DEFAULT_TOP_K
from letta_code.service.agent.search_tools import MAX_PASSAGE_CHARS
from letta_code.testing import Reply
from tests.server.conftest import API_KEY, LiveServer, user

AUTH = {"Authorization": f"Bearer {API_KEY}"}


def make_agent(client: Letta, name: str = "archivist") -> str:
    return client.agents.create(name=name, model="openai/gpt-4.1").id


def test_create_list_search_delete_round_trip(client: Letta) -> None:
    agent = make_agent(client)
    (tea,) = client.agents.passages.create(agent, text="The user drinks green tea every morning.", tags=["habits"])
    assert tea.id and tea.text.startswith("The user drinks") and tea.tags == ["habits"]
    assert tea.created_at is not None and tea.created_at.tzinfo is not None
    client.agents.passages.create(agent, text="The deploy script lives in ops/deploy.sh.", tags=["ops"])
    client.agents.passages.create(agent, text="Green paint was chosen for the shed.")

    listed = client.agents.passages.list(agent)
    assert [p.text[:9] for p in listed] == ["The user ", "The deplo", "Green pai"]  # oldest first by default
    assert [p.id for p in client.agents.passages.list(agent, ascending=False)] == [p.id for p in reversed(listed)]
    assert [p.id for p in client.agents.passages.list(agent, limit=1, after=tea.id)] == [listed[1].id]
    assert [p.text[:5] for p in client.agents.passages.list(agent, search="green")] == ["The u", "Green"]

    found = client.agents.passages.search(agent, query="green tea")
    assert found.count == 2 and found.results[0].id == tea.id  # both words beat one
    assert found.results[0].content == tea.text and found.results[0].tags == ["habits"]
    tagged = client.agents.passages.search(agent, query="green", tags=["habits"])
    assert [r.id for r in tagged.results] == [tea.id]
    assert client.agents.passages.search(agent, query="", top_k=1).count == 1

    client.agents.passages.delete(tea.id, agent_id=agent)
    assert [p.text[:5] for p in client.agents.passages.list(agent)] == ["The d", "Green"]
    assert tea.id not in [r.id for r in client.agents.passages.search(agent, query="green tea").results]


def test_created_at_is_kept(client: Letta) -> None:
    agent = make_agent(client)
    when = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
    (passage,) = client.agents.passages.create(agent, text="An old note.", created_at=when)
    assert passage.created_at == when
    assert client.agents.passages.list(agent)[0].created_at == when


def test_unknown_agent_or_passage_and_another_agents_passage_are_404(client: Letta) -> None:
    mine, theirs = make_agent(client, "mine"), make_agent(client, "theirs")
    (secret,) = client.agents.passages.create(theirs, text="Their secret.")
    assert secret.id is not None
    for call in (
        lambda: client.agents.passages.list("agent-nope"),
        lambda: client.agents.passages.create("agent-nope", text="x"),
        lambda: client.agents.passages.search("agent-nope", query="x"),
        lambda: client.agents.passages.delete("passage-nope", agent_id=mine),
        lambda: client.agents.passages.delete(secret.id, agent_id=mine),
    ):
        with pytest.raises(letta_client.NotFoundError):
            call()
    assert [p.id for p in client.agents.passages.list(theirs)] == [secret.id]  # still there
    assert client.agents.passages.list(mine) == []


def test_what_the_agent_stores_is_listed_and_what_the_api_adds_the_agent_finds(
    live_server: LiveServer, client: Letta
) -> None:
    agent = make_agent(client)
    live_server.model.script(
        [
            Reply(tool_calls=[("archival_memory_insert", {"content": "The staging host is db-7.", "tags": ["ops"]})]),
            Reply(text="Stored."),
        ]
    )
    client.agents.messages.create(agent, messages=user("remember the staging host"))
    assert [(p.text, p.tags) for p in client.agents.passages.list(agent)] == [("The staging host is db-7.", ["ops"])]

    client.agents.passages.create(agent, text="The release train leaves on Thursdays.")
    live_server.model.script(
        [Reply(tool_calls=[("archival_memory_search", {"query": "release train"})]), Reply(text="Thursdays.")]
    )
    client.agents.messages.create(agent, messages=user("when does the release train leave?"))
    tool_result = live_server.model.last_messages()[-1]
    assert "The release train leaves on Thursdays." in str(tool_result["content"])


def test_times_past_the_calendar_in_utc_are_a_400_naming_the_field(live_server: LiveServer, client: Letta) -> None:
    agent = make_agent(client)
    url = f"{live_server.url}/v1/agents/{agent}/archival-memory"
    late, early = "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"
    created = httpx.post(url, json={"text": "From the far future.", "created_at": late}, headers=AUTH)
    assert created.status_code == 400 and "created_at" in created.json()["detail"], created.text
    for name, value in (("start_datetime", early), ("end_datetime", late)):
        found = httpx.get(f"{url}/search", params={"query": "x", name: value}, headers=AUTH)
        assert found.status_code == 400 and name in found.json()["detail"], found.text
    assert client.agents.passages.list(agent) == []


def test_empty_or_over_long_text_is_refused_as_the_tool_refuses_it(client: Letta) -> None:
    agent = make_agent(client)
    for text in ("", "  \n", "x" * (MAX_PASSAGE_CHARS + 1)):
        with pytest.raises(letta_client.BadRequestError) as refused:
            client.agents.passages.create(agent, text=text)
        assert "text" in str(refused.value)
    assert client.agents.passages.list(agent) == []


def test_a_back_dated_passage_lists_in_date_order_and_pages_follow_it(client: Letta) -> None:
    agent = make_agent(client)
    now = datetime.now(UTC)
    for n, when in enumerate([now - timedelta(days=1), now - timedelta(days=3), now, now - timedelta(days=2)]):
        client.agents.passages.create(agent, text=f"note {n}", created_at=when)
    listed = client.agents.passages.list(agent)
    assert [p.text for p in listed] == ["note 1", "note 3", "note 0", "note 2"]  # oldest first, by date
    newest = client.agents.passages.list(agent, ascending=False, limit=2)
    assert [p.text for p in newest] == ["note 2", "note 0"]
    assert [p.text for p in client.agents.passages.list(agent, before=listed[2].id, limit=1)] == ["note 3"]
    assert [p.text for p in client.agents.passages.list(agent, after=listed[0].id, limit=2)] == ["note 3", "note 0"]
    assert client.agents.passages.list(agent, after="passage-nope") == []
    assert client.agents.passages.list(agent, limit=0) == []


def test_an_end_date_is_on_or_before_and_a_bare_date_is_its_whole_day(live_server: LiveServer, client: Letta) -> None:
    agent = make_agent(client)
    noon = datetime(2024, 5, 1, 12, tzinfo=UTC)
    for hours in (0, 6, 24):
        client.agents.passages.create(agent, text=f"heron {hours}", created_at=noon + timedelta(hours=hours))
    at_noon = client.agents.passages.search(agent, query="heron", end_datetime=noon)
    assert [r.content for r in at_noon.results] == ["heron 0"]
    url = f"{live_server.url}/v1/agents/{agent}/archival-memory/search"
    day = httpx.get(url, params={"query": "heron", "end_datetime": "2024-05-01"}, headers=AUTH).json()
    assert sorted(r["content"] for r in day["results"]) == ["heron 0", "heron 6"]


def test_a_search_gives_the_tools_number_of_results_unless_told(client: Letta) -> None:
    agent = make_agent(client)
    for n in range(DEFAULT_TOP_K + 3):
        client.agents.passages.create(agent, text=f"Fact {n} about the release train.")
    assert client.agents.passages.search(agent, query="release train").count == DEFAULT_TOP_K
    assert client.agents.passages.search(agent, query="release train", top_k=DEFAULT_TOP_K + 3).count == 13

"""Archival memory through the facade (`AgentService.add_passage` and its siblings) over a real SQLite
file: the tool's rules on the text, times in UTC with a 400 naming the field, date order, ownership."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from letta_code.schemas.defaults import DEFAULT_TOP_K
from letta_code.service.agent.search_tools import MAX_PASSAGE_CHARS, ServerToolError, ToolContext, make_search_handlers
from letta_code.service.archival import PassagePage, PassageSearch
from letta_code.service.errors import BadRequestError, NotFoundError
from letta_code.service.service import AgentService

WHEN = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def service(tmp_path: Path) -> AgentService:
    return AgentService(tmp_path / "letta.db", {})


def new_agent(service: AgentService, name: str = "archivist") -> str:
    return service.create_agent(name=name, model="openai/gpt-4.1").id


def texts(service: AgentService, agent_id: str, page: PassagePage | None = None) -> list[str]:
    return [p.text for p in service.list_passages(agent_id, page or PassagePage())]


def test_the_api_and_the_tool_refuse_the_same_texts(service: AgentService) -> None:
    agent_id = new_agent(service)
    insert = make_search_handlers(service.search)["archival_memory_insert"]
    context = ToolContext(agent_id, service.conversations.default_for(agent_id).id, "run-1", "call-1")
    for bad in ("", "   ", "x" * (MAX_PASSAGE_CHARS + 1)):
        with pytest.raises(BadRequestError) as refused:
            service.add_passage(agent_id, bad)
        with pytest.raises(ServerToolError) as tool_refused:
            insert({"content": bad}, context)
        assert str(refused.value) == str(tool_refused.value).replace("content", "text")
    assert service.add_passage(agent_id, "x" * MAX_PASSAGE_CHARS).metadata == {"source": "api"}
    assert texts(service, agent_id) == ["x" * MAX_PASSAGE_CHARS]


def test_times_are_kept_in_utc_and_out_of_range_ones_are_a_400_naming_the_field(service: AgentService) -> None:
    agent_id = new_agent(service)
    noon_in_paris = datetime.fromisoformat("2024-05-01T14:00:00+02:00")
    assert service.add_passage(agent_id, "Met in Paris.", created_at=noon_in_paris).created_at == WHEN
    late = datetime.fromisoformat("9999-12-31T23:59:59-05:00")
    early = datetime.fromisoformat("0001-01-01T00:00:00+05:00")
    with pytest.raises(BadRequestError, match="created_at 9999-12-31T23:59:59-05:00 is out of range"):
        service.add_passage(agent_id, "From the far future.", created_at=late)
    with pytest.raises(BadRequestError, match="start_datetime"):
        service.search_passages(agent_id, PassageSearch(start=early))
    with pytest.raises(BadRequestError, match="end_datetime"):
        service.search_passages(agent_id, PassageSearch(end=late))
    assert texts(service, agent_id) == ["Met in Paris."]


def test_a_back_dated_passage_lists_in_date_order(service: AgentService) -> None:
    agent_id = new_agent(service)
    service.add_passage(agent_id, "Added first, about now.")
    service.add_passage(agent_id, "Added second, dated last year.", created_at=datetime.now(UTC) - timedelta(days=365))
    assert texts(service, agent_id) == ["Added second, dated last year.", "Added first, about now."]
    assert texts(service, agent_id, PassagePage(ascending=False)) == [
        "Added first, about now.",
        "Added second, dated last year.",
    ]
    newest = service.search_passages(agent_id, PassageSearch())  # no words: newest first, by date
    assert [p.text for p in newest] == ["Added first, about now.", "Added second, dated last year."]


def test_the_end_is_inclusive_and_top_k_defaults_to_the_tools(service: AgentService) -> None:
    agent_id = new_agent(service)
    for n in range(DEFAULT_TOP_K + 2):
        service.add_passage(agent_id, f"Note {n} on the heron.", created_at=WHEN + timedelta(hours=n))
    assert len(service.search_passages(agent_id, PassageSearch(query="heron"))) == DEFAULT_TOP_K
    upto = service.search_passages(agent_id, PassageSearch(query="heron", end=WHEN + timedelta(hours=1)))
    assert sorted(p.text for p in upto) == ["Note 0 on the heron.", "Note 1 on the heron."]
    since = service.search_passages(agent_id, PassageSearch(start=WHEN + timedelta(hours=DEFAULT_TOP_K + 1)))
    assert [p.text for p in since] == [f"Note {DEFAULT_TOP_K + 1} on the heron."]


def test_a_passage_of_another_agent_or_an_unknown_agent_is_404(service: AgentService) -> None:
    mine, theirs = new_agent(service, "mine"), new_agent(service, "theirs")
    secret = service.add_passage(theirs, "Their secret.")
    with pytest.raises(NotFoundError):
        service.delete_passage(mine, secret.id)
    for call in (
        lambda: service.add_passage("agent-nope", "x"),
        lambda: service.list_passages("agent-nope", PassagePage()),
        lambda: service.search_passages("agent-nope", PassageSearch()),
        lambda: service.delete_passage(theirs, "passage-nope"),
    ):
        with pytest.raises(NotFoundError):
            call()
    assert texts(service, mine, PassagePage(after=secret.id)) == []  # another agent's passage is no cursor
    service.delete_passage(theirs, secret.id)
    assert texts(service, theirs) == []

"""Message search on a history where some words are in most messages: those words still filter
but leave the BM25 ranking (whose counts they would make slow), by `SearchStore`'s estimate.

The thresholds are lowered so that a history of a hundred messages counts as long; with the
real ones the same history is ranked by plain BM25, which the first test checks too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from letta_code.service.agent.search_tools import format_message_hits
from letta_code.service.service import AgentService
from letta_code.service.store import search
from letta_code.service.store.models import Message, new_id
from letta_code.service.store.search import MessageHit


@pytest.fixture
def service(tmp_path: Path) -> AgentService:
    return AgentService(tmp_path / "letta.db", {})


@pytest.fixture
def long_history(monkeypatch: pytest.MonkeyPatch) -> None:
    """A word in more than 30 messages is common; a phrase whose words are each in more than 15."""
    monkeypatch.setattr(search, "COMMON_ROWS", 30)
    monkeypatch.setattr(search, "PHRASE_ROWS", 15)
    monkeypatch.setattr(search, "PROBE_ROWS", 5)


def history(service: AgentService, texts: list[str]) -> tuple[str, list[str]]:
    """An agent whose default conversation holds `texts`, oldest first; its id and the message ids."""
    agent_id = service.create_agent(name="searcher", model="openai/gpt-4.1").id
    conv = service.conversations.default_for(agent_id).id
    ids = [new_id("message") for _ in texts]
    service.conversations.add_messages(
        [
            Message(id=i, agent_id=agent_id, conversation_id=conv, role="user", content=[{"type": "text", "text": t}])
            for i, t in zip(ids, texts, strict=True)
        ]
    )
    return agent_id, ids


def found(hits: list[MessageHit]) -> list[str]:
    return [h.message_id for h in hits]


def filler(n: int) -> list[str]:
    return [f"note {i} about nothing in particular" for i in range(n)]


def test_a_word_in_most_messages_comes_newest_first(service: AgentService, monkeypatch: pytest.MonkeyPatch) -> None:
    texts = ["pelican pelican pelican pelican", *[f"a pelican on pier {i} and some more words" for i in range(60)]]
    agent_id, ids = history(service, texts)
    plain = service.search.search_messages(agent_id, "pelican", limit=5)
    assert found(plain)[0] == ids[0]  # real thresholds: BM25, the message that is all pelican wins
    assert all(h.score is not None for h in plain)

    monkeypatch.setattr(search, "COMMON_ROWS", 30)
    monkeypatch.setattr(search, "PHRASE_ROWS", 15)
    monkeypatch.setattr(search, "PROBE_ROWS", 5)
    common = service.search.search_messages(agent_id, "pelican", limit=5)
    assert found(common) == ids[-1:-6:-1] and all(h.score is None for h in common)
    assert all("pelican" in h.matches for h in common)
    assert '"order": "newest first"' in format_message_hits("pelican", common, "conv-x")
    assert '"order": "best match first"' in format_message_hits("pelican", plain, "conv-x")


@pytest.mark.usefixtures("long_history")
def test_a_common_word_filters_while_the_rare_one_ranks(service: AgentService) -> None:
    texts = [
        "walrus walrus walrus and a pelican",  # the rare word most often: first, although oldest
        "walrus alone",  # no pelican: only in the top-up, after the messages with both words
        *[f"pelican number {i}" for i in range(40)],
        "a pelican and a walrus in a long sentence with many other words around them",
    ]
    agent_id, ids = history(service, texts)
    hits = service.search.search_messages(agent_id, "pelican walrus")
    assert found(hits) == [ids[0], ids[-1], ids[1]]
    assert all(h.score is not None for h in hits)
    assert all("pelican" in h.matches for h in hits[:2])


@pytest.mark.usefixtures("long_history")
def test_a_phrase_of_common_words_is_still_a_phrase(service: AgentService) -> None:
    texts = [*[f"green harbor {i}" for i in range(20)], *[f"harbor is green {i}" for i in range(20)]]
    agent_id, ids = history(service, texts)
    hits = service.search.search_messages(agent_id, '"green harbor"', limit=30)
    assert found(hits) == ids[19::-1]  # only the phrase, newest first
    assert all(h.score is None for h in hits)


@pytest.mark.usefixtures("long_history")
def test_the_top_up_searches_the_words_that_are_not_common(service: AgentService) -> None:
    texts = ["a walrus sighting", "an otter sighting with a walrus nearby", *[f"pelican story {i}" for i in range(40)]]
    agent_id, ids = history(service, texts)
    hits = service.search.search_messages(agent_id, "pelican walrus otter", limit=5)
    # No message has all three; the top-up finds the walrus and otter ones, best first, and
    # not the pelican stories, which only have the common word.
    assert found(hits) == [ids[1], ids[0]]


@pytest.mark.usefixtures("long_history")
def test_a_word_common_only_long_ago_is_ranked(service: AgentService) -> None:
    # Forty old messages have the word, then sixty without: its newest matches are spread far
    # apart, so it is estimated rare and ranked by BM25 (a full count is cheap for such a word).
    texts = ["heron heron heron heron", *[f"heron {i} in a longer message" for i in range(39)], *filler(60)]
    agent_id, ids = history(service, texts)
    hits = service.search.search_messages(agent_id, "heron", limit=3)
    assert found(hits)[0] == ids[0] and all(h.score is not None for h in hits)


@pytest.mark.usefixtures("long_history")
def test_filters_apply_to_the_newest_first_matches(service: AgentService) -> None:
    agent_id, ids = history(service, [f"pelican {i}" for i in range(40)])
    other, other_ids = history(service, [f"pelican elsewhere {i}" for i in range(10)])
    mine = service.search.search_messages(agent_id, "pelican", limit=3)
    assert found(mine) == ids[-1:-4:-1]
    assert found(service.search.search_messages(other, "pelican", limit=3)) == other_ids[-1:-4:-1]

"""`PassageStore.list_passages`: one keyset query per page in date order, over a real SQLite file.

Each page is checked against the same listing cut by hand (`server.common.page`, the
in-memory pager the route used before): same items, same order, same cursor rules.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from letta_code.server.common import page
from letta_code.service.store.db import open_database
from letta_code.service.store.models import Agent
from letta_code.service.store.search import SearchStore

START = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> SearchStore:
    sessions = open_database(tmp_path / "letta.db")
    with sessions.begin() as session:
        for agent_id in ("agent-a", "agent-b"):
            session.add(Agent(id=agent_id, name=agent_id, system="", model="openai/gpt-4.1", context_window=1000))
    return SearchStore(sessions)


def fill(store: SearchStore) -> list[str]:
    """Twelve passages, ids in date order: every third one back-dated between the others, two at the same time."""
    dates = [START + timedelta(hours=n) for n in range(12)]
    order = [0, 3, 1, 2, 6, 4, 5, 9, 7, 8, 11, 10]  # the order they are added in
    ids: dict[int, str] = {}
    for n in order:
        when = dates[n] if n != 5 else dates[4]  # 4 and 5 share a time: added later sorts later
        text = f"passage {n} {'heron' if n % 2 else 'tern'}"
        ids[n] = store.insert_passage("agent-a", text, created_at=when).id
    store.insert_passage("agent-b", "another agent's heron", created_at=START)
    return [ids[n] for n in sorted(ids, key=lambda n: (dates[n] if n != 5 else dates[4], order.index(n)))]


def ids(
    store: SearchStore,
    *,
    limit: int | None = 100,
    ascending: bool = False,
    after: str | None = None,
    before: str | None = None,
    search: str | None = None,
) -> list[str]:
    found = store.list_passages("agent-a", limit=limit, ascending=ascending, after=after, before=before, search=search)
    return [p.id for p in found]


def test_pages_are_the_listing_cut_at_the_cursors(store: SearchStore) -> None:
    every = fill(store)
    assert ids(store, limit=None, ascending=True) == every
    assert ids(store, limit=None) == every[::-1]
    for ascending in (True, False):
        order = "asc" if ascending else "desc"
        for after in (None, every[2], every[5], every[11]):
            for before in (None, every[0], every[6], every[9]):
                for limit in (None, 0, 1, 3, 50):
                    got = ids(store, limit=limit, ascending=ascending, after=after, before=before)
                    want = page(every, lambda i: i, after=after, before=before, limit=limit, order=order)
                    assert got == want, (ascending, after, before, limit)


def test_walking_the_pages_visits_each_passage_once(store: SearchStore) -> None:
    every = fill(store)
    seen: list[str] = []
    cursor = None
    while chunk := ids(store, limit=5, ascending=True, after=cursor):
        seen += chunk
        cursor = chunk[-1]
    assert seen == every


def test_search_keeps_the_passages_with_any_word_in_the_same_order(store: SearchStore) -> None:
    every = fill(store)
    herons = [i for i in every if "heron" in store.get_passage(i).text]
    assert len(herons) == 6
    assert ids(store, limit=None, ascending=True, search="heron") == herons
    assert ids(store, limit=None, ascending=True, search="heron tern") == every  # any word
    assert ids(store, limit=2, ascending=True, search="heron", after=herons[1]) == herons[2:4]
    assert ids(store, limit=None, ascending=True, search="?!") == every  # no searchable word: no filter


def test_an_unknown_cursor_or_another_agents_passage_gives_an_empty_page(store: SearchStore) -> None:
    fill(store)
    theirs = store.list_passages("agent-b")[0].id
    assert ids(store, after="passage-nope") == [] and ids(store, before="passage-nope") == []
    assert ids(store, after=theirs) == [] and ids(store, before=theirs) == []

"""A block's history over the REST API: its revisions with diffs, and reverting to one.

The SDK has no revision routes (they are ours), so these calls are plain HTTP; the
block edits and reads go through the official SDK.
"""

from __future__ import annotations

from typing import Any

import httpx
from letta_client import Letta

from tests.server.conftest import API_KEY, LiveServer

AUTH = {"Authorization": f"Bearer {API_KEY}"}


def revisions(live_server: LiveServer, block_id: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{live_server.url}/v1/blocks/{block_id}/revisions", headers=AUTH)
    assert response.status_code == 200, response.text
    result: list[dict[str, Any]] = response.json()
    return result


def revert(live_server: LiveServer, block_id: str, version: Any) -> httpx.Response:
    return httpx.post(f"{live_server.url}/v1/blocks/{block_id}/revert", json={"version": version}, headers=AUTH)


def test_edits_are_listed_with_diffs_and_a_revert_brings_the_value_back(live_server: LiveServer, client: Letta) -> None:
    agent = client.agents.create(
        name="historian", model="openai/gpt-4.1", memory_blocks=[{"label": "human", "value": "Likes tea."}]
    )
    block = agent.memory.blocks[0]
    assert block.id is not None
    assert revisions(live_server, block.id) == []
    client.blocks.update(block.id, value="Likes tea.\nUses vim.")
    client.agents.blocks.update("human", agent_id=agent.id, value="Likes coffee.\nUses vim.")

    history = revisions(live_server, block.id)
    assert [(r["version"], r["old_value"], r["new_value"]) for r in history] == [
        (2, "Likes tea.", "Likes tea.\nUses vim."),
        (3, "Likes tea.\nUses vim.", "Likes coffee.\nUses vim."),
    ]
    assert all(r["source"] == "api" and r["created_at"].endswith("+00:00") for r in history)
    assert history[1]["diff"].splitlines() == [
        "--- human@2",
        "+++ human@3",
        "@@ -1,2 +1,2 @@",
        "-Likes tea.",
        "+Likes coffee.",
        " Uses vim.",
        "\\ No newline at end of file",  # as `letta memory diff` and diff(1) mark it
    ]
    assert history[0]["diff"].splitlines()[-3:] == ["+Likes tea.", "+Uses vim.", "\\ No newline at end of file"]

    reverted = revert(live_server, block.id, 1)
    assert reverted.status_code == 200, reverted.text
    assert reverted.json()["value"] == "Likes tea." and reverted.json()["version"] == 4
    assert client.blocks.retrieve(block.id).value == "Likes tea."
    latest = revisions(live_server, block.id)[-1]
    assert (latest["version"], latest["new_value"], latest["source"]) == (4, "Likes tea.", "revert to rev 1")
    # Revert the revert: back to the second edit.
    assert revert(live_server, block.id, 3).json()["value"] == "Likes coffee.\nUses vim."


def test_unknown_block_or_version(live_server: LiveServer, client: Letta) -> None:
    block = client.blocks.create(label="notes", value="v1")
    assert httpx.get(f"{live_server.url}/v1/blocks/block-nope/revisions", headers=AUTH).status_code == 404
    assert revert(live_server, "block-nope", 1).status_code == 404
    missing = revert(live_server, block.id, 9)
    assert missing.status_code == 404 and "has no revision 9" in missing.json()["detail"]
    assert revert(live_server, block.id, 0).status_code == 422
    assert client.blocks.retrieve(block.id).value == "v1"


def test_reverting_to_the_value_the_block_has_is_no_new_revision(live_server: LiveServer, client: Letta) -> None:
    block = client.blocks.create(label="notes", value="v1")
    client.blocks.update(block.id, value="v2")
    same = revert(live_server, block.id, 2)
    assert same.status_code == 200 and (same.json()["value"], same.json()["version"]) == ("v2", 2)
    assert [r["version"] for r in revisions(live_server, block.id)] == [2]

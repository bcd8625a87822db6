"""`/agent` in a real session: over a server it prints the agent's ADE link, embedded how to get one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx

from letta_code.cli.tui.agent_view import ade_link
from letta_code.testing import ModelServer
from tests.cli.test_tui_commands import Harness, session, session_test  # noqa: F401  (fixture)
from tests.server.conftest import start_live_server


def test_agent_over_a_server_prints_the_agents_ade_link(
    letta_home: Path, project: Path, model_env: ModelServer, tmp_path: Path
) -> None:
    live, thread = start_live_server(tmp_path, model_env, api_key=None)
    links: list[str] = []

    async def body(h: Harness) -> None:
        out = (await h.run("/agent")).replace(" ", "")  # an 80-column console folds long URLs
        link = f"{live.url}/#/agents/{h.state.agent.id}"
        assert f"ADE{link}" in out
        assert f"REST{live.url}/v1/agents/{h.state.agent.id}" in out
        links.append(link)

    try:
        session_test(model_env, body, extra_env={"LETTA_BASE_URL": live.url + "/"})
        page = httpx.get(links[0])  # the link opens the ADE the server serves (the fragment stays in the browser)
        assert page.status_code == 200 and "/ade/app.js" in page.text
    finally:
        thread.stop()


def test_agent_on_the_embedded_service_points_at_letta_ade(session: Callable[..., None]) -> None:  # noqa: F811
    async def body(h: Harness) -> None:
        out = await h.run("/agent")
        assert "#/agents/" not in out  # no server, no link
        assert "ADE run `letta ade`" in out

    session(body)


def test_ade_link_joins_the_server_root_and_the_agent() -> None:
    assert ade_link("http://127.0.0.1:8283/", "agent-1") == "http://127.0.0.1:8283/#/agents/agent-1"

"""`letta agents`, `letta conversations`, `letta messages` as a user runs them: real `letta`
subprocesses on the local database, and the same commands against `letta server`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from letta_code.cli.agents_cmd import run_agents_command
from letta_code.cli.memory_cmd import run_memory_command
from letta_code.config import paths
from letta_code.config.settings import Settings
from letta_code.schemas.state import NewBlock
from letta_code.service.service import AgentService
from letta_code.service.store.models import Message, new_id
from letta_code.testing import ModelServer, Reply
from tests.conftest import Letta
from tests.server.test_process import KEY
from tests.server.test_restart import start_server

MODEL = ["-m", "openai/gpt-4.1"]


def first_agent(letta: Letta, model_server: ModelServer, text: str = "the pelican plan is on") -> str:
    model_server.script([Reply(text="noted")])
    proc = letta.run("-p", text, "--output-format", "json", *MODEL)
    assert proc.returncode == 0, proc.stderr
    return str(json.loads(proc.stdout)["agent_id"])


def test_list_show_rename_and_delete_an_agent(letta: Letta, model_server: ModelServer) -> None:
    agent_id = first_agent(letta, model_server)
    listed = letta.run("agents", "list")
    assert listed.returncode == 0 and agent_id in listed.stdout and "openai/gpt-4.1" in listed.stdout
    shown = letta.run("agents", "show", agent_id)
    assert shown.returncode == 0, shown.stderr
    assert f"id:             {agent_id}" in shown.stdout and "block human" in shown.stdout
    renamed = letta.run("agents", "rename", agent_id, "pelican-keeper")
    assert renamed.returncode == 0 and "-> pelican-keeper" in renamed.stdout
    assert agent_id in letta.run("agents", "show", "pelican-keeper").stdout  # by name too
    refused = letta.run("agents", "delete", agent_id)  # stdin is not a terminal: --yes needed
    assert refused.returncode == 1 and "needs --yes" in refused.stderr
    assert letta.run("agents", "delete", "pelican-keeper", "--yes").returncode == 0
    assert agent_id not in letta.run("agents", "list").stdout
    gone = letta.run("agents", "show", agent_id)
    assert gone.returncode == 1 and "no agent" in gone.stderr and "Traceback" not in gone.stderr


def test_conversations_and_message_search_of_this_directorys_agent(letta: Letta, model_server: ModelServer) -> None:
    agent_id = first_agent(letta, model_server)
    model_server.script([Reply(text="ok")])
    assert letta.run("-p", "and the walrus too", "--new", *MODEL).returncode == 0
    convs = letta.run("conversations", "list")
    assert convs.returncode == 0, convs.stderr
    lines = convs.stdout.strip().splitlines()
    assert len(lines) == 2 and sum(line.endswith("default") for line in lines) == 1
    found = letta.run("messages", "search", "pelican")
    assert found.returncode == 0 and "the pelican plan is on" in found.stdout and "user" in found.stdout
    everywhere = letta.run("messages", "search", "walrus", "--all-agents")
    assert agent_id in everywhere.stdout and "and the walrus too" in everywhere.stdout
    assert "No messages found" in letta.run("messages", "search", "zebra").stdout
    bad = letta.run("messages", "search", "x", "--agent", "a", "--all-agents")
    assert bad.returncode == 1 and "not allowed with argument" in bad.stderr


def test_an_agent_file_round_trip_and_the_import_flag(letta: Letta, model_server: ModelServer, tmp_path: Path) -> None:
    agent_id = first_agent(letta, model_server)
    target = tmp_path / "pelican.af"
    exported = letta.run("agents", "export", agent_id, str(target))
    assert exported.returncode == 0, exported.stderr
    assert json.loads(target.read_text())["agents"][0]["messages"]
    assert json.loads(letta.run("agents", "export", agent_id).stdout)["agents"][0]["id"] == "agent-0"  # to stdout
    imported = letta.run("agents", "import", str(target), "--name", "pelican-two")
    assert imported.returncode == 0, imported.stderr
    copy_id = imported.stdout.split()[-1]
    assert copy_id != agent_id and "pelican-two" in letta.run("agents", "show", copy_id).stdout
    # --import: the file's agent is made and this run uses it, history and all.
    model_server.script([Reply(text="I remember the pelican plan.")])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = letta.run("-p", "what plan?", "--import", str(target), "--output-format", "json", *MODEL, cwd=elsewhere)
    assert proc.returncode == 0, proc.stderr
    used = json.loads(proc.stdout)["agent_id"]
    assert used not in (agent_id, copy_id)
    assert "the pelican plan is on" in json.dumps(model_server.last_messages())
    bad = letta.run("agents", "import", str(tmp_path / "missing.af"))
    assert bad.returncode == 1 and "cannot read" in bad.stderr and "Traceback" not in bad.stderr
    refused = letta.run("-p", "x", "--import", str(target), "--agent", agent_id)
    assert refused.returncode == 1 and "--import makes the agent to use" in refused.stderr


@pytest.fixture
def server_url(tmp_path: Path, model_server: ModelServer) -> Iterator[str]:
    proc, url = start_server(tmp_path / "server-home", model_server)
    try:
        yield url
    finally:
        proc.kill()
        proc.wait()


def test_the_same_commands_on_a_server(letta: Letta, model_server: ModelServer, server_url: str) -> None:
    letta.env.update({"LETTA_BASE_URL": server_url, "LETTA_API_KEY": KEY})
    agent_id = first_agent(letta, model_server, "the heron nests by the server")
    assert not (letta.home / "letta.db").exists()  # everything went to the server
    assert agent_id in letta.run("agents", "list").stdout
    assert "heron nests" in letta.run("messages", "search", "heron").stdout
    assert "default" in letta.run("conversations", "list", "--agent", agent_id).stdout
    exported = letta.run("agents", "export", agent_id)
    assert exported.returncode == 0 and "heron nests" in exported.stdout
    (letta.cwd / "heron.af").write_text(exported.stdout)
    copied = letta.run("agents", "import", "heron.af", "--name", "heron-copy")
    assert copied.returncode == 0, copied.stderr
    assert "heron-copy" in letta.run("agents", "list").stdout
    assert letta.run("agents", "rename", agent_id, "server-heron").returncode == 0
    assert letta.run("agents", "delete", "server-heron", "--yes").returncode == 0
    assert agent_id not in letta.run("agents", "list").stdout


def test_the_commands_in_process(
    letta_home: Path, project: Path, model_env: ModelServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The same commands called in this process (so their code is measured), on the local database."""
    service = AgentService(paths.database_path(), {})
    agent = service.create_agent(
        name="inproc", model="openai/gpt-4.1", memory_blocks=[NewBlock("human", "Likes otters.")]
    )
    conv = service.conversations.default_for(agent.id).id
    service.conversations.add_messages(
        [Message(id=new_id("message"), agent_id=agent.id, conversation_id=conv, role="user",
                 content=[{"type": "text", "text": "the otter plan"}])]
    )  # fmt: skip
    Settings.load(project).save_local(lastAgent=agent.id)

    def run(command: str, *argv: str) -> str:
        code = run_memory_command(list(argv)) if command == "memory" else run_agents_command(command, list(argv))
        out, err = capsys.readouterr()
        assert code == 0, err
        return out

    assert "inproc" in run("agents", "list")
    assert f"id:             {agent.id}" in run("agents", "show", "inproc")
    assert "default" in run("conversations", "list")
    assert "the otter plan" in run("messages", "search", "otter")
    assert "the otter plan" in run("messages", "search", "otter", "--all-agents")
    target = tmp_path / "inproc.af"
    assert "Wrote" in run("agents", "export", agent.id, str(target))
    copy_id = run("agents", "import", str(target), "--name", "inproc-copy").split()[-1]
    assert "-> renamed" in run("agents", "rename", copy_id, "renamed")
    assert "Deleted" in run("agents", "delete", copy_id, "--yes")
    assert "human" in run("memory", "list") and run("memory", "show", "human") == "Likes otters.\n"
    assert run_agents_command("agents", ["show", "nobody"]) == 1
    assert "no agent 'nobody'" in capsys.readouterr().err

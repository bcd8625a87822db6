"""`letta memory list/show/log/diff/revert/export/import` through the real `letta` command,
on an agent whose block was edited by the agent in a headless run."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from letta_code.service.service import AgentService
from letta_code.service.store.revisions import RevisionStore
from letta_code.testing import ModelServer, Reply
from tests.conftest import Letta
from tests.server.test_process import KEY
from tests.server.test_restart import start_server

MODEL = ["-m", "openai/gpt-4.1"]
ORIGINAL = "(Nothing known about the user yet.)"


def agent_edits_human_block(letta: Letta, model_server: ModelServer) -> dict[str, str]:
    model_server.script(
        [
            Reply(
                tool_calls=[
                    ("memory_replace", {"label": "human", "old_str": ORIGINAL, "new_str": "Prefers tabs.\nUses vim."})
                ]
            ),
            Reply(text="Noted."),
        ]
    )
    proc = letta.run("-p", "I prefer tabs and use vim", "--output-format", "json", *MODEL)
    assert proc.returncode == 0, proc.stderr
    result: dict[str, str] = json.loads(proc.stdout)
    return result


def test_revisions_record_agent_conversation_and_tool(letta: Letta, model_server: ModelServer) -> None:
    run = agent_edits_human_block(letta, model_server)
    service = AgentService(letta.home / "letta.db", {})
    human = next(b for b in service.get_agent(run["agent_id"]).blocks if b.label == "human")
    (rev,) = RevisionStore(service.agents.sessions).for_block(human.id)
    assert (rev.agent_id, rev.conversation_id, rev.source) == (
        run["agent_id"],
        run["conversation_id"],
        "memory_replace",
    )
    assert (rev.old_value, rev.new_value, rev.version) == (ORIGINAL, "Prefers tabs.\nUses vim.", 2)
    log = letta.run("memory", "log", "human")
    assert log.returncode == 0, log.stderr
    assert "memory_replace" in log.stdout and run["agent_id"] in log.stdout and run["conversation_id"] in log.stdout


def test_list_show_log_diff_revert(letta: Letta, model_server: ModelServer) -> None:
    run = agent_edits_human_block(letta, model_server)
    listing = letta.run("memory", "list")
    assert listing.returncode == 0, listing.stderr
    rows = {line.split()[0]: line.split() for line in listing.stdout.splitlines()[1:]}
    assert set(rows) >= {"persona", "human", "project"}
    assert rows["human"][2] == "2" and rows["persona"][2] == "1"

    assert letta.run("memory", "show", "human").stdout == "Prefers tabs.\nUses vim.\n"
    diff = letta.run("memory", "diff", "human")
    assert diff.returncode == 0
    assert f"-{ORIGINAL}" in diff.stdout and "+Prefers tabs." in diff.stdout and "+Uses vim." in diff.stdout
    assert "human@1" in diff.stdout and "human@2" in diff.stdout
    assert letta.run("memory", "diff", "human", "2").stdout == diff.stdout

    reverted = letta.run("memory", "revert", "human", "1")
    assert reverted.returncode == 0, reverted.stderr
    assert "reverted to rev 1" in reverted.stdout
    assert letta.run("memory", "show", "human").stdout == ORIGINAL + "\n"
    log = letta.run("memory", "log", "human").stdout.splitlines()
    assert len(log) == 2 and log[0].startswith("rev 3") and "revert" in log[0] and log[1].startswith("rev 2")
    # Revert the revert: back to the agent's edit.
    assert letta.run("memory", "revert", "human", "2").returncode == 0
    assert letta.run("memory", "show", "human").stdout == "Prefers tabs.\nUses vim.\n"
    # The agent sees the reverted value in its next request.
    model_server.script([Reply(text="ok")])
    assert letta.run("-p", "hi", *MODEL).returncode == 0
    assert "Prefers tabs." in model_server.last_system_prompt()
    # --agent picks the agent explicitly (from another directory).
    elsewhere = letta.run("memory", "--agent", run["agent_id"], "show", "human", cwd=letta.home)
    assert elsewhere.returncode == 0 and elsewhere.stdout.startswith("Prefers tabs.")


def test_export_and_import(letta: Letta, model_server: ModelServer, tmp_path: Path) -> None:
    run = agent_edits_human_block(letta, model_server)
    out = tmp_path / "exported"
    exported = letta.run("memory", "export", str(out))
    assert exported.returncode == 0, exported.stderr
    # skills.md: the read-only catalog (every session has the bundled skill-creator).
    assert sorted(p.name for p in out.iterdir()) == ["human.md", "persona.md", "project.md", "skills.md"]
    text = (out / "human.md").read_text()
    assert text.startswith("---\nlabel: human\n") and text.endswith("---\nPrefers tabs.\nUses vim.\n")

    (out / "human.md").write_text(text.replace("Uses vim.", "Uses emacs."))
    (out / "notes.md").write_text("---\nlabel: notes\n---\nShip on Fridays.\n")
    imported = letta.run("memory", "import", str(out))
    assert imported.returncode == 0, imported.stderr
    assert set(imported.stdout.splitlines()) == {
        "human: updated",
        "notes: created",
        "persona: unchanged",
        "project: unchanged",
        "skills: unchanged",
    }
    assert letta.run("memory", "show", "human").stdout == "Prefers tabs.\nUses emacs.\n"
    assert letta.run("memory", "show", "notes").stdout == "Ship on Fridays.\n"
    log = letta.run("memory", "log", "human").stdout
    assert log.splitlines()[0].startswith("rev 3") and "import" in log
    # The round trip is lossless: exporting again gives the files just imported.
    again = tmp_path / "again"
    letta.run("memory", "export", str(again))
    assert (again / "human.md").read_text() == (out / "human.md").read_text()
    with sqlite3.connect(letta.home / "letta.db") as db:
        attached = db.execute(
            "SELECT b.label FROM agent_blocks ab JOIN blocks b ON b.id = ab.block_id WHERE ab.agent_id = ?",
            (run["agent_id"],),
        ).fetchall()
    assert ("notes",) in attached


def test_errors_are_one_line(letta: Letta, model_server: ModelServer, tmp_path: Path) -> None:
    fresh = letta.run("memory", "list")
    assert fresh.returncode == 1 and "no agent in this directory" in fresh.stderr
    agent_edits_human_block(letta, model_server)
    for args, expected in [
        (["show", "nope"], "no block labelled 'nope'"),
        (["diff", "persona"], "has no revisions"),
        (["diff", "human", "9"], "has no revision 9"),
        (["revert", "human", "9"], "has no revision 9"),
        (["import", str(tmp_path / "missing")], "is not a directory"),
        (["--agent", "agent-nope", "list"], "agent-nope"),
        (["frobnicate"], "invalid choice"),
    ]:
        proc = letta.run("memory", *args)
        assert proc.returncode == 1, (args, proc.stdout)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and expected in lines[0], (args, proc.stderr)


def test_diff_marks_a_value_without_a_final_newline(letta: Letta, model_server: ModelServer) -> None:
    run = agent_edits_human_block(letta, model_server)  # rev 2: neither value ends in a newline
    diff = letta.run("memory", "diff", "human").stdout
    assert diff.endswith("+Uses vim.\n\\ No newline at end of file\n"), diff
    assert f"-{ORIGINAL}\n\\ No newline at end of file\n" in diff
    service = AgentService(letta.home / "letta.db", {})
    human = next(b for b in service.get_agent(run["agent_id"]).blocks if b.label == "human")
    service.agents.write_block(human.id, "Prefers tabs.\nUses vim.\n", source="test")  # rev 3: only a newline added
    added = letta.run("memory", "diff", "human").stdout
    assert added.splitlines()[-3:] == ["-Uses vim.", "\\ No newline at end of file", "+Uses vim."], added
    assert added.endswith("+Uses vim.\n")


def test_the_same_commands_on_a_server(letta: Letta, model_server: ModelServer, tmp_path: Path) -> None:
    proc, url = start_server(tmp_path / "server-home", model_server)
    try:
        letta.env.update({"LETTA_BASE_URL": url, "LETTA_API_KEY": KEY})
        agent_edits_human_block(letta, model_server)
        assert not (letta.home / "letta.db").exists()  # the agent lives on the server
        assert "human" in letta.run("memory", "list").stdout
        assert letta.run("memory", "show", "human").stdout == "Prefers tabs.\nUses vim.\n"
        log = letta.run("memory", "log", "human")
        assert log.returncode == 0 and log.stdout.startswith("rev 2"), log.stderr
        assert "+Prefers tabs." in letta.run("memory", "diff", "human").stdout
        assert letta.run("memory", "revert", "human", "1").returncode == 0
        assert letta.run("memory", "show", "human").stdout == ORIGINAL + "\n"
        out = tmp_path / "exported"
        assert letta.run("memory", "export", str(out)).returncode == 0
        (out / "human.md").write_text((out / "human.md").read_text().replace(ORIGINAL, "Imported over HTTP."))
        assert "human: updated" in letta.run("memory", "import", str(out)).stdout
        assert letta.run("memory", "show", "human").stdout == "Imported over HTTP.\n"
    finally:
        proc.kill()
        proc.wait()

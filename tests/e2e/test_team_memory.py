"""Team memory through git: two users (two LETTA_HOMEs) with clones of one bare repository run the
real `letta`. What one user's agent learns reaches the other's agent through the committed
`.letta/project.md`, nobody's committed settings change, and edits made on both sides at once
(one by hand and pushed, one by the agent) both survive."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from letta_code.harness.agent_setup import DEFAULT_BLOCKS
from letta_code.testing import ModelServer, Reply
from tests.conftest import Letta, letta_executable

pytestmark = pytest.mark.slow

MODEL = "openai/gpt-4.1"
PLACEHOLDER = DEFAULT_BLOCKS["project"][1]
NOTE_A = "- tests: `make check` (never plain pytest)"
NOTE_B = "- the dev database needs `PRAGMA journal_mode=WAL`"
HEADING = "# Team notes (edit freely)"


def git(cwd: Path, *args: str, who: str = "Test") -> str:
    """Real git, with no user or system config of the machine running the tests."""
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    options = ["-c", "init.defaultBranch=main", "-c", f"user.name={who}", "-c", f"user.email={who.lower()}@example.org"]
    done = subprocess.run(["git", *options, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


@dataclass
class Teammate:
    """One user: their own LETTA_HOME (so their own database) and their own clone."""

    name: str
    letta: Letta

    @property
    def clone(self) -> Path:
        return self.letta.cwd

    @property
    def memory(self) -> Path:
        return self.clone / ".letta" / "project.md"

    def git(self, *args: str) -> str:
        return git(self.clone, *args, who=self.name)

    def run(self, prompt: str) -> subprocess.CompletedProcess[str]:
        done = self.letta.run("-p", prompt, "-m", MODEL)
        assert done.returncode == 0, done.stderr
        return done

    def start(self, prompt: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [*letta_executable(), "-p", prompt, "-m", MODEL],
            cwd=self.clone,
            env=self.letta.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def local_settings(self) -> dict[str, object]:
        data: dict[str, object] = json.loads((self.clone / ".letta" / "settings.local.json").read_text())
        return data


def team(tmp_path: Path, letta: Letta) -> tuple[Teammate, Teammate]:
    """Alice and Bob, each with a clone of one bare repository that holds a first commit."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    users = []
    for name in ("Alice", "Bob"):
        home = tmp_path / f"home-{name.lower()}"
        home.mkdir()
        clone = tmp_path / name.lower()
        if name == "Alice":
            git(tmp_path, "init", "-q", str(clone))
            (clone / "README.md").write_text("# app\n")
            git(clone, "add", "README.md")
            git(clone, "commit", "-qm", "start", who=name)
            git(clone, "remote", "add", "origin", str(remote))
            git(clone, "push", "-q", "-u", "origin", "main")
        else:
            git(tmp_path, "clone", "-q", str(remote), str(clone))
        users.append(Teammate(name, Letta(home, clone, {**letta.env, "LETTA_HOME": str(home)})))
    return users[0], users[1]


def insert(text: str, *, delay: float = 0.0) -> Reply:
    return Reply(tool_calls=[("memory_insert", {"label": "project", "new_str": text})], delay=delay)


def share_a_note(alice: Teammate, bob: Teammate, model_server: ModelServer) -> None:
    """Alice's agent files a note in its project block; Alice commits and pushes; Bob pulls and runs letta."""
    model_server.script([insert(NOTE_A), "Saved."])
    alice.run("remember: the tests run with make check")
    assert alice.memory.read_text() == f"{PLACEHOLDER}\n{NOTE_A}\n"
    alice.git("add", ".letta")
    assert alice.git("diff", "--cached", "--name-only").split() == [
        ".letta/.gitignore",
        ".letta/project.md",
        ".letta/settings.json",
    ], "settings.local.json (the last synced text, the last agent) is never committed"
    alice.git("commit", "-qm", "project memory")
    alice.git("push", "-q")
    bob.git("pull", "-q")
    model_server.script(["Use make check."])
    bob.run("how do I run the tests?")
    assert NOTE_A in model_server.last_system_prompt(), "Bob's first request already knows what Alice's agent learnt"


def test_a_teammate_gets_the_project_memory_and_the_committed_settings_stay_unchanged(
    tmp_path: Path, letta: Letta, model_server: ModelServer
) -> None:
    alice, bob = team(tmp_path, letta)
    share_a_note(alice, bob, model_server)
    assert bob.git("status", "--porcelain", "--untracked-files=all") == "", "nothing of Bob's to commit"
    alice_block = json.loads((alice.clone / ".letta" / "settings.json").read_text())["localSharedBlockIds"]["project"]
    bob_ids = bob.local_settings()["localSharedBlockIds"]
    assert isinstance(bob_ids, dict) and bob_ids["project"] != alice_block, "Bob's own block, in Bob's own file"
    # A second run of Bob's finds that block again (no new one), still nothing to commit.
    model_server.script(["Still make check."])
    bob.run("and again?")
    assert NOTE_A in model_server.last_system_prompt()
    assert bob.local_settings()["localSharedBlockIds"] == bob_ids
    assert bob.git("status", "--porcelain", "--untracked-files=all") == ""


def test_a_hand_edit_pulled_during_a_session_and_the_agents_edit_both_survive(
    tmp_path: Path, letta: Letta, model_server: ModelServer
) -> None:
    alice, bob = team(tmp_path, letta)
    share_a_note(alice, bob, model_server)
    # Alice edits the file by hand and pushes.
    alice.memory.write_text(alice.memory.read_text().replace(PLACEHOLDER, HEADING))
    alice.git("commit", "-qam", "a heading for the notes")
    alice.git("push", "-q")
    # Bob's agent files a note of its own; while it works, Bob pulls Alice's edit.
    model_server.script([insert(NOTE_B, delay=3.0), "Saved."])
    before = len(model_server.model_requests)
    proc = bob.start("remember: the dev db needs WAL")
    try:
        model_server.wait_for_requests(before + 1, timeout=30)
        bob.git("pull", "-q")
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert ".letta/project.md and the project block both changed; merged them into both" in err
    both = f"{HEADING}\n{NOTE_A}\n{NOTE_B}\n"
    assert bob.memory.read_text() == both
    assert bob.git("status", "--porcelain") == " M .letta/project.md\n", "the merge is Bob's to commit"
    model_server.script(["Noted."])
    bob.run("what do you know?")
    assert f"{HEADING}\n{NOTE_A}\n{NOTE_B}" in model_server.last_system_prompt()
    # Bob commits and pushes; Alice pulls, and her agent knows Bob's note too.
    bob.git("commit", "-qam", "merged project memory")
    bob.git("push", "-q")
    alice.git("pull", "-q")
    model_server.script(["Both."])
    alice.run("what do you know?")
    assert f"{HEADING}\n{NOTE_A}\n{NOTE_B}" in model_server.last_system_prompt()
    assert alice.git("status", "--porcelain") == ""

"""Every command example of the two seed documents, run as written.

The only change to each command line: the scripted model server stands in for
the provider (a default model of `openai/gpt-4.1` in ~/.letta/settings.json and
OPENAI_BASE_URL pointing at it), so the examples need no `-m`.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from letta_code.testing import ModelServer, Reply
from letta_code.tools.registry import ALL_TOOL_NAMES
from tests.conftest import Letta
from tests.server.conftest import start_live_server


@pytest.fixture
def seed(letta: Letta) -> Letta:
    (letta.home / "settings.json").write_text(json.dumps({"model": "openai/gpt-4.1"}))
    return letta


def shell(seed: Letta, command: str) -> subprocess.CompletedProcess[str]:
    """Run a seed line through a real shell (pipes and all), `letta` on the PATH."""
    from tests.conftest import letta_executable

    bindir = str(Path(letta_executable()[0]).parent)
    env = {**seed.env, "PATH": f"{bindir}:{seed.env.get('PATH', '')}"}
    return subprocess.run(["bash", "-c", command], cwd=seed.cwd, env=env, capture_output=True, text=True, timeout=60)


def result_of(proc: subprocess.CompletedProcess[str]) -> dict[str, object]:
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def coding_tools(server: ModelServer) -> list[str]:
    return [t for t in server.last_tools() if t in ALL_TOOL_NAMES]


# --- "Letta Code automatically remembers the last agent used in each directory" ---


def test_letta_auto_resumes_the_project_agent(seed: Letta, model_server: ModelServer, tmp_path: Path) -> None:
    model_server.script([Reply(text="linted")] * 2)
    first = result_of(seed.run("-p", "Run bun lint and correct errors", "--output-format", "json"))
    again = result_of(seed.run("-p", "Pick up where you left off", "--output-format", "json"))
    assert again["agent_id"] == first["agent_id"]
    assert again["conversation_id"] == first["conversation_id"]
    local = json.loads((seed.cwd / ".letta" / "settings.local.json").read_text())
    assert local["lastAgent"] == first["agent_id"]
    # Another directory gets its own agent.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    model_server.script([Reply(text="hi")])
    other = result_of(seed.run("-p", "hi", "--output-format", "json", cwd=elsewhere))
    assert other["agent_id"] != first["agent_id"]


def test_new_and_new_agent(seed: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(text="ok")] * 3)
    first = result_of(seed.run("-p", "hello", "--output-format", "json"))
    fresh = result_of(seed.run("-p", "Start fresh", "--new", "--output-format", "json"))
    assert fresh["agent_id"] == first["agent_id"] and fresh["conversation_id"] != first["conversation_id"]
    brand_new = result_of(seed.run("-p", "Start fresh", "--new-agent", "--output-format", "json"))
    assert brand_new["agent_id"] != first["agent_id"]


def test_agent_flag_uses_that_agent(seed: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(text="ok")] * 3)
    first = result_of(seed.run("-p", "hello", "--output-format", "json"))
    result_of(seed.run("-p", "other", "--new-agent", "--output-format", "json"))
    chosen = result_of(seed.run("--agent", str(first["agent_id"]), "-p", "back", "--output-format", "json"))
    assert chosen["agent_id"] == first["agent_id"]


# --- memory hierarchy: global persona/human, project block ---


def test_memory_block_ids_live_where_the_seed_says(seed: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(text="ok")])
    result_of(seed.run("-p", "hello", "--output-format", "json"))
    global_settings = json.loads((seed.home / "settings.json").read_text())
    project_settings = json.loads((seed.cwd / ".letta" / "settings.json").read_text())
    assert set(global_settings["globalSharedBlockIds"]) == {"persona", "human"}
    assert set(project_settings["localSharedBlockIds"]) == {"project"}
    system = model_server.last_system_prompt()
    for label in ("persona", "human", "project"):
        assert f"<{label}>" in system


# --- headless examples ---


def test_model_flag_with_alias(seed: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(text="explained")])
    proc = seed.run("-p", "Explain this code", "-m", "gpt-4o")
    assert proc.returncode == 0, proc.stderr
    assert model_server.last_request()["model"] == "gpt-4o"


@pytest.mark.parametrize("command", ['echo "Explain this code" | letta -p', "cat file.txt | letta -p"])
def test_prompt_piped_on_stdin(seed: Letta, model_server: ModelServer, command: str) -> None:
    (seed.cwd / "file.txt").write_text("Explain this code")
    model_server.script([Reply(text="It explains itself.")])
    proc = shell(seed, command)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "It explains itself."
    assert "Explain this code" in model_server.last_user_text()


def test_piped_diff_with_yolo_runs_tools(seed: Letta, model_server: ModelServer) -> None:
    model_server.script(
        [Reply(tool_calls=[("Bash", {"command": "echo reviewed > review.txt"})]), Reply(text="Reviewed.")]
    )
    proc = shell(seed, "printf 'diff --git a/x b/x\\n+new line\\n' | letta -p --yolo")
    assert proc.returncode == 0, proc.stderr
    assert (seed.cwd / "review.txt").read_text() == "reviewed\n"
    assert "+new line" in model_server.last_user_text() or any(
        "+new line" in json.dumps(m) for m in model_server.last_messages()
    )


def test_output_formats(seed: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(text="Hi! How can I help you today?")] * 3)
    assert seed.run("-p", "hi there").stdout == "Hi! How can I help you today?\n"
    result = result_of(seed.run("-p", "hi there", "--output-format", "json"))
    for key in (
        "type",
        "subtype",
        "is_error",
        "duration_ms",
        "duration_api_ms",
        "num_turns",
        "result",
        "agent_id",
        "usage",
    ):
        assert key in result
    usage = result["usage"]
    assert isinstance(usage, dict)
    assert set(usage) == {"prompt_tokens", "completion_tokens", "total_tokens"}
    lines = seed.run("-p", "hi there", "--output-format", "stream-json").stdout.splitlines()
    events = [json.loads(line) for line in lines]
    assert events[0]["type"] == "init" and {"agent_id", "model", "tools"} <= set(events[0])
    assert [e["type"] for e in events[1:-1]] == ["message"] * (len(events) - 2)
    assert [e["messageType"] for e in events[-3:-1]] == ["stop_reason", "usage_statistics"]
    assert events[-1]["type"] == "result" and events[-1]["result"] == "Hi! How can I help you today?"


# --- tools and permissions examples ---


def test_tools_flag_loads_only_those(seed: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(text="ok")] * 2)
    assert seed.run("-p", "Run all tests", "--tools", "Bash,Read").returncode == 0
    assert sorted(coding_tools(model_server)) == ["Bash", "Read"]
    assert seed.run("-p", "Just analyze the code", "--tools", "").returncode == 0
    assert coding_tools(model_server) == []


def _try_bash(seed: Letta, model_server: ModelServer, command: str, *flags: str) -> bool:
    """Script one Bash call; True if it ran (its marker file exists)."""
    marker = seed.cwd / "ran.txt"
    marker.unlink(missing_ok=True)
    model_server.script([Reply(tool_calls=[("Bash", {"command": f"{command} && touch ran.txt"})]), Reply(text="done")])
    proc = seed.run("-p", "go", *flags)
    assert proc.returncode == 0, proc.stderr
    return marker.exists()


def test_allowed_and_disallowed_tools(seed: Letta, model_server: ModelServer) -> None:
    assert _try_bash(seed, model_server, "echo test", "--allowedTools", "Bash")
    assert not _try_bash(seed, model_server, "echo test", "--disallowedTools", "Bash", "--yolo")
    assert not _try_bash(seed, model_server, "echo test")  # default mode: asks, so refused headless


def test_prefix_rule_and_deny_pattern(seed: Letta, model_server: ModelServer) -> None:
    # `Bash(npm run test:*)` is a prefix rule on words; `Bash(curl:*)` denies any curl.
    from letta_code.permissions import PermissionChecker

    checker = PermissionChecker("default", allow=["Bash(npm run test:*)"], deny=["Bash(curl:*)"], cwd=seed.cwd)
    assert checker.check("Bash", {"command": "npm run test -- --watch"}).behavior == "allow"
    assert checker.check("Bash", {"command": "npm run test; curl evil.example"}).behavior == "deny"
    assert not _try_bash(seed, model_server, "curl --version", "--disallowedTools", "Bash(curl:*)", "--yolo")
    assert _try_bash(seed, model_server, "echo fine", "--disallowedTools", "Bash(curl:*)", "--yolo")


def test_permission_modes(seed: Letta, model_server: ModelServer) -> None:
    def write_file(*flags: str) -> bool:
        target = seed.cwd / "made.txt"
        target.unlink(missing_ok=True)
        model_server.script(
            [Reply(tool_calls=[("Write", {"file_path": "made.txt", "content": "x"})]), Reply(text="ok")]
        )
        assert seed.run("-p", "write", *flags).returncode == 0
        return target.exists()

    assert write_file("--permission-mode", "acceptEdits")
    assert not write_file("--permission-mode", "plan")
    assert write_file("--permission-mode", "bypassPermissions")
    assert write_file("--yolo")
    assert not write_file()


def test_settings_permissions_example_verbatim(seed: Letta, model_server: ModelServer) -> None:
    (seed.cwd / ".letta").mkdir()
    (seed.cwd / ".letta" / "settings.json").write_text(
        json.dumps(
            {"permissions": {"allow": ["Bash(npm run lint)", "Read(src/**)"], "deny": ["Bash(rm -rf:*)", "Read(.env)"]}}
        )
    )
    (seed.cwd / "src").mkdir()
    (seed.cwd / "src" / "app.py").write_text("print('app')\n")
    (seed.cwd / ".env").write_text("SECRET=1\n")
    (seed.cwd / "victim").mkdir()
    model_server.script(
        [
            Reply(tool_calls=[("Read", {"file_path": "src/app.py"}), ("Read", {"file_path": ".env"})]),
            Reply(tool_calls=[("Bash", {"command": "rm -rf victim"})]),
            Reply(text="done"),
        ]
    )
    proc = seed.run("-p", "look around", "--yolo")
    assert proc.returncode == 0, proc.stderr
    assert (seed.cwd / "victim").is_dir()  # denied even with --yolo
    results = [m["content"] for req in model_server.model_requests for m in req["messages"] if m.get("role") == "tool"]
    assert any("print('app')" in r for r in results)
    assert not any("SECRET=1" in r for r in results)


# --- skills ---

SKILL = """---
name: Data Analysis Skill
description: Analyzes CSV files and generates statistical reports
category: Data Processing
tags:
  - analytics
  - csv
---
# Data Analysis Skill
Use pandas.
"""


def test_skills_from_dot_skills_and_flag(seed: Letta, model_server: ModelServer, tmp_path: Path) -> None:
    (seed.cwd / ".skills" / "data-analysis").mkdir(parents=True)
    (seed.cwd / ".skills" / "data-analysis" / "SKILL.MD").write_text(SKILL)
    custom = tmp_path / "my-skills" / "web" / "scraper"
    custom.mkdir(parents=True)
    (custom / "skill.md").write_text("---\nname: Scraper\ndescription: Scrapes pages\n---\nbody\n")
    model_server.script([Reply(text="ok")])
    proc = seed.run("-p", "Use the custom skills", "--skills", str(tmp_path / "my-skills"))
    assert proc.returncode == 0, proc.stderr
    system = model_server.last_system_prompt()
    assert "data-analysis" in system and "Data Processing" in system
    assert "web/scraper" in system and "Scrapes pages" in system


# --- tools linking and self-hosting ---


def test_link_and_unlink(seed: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(text="ok")] * 3)
    agent_id = str(result_of(seed.run("-p", "hi", "--output-format", "json"))["agent_id"])
    assert seed.run("--agent", agent_id, "--unlink", "-p", "hi").returncode == 0
    assert coding_tools(model_server) == []
    assert seed.run("--agent", agent_id, "--link", "-p", "hi").returncode == 0
    assert {"Read", "Write", "Edit", "Bash"} <= set(coding_tools(model_server))


def test_self_hosted_server_via_letta_base_url(seed: Letta, model_server: ModelServer, tmp_path: Path) -> None:
    live, thread = start_live_server(tmp_path, model_server, api_key=None)
    try:
        seed.env["LETTA_BASE_URL"] = live.url
        model_server.script(
            [Reply(tool_calls=[("Bash", {"command": "echo remote > r.txt"})]), Reply(text="via server")]
        )
        result = result_of(seed.run("-p", "hi", "--yolo", "--output-format", "json"))
        assert result["result"] == "via server"
        assert (seed.cwd / "r.txt").read_text() == "remote\n"  # the tool ran here, on the client
        assert live.service.agents.find_agent(str(result["agent_id"])) is not None  # the agent lives on the server
    finally:
        thread.stop()


def test_read_deny_also_hides_files_from_grep_and_glob(seed: Letta, model_server: ModelServer) -> None:
    (seed.cwd / ".letta").mkdir()
    (seed.cwd / ".letta" / "settings.json").write_text(json.dumps({"permissions": {"deny": ["Read(.env)"]}}))
    (seed.cwd / ".env").write_text("SECRET=hunter2\n")
    (seed.cwd / "config.py").write_text("SECRET = None\n")
    model_server.script(
        [
            Reply(
                tool_calls=[
                    ("Grep", {"pattern": "SECRET", "output_mode": "content"}),
                    ("Glob", {"pattern": "**/.env*"}),
                    ("Grep", {"pattern": "SECRET", "output_mode": "count"}),
                ]
            ),
            Reply(text="done"),
        ]
    )
    proc = seed.run("-p", "find secrets", "--yolo")
    assert proc.returncode == 0, proc.stderr
    grep_lines, glob_files, counts = [m["content"] for m in model_server.last_messages() if m.get("role") == "tool"]
    assert "hunter2" not in grep_lines and "config.py:1:SECRET = None" in grep_lines
    assert "left out: denied by permission rules" in grep_lines
    assert ".env" not in glob_files.splitlines()[0] and "left out" in glob_files
    assert ".env" not in counts.split("(")[0] and "config.py:1" in counts

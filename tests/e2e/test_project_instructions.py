"""AGENTS.md / CLAUDE.md through the real `letta`: the project's and the user's files reach the
first model request, a subfolder's file reaches the request after the agent reads a file
there, and `letta memory list` names the loaded files."""

from __future__ import annotations

from pathlib import Path

from letta_code.testing import ModelServer, Reply
from letta_code.testing.script import text_of
from tests.conftest import Letta

MODEL = ["-m", "openai/gpt-4.1"]


def system_prompts(model_server: ModelServer) -> list[str]:
    """The system prompt of each model request, in order."""
    return [
        "\n\n".join(text_of(m.get("content")) for m in req.get("messages", []) if m.get("role") == "system")
        for req in model_server.model_requests
    ]


def run(letta: Letta, *args: str, cwd: Path | None = None) -> str:
    done = letta.run(*args, cwd=cwd)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_project_and_user_files_reach_the_first_request(letta: Letta, model_server: ModelServer) -> None:
    (letta.cwd / "AGENTS.md").write_text("SENTINEL-AGENTS: run make check.\n")
    (letta.cwd / "CLAUDE.md").write_text("SENTINEL-CLAUDE-SHADOWED\n")
    (letta.home / "AGENTS.md").write_text("SENTINEL-USER: answer in English.\n")
    model_server.script([Reply(text="ok")])
    assert run(letta, "-p", "hi", *MODEL) == "ok\n"
    first = system_prompts(model_server)[0]
    assert "SENTINEL-AGENTS: run make check." in first and "SENTINEL-USER: answer in English." in first
    assert "SENTINEL-CLAUDE-SHADOWED" not in first  # AGENTS.md wins in its folder
    assert first.index("SENTINEL-USER") < first.index("SENTINEL-AGENTS")  # the project's file comes last
    listing = run(letta, "memory", "list")
    root = letta.cwd.resolve()
    assert f"instructions: {letta.home / 'AGENTS.md'}, {root / 'AGENTS.md'}\n" in listing


def test_a_claude_md_alone_is_loaded(letta: Letta, model_server: ModelServer) -> None:
    (letta.cwd / "CLAUDE.md").write_text("SENTINEL-CLAUDE-ALONE\n")
    model_server.script([Reply(text="ok")])
    run(letta, "-p", "hi", *MODEL)
    assert "SENTINEL-CLAUDE-ALONE" in system_prompts(model_server)[0]
    assert f"instructions: {letta.cwd.resolve() / 'CLAUDE.md'}\n" in run(letta, "memory", "list")


def test_no_file_means_no_instructions_block(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(text="ok")])
    run(letta, "-p", "hi", *MODEL)
    assert "<instructions>" not in system_prompts(model_server)[0]
    assert "instructions" not in run(letta, "memory", "list")


def test_a_subfolder_file_arrives_after_the_agent_reads_a_file_there(letta: Letta, model_server: ModelServer) -> None:
    (letta.cwd / "AGENTS.md").write_text("SENTINEL-ROOT\n")
    pkg = letta.cwd / "pkg"
    pkg.mkdir()
    (pkg / "AGENTS.md").write_text("SENTINEL-PKG: never touch generated.py\n")
    (pkg / "mod.py").write_text("x = 1\n")
    model_server.script([Reply(tool_calls=[("Read", {"file_path": "pkg/mod.py"})]), Reply(text="read it")])
    assert run(letta, "-p", "read pkg/mod.py", "--yolo", *MODEL) == "read it\n"
    before, after = system_prompts(model_server)
    assert "SENTINEL-ROOT" in before and "SENTINEL-PKG" not in before
    assert "SENTINEL-ROOT" in after and "SENTINEL-PKG: never touch generated.py" in after
    root = letta.cwd.resolve()
    listing = run(letta, "memory", "list")
    assert f"instructions: {root / 'AGENTS.md'}, {root / 'pkg' / 'AGENTS.md'}\n" in listing

    # The next session starts from the files again: the subfolder's waits for the next touch.
    model_server.clear()
    model_server.script([Reply(text="ok")])
    run(letta, "-p", "hi again", *MODEL)
    assert "SENTINEL-PKG" not in system_prompts(model_server)[0]


def test_a_file_above_the_project_root_is_never_loaded(letta: Letta, model_server: ModelServer) -> None:
    repo = letta.cwd / "repo"
    (repo / ".git").mkdir(parents=True)
    (letta.cwd / "AGENTS.md").write_text("SENTINEL-ABOVE\n")
    (repo / "AGENTS.md").write_text("SENTINEL-REPO\n")
    model_server.script([Reply(tool_calls=[("Read", {"file_path": str(letta.cwd / "AGENTS.md")})]), Reply(text="ok")])
    run(letta, "-p", "hi", "--yolo", *MODEL, cwd=repo)
    before, after = system_prompts(model_server)
    assert "SENTINEL-REPO" in before and "SENTINEL-ABOVE" not in before + after

"""Skills through the real `letta -p`: the three sources, a broken SKILL.md, the Skill tool."""

from __future__ import annotations

from pathlib import Path

from letta_code.testing import ModelServer, Reply
from tests.conftest import Letta
from tests.skills.test_discovery import write_skill

MODEL = ["-m", "openai/gpt-4.1"]
ANALYSIS_BODY = "# Data Analysis Skill\nThis skill analyzes data files and generates comprehensive reports."


def make_skills(letta: Letta, tmp_path: Path) -> Path:
    write_skill(
        letta.cwd / ".skills",
        "data-analysis",
        "Data Analysis Skill",
        extra="category: Data Processing\ntags:\n- analytics\n- csv\n",
        body=ANALYSIS_BODY,
    )
    write_skill(letta.cwd / ".skills", "web/scraper", "Web Scraper", filename="SKILL.MD")
    write_skill(letta.cwd / ".agents" / "skills", "lint/ruff", "Ruff", extra="category: Quality\n")
    write_skill(letta.home / "skills", "git/commit", "Commit Messages", extra="category: Quality\n")
    write_skill(letta.home / "skills", "web/scraper", "Global Scraper")  # the project's wins
    custom = tmp_path / "my-skills"
    write_skill(custom, "deploy", "Deploy", extra="category: Ops\n")
    broken = letta.cwd / ".skills" / "broken" / "SKILL.md"
    broken.parent.mkdir(parents=True)
    broken.write_text("---\nname: Broken\n---\nno description\n", encoding="utf-8")
    return custom


def test_skills_from_all_sources_reach_the_skills_block(
    letta: Letta, model_server: ModelServer, tmp_path: Path
) -> None:
    custom = make_skills(letta, tmp_path)
    model_server.script([Reply(text="ok")])
    proc = letta.run("-p", "hi", "--skills", str(custom), *MODEL)
    assert proc.returncode == 0, proc.stderr
    warnings = proc.stderr.strip().splitlines()
    assert len(warnings) == 1, proc.stderr
    assert "broken/SKILL.md" in warnings[0] and "missing required field 'description'" in warnings[0]
    system = model_server.last_system_prompt()
    assert "<skills>" in system
    for line in (
        "## Data Processing\n- data-analysis: Data Analysis Skill - Does Data Analysis Skill [tags: analytics, csv]",
        "## Ops\n- deploy: Deploy - Does Deploy",
        "## Quality\n- git/commit: Commit Messages - Does Commit Messages\n- lint/ruff: Ruff - Does Ruff",
        "## Other\n- web/scraper: Web Scraper - Does Web Scraper",
    ):
        assert line in system
    assert "Global Scraper" not in system and "Broken" not in system
    assert "Skill" in model_server.last_tools()
    # Without --skills the flag's skill is gone from the block on the next start.
    model_server.script([Reply(text="ok")])
    proc = letta.run("-p", "hi", *MODEL)
    assert proc.returncode == 0
    assert "deploy" not in model_server.last_system_prompt()


def test_skill_tool_loads_and_unloads(letta: Letta, model_server: ModelServer, tmp_path: Path) -> None:
    make_skills(letta, tmp_path)
    model_server.script(
        [Reply(tool_calls=[("Skill", {"command": "load", "skill": "data-analysis"})]), Reply(text="Loaded it.")]
    )
    proc = letta.run("-p", "analyze data.csv", *MODEL)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "Loaded it."
    system = model_server.last_system_prompt()
    assert "<loaded_skills>" in system and ANALYSIS_BODY in system
    tool_result = [m for m in model_server.last_messages() if m.get("role") == "tool"][-1]["content"]
    assert "Loaded skill 'data-analysis'" in tool_result

    model_server.script(
        [Reply(tool_calls=[("Skill", {"command": "unload", "skill": "data-analysis"})]), Reply(text="Done.")]
    )
    proc = letta.run("-p", "thanks, all done", *MODEL)
    assert proc.returncode == 0, proc.stderr
    system = model_server.last_system_prompt()
    assert ANALYSIS_BODY not in system and "(No skills loaded.)" in system


def test_tools_flag_and_bad_skills_dir(letta: Letta, model_server: ModelServer, tmp_path: Path) -> None:
    make_skills(letta, tmp_path)
    model_server.script([Reply(text="ok")])
    assert letta.run("-p", "hi", "--tools", "", *MODEL).returncode == 0
    assert "Skill" not in model_server.last_tools()
    assert "data-analysis" in model_server.last_system_prompt()  # the catalog is memory, not a tool
    model_server.script([Reply(text="ok")])
    assert letta.run("-p", "hi", "--tools", "Read,Skill", *MODEL).returncode == 0
    assert sorted(t for t in model_server.last_tools() if t[0].isupper()) == ["Read", "Skill"]
    proc = letta.run("-p", "hi", "--skills", str(tmp_path / "nope"), *MODEL)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].endswith("is not a directory")
    assert "Traceback" not in proc.stderr

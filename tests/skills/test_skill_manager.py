"""SkillManager over both backends: the skills block, and Skill load/unload on loaded_skills."""

from __future__ import annotations

import asyncio
from pathlib import Path

from letta_code.client.backend import Backend
from letta_code.harness.skills import SkillManager, start_skills
from letta_code.skills.discovery import SkillCatalog, discover_skills, skill_roots
from tests.conftest import BackendFactory
from tests.skills.test_discovery import write_skill


async def labels(backend: Backend, agent_id: str) -> dict[str, str]:
    agent = await backend.find_agent(agent_id)
    assert agent is not None
    return {b.label: b.value for b in agent.blocks}


def test_sync_and_load_unload(make_backend: BackendFactory, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    write_skill(project / ".skills", "web/scraper", "Web Scraper", extra="category: Web\n", body="Fetch with httpx.")
    write_skill(project / ".skills", "pdf", "PDF Reader", body="Use pdftotext.")

    async def scenario() -> None:
        backend = make_backend()
        try:
            await sync_load_unload(backend, project, tmp_path / "home")
        finally:
            await backend.close()

    asyncio.run(scenario())


async def sync_load_unload(backend: Backend, project: Path, home: Path) -> None:
    block = await backend.create_block("project", "Use ruff.")
    agent = await backend.create_agent(name="s", model="openai/gpt-4.1", block_ids=[block.id], tools=[])
    warnings: list[str] = []
    manager = await start_skills(backend, agent.id, cwd=project, home=home, extra_dir=None, warn=warnings.append)
    assert warnings == [] and manager.offered
    blocks = await labels(backend, agent.id)
    assert "## Web\n- web/scraper: Web Scraper - Does Web Scraper" in blocks["skills"]
    assert "## Other\n- pdf: PDF Reader - Does PDF Reader" in blocks["skills"]
    assert "loaded_skills" not in blocks and blocks["project"] == "Use ruff."
    found = await backend.find_agent(agent.id)
    assert found is not None and next(b for b in found.blocks if b.label == "skills").read_only

    loaded = await manager.run_tool({"command": "load", "skill": "web/scraper"})
    assert loaded.status == "success" and "Loaded skill 'web/scraper'" in loaded.output
    value = (await labels(backend, agent.id))["loaded_skills"]
    assert value.startswith('<skill id="web/scraper" name="Web Scraper"') and "Fetch with httpx." in value
    await manager.run_tool({"command": "load", "skill": "pdf"})
    again = await manager.run_tool({"command": "load", "skill": "pdf"})
    assert "Reloaded" in again.output
    value = (await labels(backend, agent.id))["loaded_skills"]
    assert value.count("<skill id=") == 2 and value.index("web/scraper") < value.index('"pdf"')

    missing = await manager.run_tool({"command": "load", "skill": "nope"})
    assert missing.status == "error" and "available: pdf, skill-creator, web/scraper" in missing.output
    bad = await manager.run_tool({"command": "explode", "skill": "pdf"})
    assert bad.status == "error"

    unloaded = await manager.run_tool({"command": "unload", "skill": "web/scraper"})
    assert unloaded.status == "success"
    value = (await labels(backend, agent.id))["loaded_skills"]
    assert "Fetch with httpx." not in value and "Use pdftotext." in value
    not_loaded = await manager.run_tool({"command": "unload", "skill": "web/scraper"})
    assert not_loaded.status == "error" and "loaded: pdf" in not_loaded.output

    # A new session refreshes the catalog and the bodies of loaded skills from the files.
    write_skill(project / ".skills", "pdf", "PDF Reader", body="Use pdfplumber now.")
    (project / ".skills" / "web" / "scraper" / "SKILL.md").unlink()
    fresh = SkillManager(backend, agent.id, discover_skills(skill_roots(project, home)))
    await fresh.sync()
    blocks = await labels(backend, agent.id)
    assert "web/scraper" not in blocks["skills"] and "Use pdfplumber now." in blocks["loaded_skills"]
    await fresh.run_tool({"command": "unload", "skill": "pdf"})
    assert (await labels(backend, agent.id))["loaded_skills"] == "(No skills loaded.)"


def test_no_skills_no_block(make_backend: BackendFactory, tmp_path: Path) -> None:
    async def scenario() -> None:
        backend = make_backend()
        try:
            agent = await backend.create_agent(name="n", model="openai/gpt-4.1", block_ids=[], tools=[])
            manager = SkillManager(backend, agent.id, SkillCatalog())
            await manager.sync()
            assert not manager.offered
            found = await backend.find_agent(agent.id)
            assert found is not None and [b.label for b in found.blocks] == []
            # With nothing configured there is still the bundled skill-creator: block and tool.
            manager = await start_skills(
                backend, agent.id, cwd=tmp_path, home=tmp_path / "home", extra_dir=None, warn=print
            )
            assert manager.offered and list(manager.catalog.skills) == ["skill-creator"]
            assert "- skill-creator: Skill Creator - " in (await labels(backend, agent.id))["skills"]
        finally:
            await backend.close()

    asyncio.run(scenario())

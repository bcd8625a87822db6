"""Skills in a session: the `skills` and `loaded_skills` memory blocks, and the Skill tool.

On session start `SkillManager.sync()` writes the discovered skills into the
agent's `skills` block (created read-only and attached when missing) and
refreshes the bodies of loaded skills from their files. The `Skill` tool
(`{command: "load" | "unload", skill: id}`) runs in the harness, not in `tools/`:
it edits the `loaded_skills` block through the backend, so the agent sees the
skill's full instructions in its memory from its next step on.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from letta_code.client.backend import Backend
from letta_code.schemas.chunks import ClientToolSchema, ToolArguments
from letta_code.schemas.defaults import DEFAULT_BLOCK_LIMIT
from letta_code.schemas.state import BlockState
from letta_code.skills.discovery import SkillCatalog, discover_skills, skill_roots
from letta_code.skills.render import (
    LOADED_DESCRIPTION,
    LOADED_LABEL,
    SKILLS_DESCRIPTION,
    SKILLS_LABEL,
    LoadedSkill,
    parse_loaded,
    render_catalog,
    render_loaded,
    render_loaded_section,
)
from letta_code.tools.base import ToolResult

SKILL_TOOL = "Skill"
LOADED_LIMIT = 60000

SKILL_TOOL_SCHEMA: ClientToolSchema = {
    "name": SKILL_TOOL,
    "description": (
        "Load a skill's full instructions into your loaded_skills memory block, or unload them. "
        "The available skills are listed in your skills memory block. Load a skill before a task it "
        "covers; unload it when you are done to keep your context small."
    ),
    "parameters": {
        "type": "object",
        "properties": {
            "command": {"type": "string", "enum": ["load", "unload"], "description": "load or unload"},
            "skill": {"type": "string", "description": "The skill id, e.g. web/scraper"},
        },
        "required": ["command", "skill"],
    },
}


class SkillManager:
    """The skills of one session for one agent."""

    def __init__(self, backend: Backend, agent_id: str, catalog: SkillCatalog) -> None:
        self.backend = backend
        self.agent_id = agent_id
        self.catalog = catalog

    async def _blocks(self) -> dict[str, BlockState]:
        agent = await self.backend.find_agent(self.agent_id)
        return {b.label: b for b in agent.blocks} if agent else {}

    async def _write(self, block: BlockState | None, label: str, value: str, description: str, limit: int) -> None:
        if block is None:
            new = await self.backend.create_block(
                label, value, description=description, limit=max(limit, len(value)), read_only=True
            )
            await self.backend.attach_block(self.agent_id, new.id)
        elif block.value != value:
            wanted = max(block.limit, len(value))
            await self.backend.update_block(block.id, value, limit=wanted if wanted != block.limit else None)

    async def sync(self) -> None:
        """Bring the skills block (and loaded skills' bodies) up to date with the files."""
        blocks = await self._blocks()
        if self.catalog.skills or SKILLS_LABEL in blocks:
            catalog = render_catalog(self.catalog.sorted())
            await self._write(blocks.get(SKILLS_LABEL), SKILLS_LABEL, catalog, SKILLS_DESCRIPTION, DEFAULT_BLOCK_LIMIT)
        loaded = blocks.get(LOADED_LABEL)
        if loaded is not None:
            sections = [self._fresh(s) for s in parse_loaded(loaded.value)]
            await self._write(loaded, LOADED_LABEL, render_loaded(sections), LOADED_DESCRIPTION, LOADED_LIMIT)

    def _fresh(self, section: LoadedSkill) -> LoadedSkill:
        skill = self.catalog.skills.get(section.id)
        return LoadedSkill(section.id, render_loaded_section(skill)) if skill else section

    @property
    def offered(self) -> bool:
        """Whether to offer the Skill tool (there is something to load)."""
        return bool(self.catalog.skills)

    async def run_tool(self, args: ToolArguments) -> ToolResult:
        command, skill_id = args.get("command"), args.get("skill")
        if command not in ("load", "unload"):
            return ToolResult("Error: command must be 'load' or 'unload'", "error")
        if not isinstance(skill_id, str) or not skill_id.strip():
            return ToolResult("Error: skill must be a skill id, e.g. web/scraper", "error")
        skill_id = skill_id.strip().strip("/")
        blocks = await self._blocks()
        block = blocks.get(LOADED_LABEL)
        sections = parse_loaded(block.value) if block else []
        present = [s.id for s in sections]
        if command == "unload":
            if skill_id not in present:
                loaded = ", ".join(present) or "none"
                return ToolResult(f"Error: skill '{skill_id}' is not loaded (loaded: {loaded})", "error")
            remaining = [s for s in sections if s.id != skill_id]
            await self._write(block, LOADED_LABEL, render_loaded(remaining), LOADED_DESCRIPTION, LOADED_LIMIT)
            return ToolResult(f"Unloaded skill '{skill_id}' from the loaded_skills block.")
        skill = self.catalog.skills.get(skill_id)
        if skill is None:
            available = ", ".join(sorted(self.catalog.skills)) or "none"
            return ToolResult(f"Error: no skill '{skill_id}' (available: {available})", "error")
        section = LoadedSkill(skill.id, render_loaded_section(skill))
        again = skill_id in present
        sections = [section if s.id == skill_id else s for s in sections] if again else [*sections, section]
        value = render_loaded(sections)
        limit = block.limit if block else LOADED_LIMIT
        if len(value) > max(limit, LOADED_LIMIT):
            return ToolResult(
                f"Error: loading '{skill_id}' would make loaded_skills {len(value)} characters "
                f"(limit {max(limit, LOADED_LIMIT)}); unload another skill first",
                "error",
            )
        await self._write(block, LOADED_LABEL, value, LOADED_DESCRIPTION, LOADED_LIMIT)
        verb = "Reloaded" if again else "Loaded"
        return ToolResult(
            f"{verb} skill '{skill_id}' ({skill.name}) into the loaded_skills block; its instructions "
            f"are in your memory from now on. Files of the skill are in {skill.directory}."
        )


async def start_skills(
    backend: Backend,
    agent_id: str,
    *,
    cwd: Path,
    home: Path,
    extra_dir: Path | None,
    warn: Callable[[str], None],
    none: bool = False,
) -> SkillManager:
    """Discover the skills, warn about broken ones, and sync the agent's skill blocks
    (`none`: no skill is loaded from anywhere, `--no-skills`)."""
    catalog = discover_skills([] if none else skill_roots(cwd, home, extra_dir))
    for line in catalog.warnings:
        warn(line)
    manager = SkillManager(backend, agent_id, catalog)
    await manager.sync()
    return manager

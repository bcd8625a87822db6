"""The two memory blocks of skills: `skills` (the catalog) and `loaded_skills` (full text).

`skills` lists every available skill grouped by category (id, name,
description, tags); skills without a category come last, under "Other". When the
built-in `skill-creator` is there, one last line says what it is for.
`loaded_skills` holds the full body of each loaded skill between
`<skill id="..."> ... </skill>` markers, which is also how a loaded skill is found
again to unload or refresh it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from letta_code.skills.discovery import Skill

SKILLS_LABEL = "skills"
LOADED_LABEL = "loaded_skills"
SKILLS_DESCRIPTION = (
    "Skills available in this session, grouped by category (id: name - description). "
    "Before a task a skill covers, load it with the Skill tool (command 'load') to get its full "
    "instructions in the loaded_skills block; unload it when done."
)
LOADED_DESCRIPTION = (
    "The full instructions of the skills loaded with the Skill tool. Follow them; unload a skill "
    "(Skill tool, command 'unload') when it is no longer needed."
)
NO_SKILLS = "(No skills found. Skills live in .skills/ in the project, ~/.letta/skills/, or --skills DIR.)"
NO_LOADED = "(No skills loaded.)"
OTHER = "Other"
SKILL_CREATOR = "skill-creator"
CREATOR_HINT = f"To save a procedure that worked and will recur as a new skill, load {SKILL_CREATOR} first."

_SECTION = re.compile(r'^<skill id="(?P<id>[^"]+)"[^>\n]*>\n(?P<body>.*?)\n</skill>$', re.MULTILINE | re.DOTALL)


def render_catalog(skills: list[Skill]) -> str:
    if not skills:
        return NO_SKILLS
    groups: dict[str, list[Skill]] = {}
    for skill in skills:
        groups.setdefault(skill.category or OTHER, []).append(skill)
    order = sorted(groups, key=lambda c: (c == OTHER, c.lower()))
    lines: list[str] = []
    for category in order:
        if lines:
            lines.append("")
        lines.append(f"## {category}")
        for skill in sorted(groups[category], key=lambda s: s.id):
            tags = f" [tags: {', '.join(skill.tags)}]" if skill.tags else ""
            lines.append(f"- {skill.id}: {skill.name} - {skill.description}{tags}")
    if any(skill.id == SKILL_CREATOR for skill in skills):
        lines += ["", CREATOR_HINT]
    return "\n".join(lines)


@dataclass
class LoadedSkill:
    id: str
    section: str  # the whole <skill ...>...</skill> text


def render_loaded_section(skill: Skill) -> str:
    name = skill.name.replace('"', "'")
    return f'<skill id="{skill.id}" name="{name}" path="{skill.directory}">\n{skill.body}\n</skill>'


def parse_loaded(value: str) -> list[LoadedSkill]:
    return [LoadedSkill(m.group("id"), m.group(0)) for m in _SECTION.finditer(value)]


def render_loaded(sections: list[LoadedSkill]) -> str:
    return "\n\n".join(s.section for s in sections) if sections else NO_LOADED

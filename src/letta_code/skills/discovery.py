"""Find and parse skills: `SKILL.md` files (any case) with YAML frontmatter.

Where skills come from, highest priority first (a skill id found in several
places is taken from the first):

1. the `--skills DIR` directory (the user asked for it on this command line);
2. the project: `./.skills/`, then `./.agents/skills/`;
3. the user's global skills: `~/.letta/skills/` (`$LETTA_HOME/skills`);
4. the skills shipped in this package (`bundled/`, e.g. `skill-creator`), so any of
   the above with the same id replaces them.

Each directory is scanned recursively (hidden folders and symlinked folders are
skipped). A skill's id is the path of its folder relative to the root, with `/`
separators: `.skills/web/scraper/SKILL.md` is `web/scraper`. A `SKILL.md` right at
a root takes the root folder's name.

Frontmatter: `name` and `description` (non-empty strings) are required;
`category` (a string) and `tags` (a list of strings) are optional. A file with bad
frontmatter is skipped with one warning naming the file and the problem.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SKILL_FILE = "skill.md"  # compared case-insensitively
BUNDLED_DIR = Path(__file__).parent / "bundled"  # package data (pyproject `package-data`)


class SkillError(Exception):
    """A SKILL.md that cannot be used; the message names the problem."""


@dataclass(frozen=True)
class Skill:
    id: str
    name: str
    description: str
    body: str
    path: Path  # the SKILL.md file
    source: str  # "flag" | "project" | "global" | "bundled"
    category: str | None = None
    tags: tuple[str, ...] = ()

    @property
    def directory(self) -> Path:
        return self.path.parent


@dataclass(frozen=True)
class SkillRoot:
    path: Path
    source: str


@dataclass
class SkillCatalog:
    skills: dict[str, Skill] = field(default_factory=dict)  # by id, in discovery order
    warnings: list[str] = field(default_factory=list)

    def sorted(self) -> list[Skill]:
        return sorted(self.skills.values(), key=lambda s: s.id)


def skill_roots(cwd: Path, home: Path, extra: Path | None = None) -> list[SkillRoot]:
    """The directories to scan, highest priority first."""
    roots = [SkillRoot(extra, "flag")] if extra is not None else []
    roots += [SkillRoot(cwd / ".skills", "project"), SkillRoot(cwd / ".agents" / "skills", "project")]
    roots.append(SkillRoot(home / "skills", "global"))
    roots.append(SkillRoot(BUNDLED_DIR, "bundled"))
    return roots


def find_skill_files(root: Path) -> Iterator[tuple[str, Path]]:
    """(skill id, SKILL.md path) for every skill under `root`, sorted by id."""
    found: list[tuple[str, Path]] = []
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not (here / d).is_symlink())
        matches = sorted(f for f in files if f.lower() == SKILL_FILE)
        if not matches:
            continue
        rel = here.relative_to(root).as_posix()
        skill_id = root.resolve().name if rel == "." else rel
        found.append((skill_id, here / matches[0]))
    yield from sorted(found)


def split_frontmatter(text: str) -> tuple[str, str]:
    """(frontmatter, body) of a Markdown file that starts with a `---` block."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        raise SkillError("no YAML frontmatter (the file must start with a '---' line)")
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :])
    raise SkillError("the YAML frontmatter is not closed by a '---' line")


def _yaml_problem(exc: Exception) -> str:
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    mark = getattr(exc, "problem_mark", None)
    where = f" (line {mark.line + 2})" if mark is not None else ""
    return f"invalid YAML frontmatter: {problem}{where}"


def _required_text(meta: dict[str, Any], key: str) -> str:
    value = meta.get(key)
    if value is None:
        raise SkillError(f"missing required field '{key}' in the frontmatter")
    if not isinstance(value, str) or not value.strip():
        raise SkillError(f"'{key}' must be a non-empty string")
    return " ".join(value.split())


def read_markdown(path: Path) -> str:
    """The text of a Markdown file (a skill, a custom command); SkillError saying why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SkillError("the file is not UTF-8 text") from exc
    except OSError as exc:
        raise SkillError(f"cannot read the file: {exc.strerror or exc}") from exc


def plain_frontmatter(head: str) -> dict[str, Any] | None:
    """`key: value` lines of plain text as a dict, or None if YAML is needed to read them.

    Used for the bundled skills only (their files are ours, and a test checks this reads them
    as YAML does), so that a session with nothing configured does not import the YAML parser.
    """
    meta: dict[str, Any] = {}
    for line in head.splitlines():
        key, sep, value = line.partition(": ")
        value = value.strip()
        if not sep or not key.isidentifier() or not value or value[0] in "[]{}&*!|>'\"%@`#-?:,~.+0123456789":
            return None
        if ": " in value or " #" in value or value.lower() in ("yes", "no", "true", "false", "null", "on", "off"):
            return None
        meta[key] = value
    return meta


def parse_skill(path: Path, skill_id: str, source: str) -> Skill:
    text = read_markdown(path)
    head, body = split_frontmatter(text)
    meta = plain_frontmatter(head) if source == "bundled" else None
    if meta is None:
        import yaml

        try:
            meta = yaml.safe_load(head)
        except yaml.YAMLError as exc:
            raise SkillError(_yaml_problem(exc)) from exc
    if not isinstance(meta, dict):
        raise SkillError("the frontmatter must be a YAML mapping (name: ..., description: ...)")
    name = _required_text(meta, "name")
    description = _required_text(meta, "description")
    category = meta.get("category")
    if category is not None and (not isinstance(category, str) or not category.strip()):
        raise SkillError("'category' must be a non-empty string")
    tags = meta.get("tags") or []
    if not isinstance(tags, list) or not all(
        isinstance(t, str | int | float) and not isinstance(t, bool) for t in tags
    ):
        raise SkillError("'tags' must be a list of strings")
    return Skill(
        id=skill_id,
        name=name,
        description=description,
        body=body.strip(),
        path=path,
        source=source,
        category=" ".join(category.split()) if category else None,
        tags=tuple(str(t) for t in tags),
    )


def discover_skills(roots: list[SkillRoot]) -> SkillCatalog:
    """Every valid skill under the roots (the first root with an id wins) and the warnings."""
    catalog = SkillCatalog()
    for root in roots:
        if not root.path.is_dir():
            continue
        for skill_id, path in find_skill_files(root.path):
            if skill_id in catalog.skills:
                continue
            try:
                catalog.skills[skill_id] = parse_skill(path, skill_id, root.source)
            except SkillError as exc:
                catalog.warnings.append(f"skipped skill {path}: {exc}")
    return catalog

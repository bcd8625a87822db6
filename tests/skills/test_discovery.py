"""SKILL.md discovery and parsing: sources, ids, priority, frontmatter problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from letta_code.skills.discovery import (
    BUNDLED_DIR,
    Skill,
    SkillRoot,
    discover_skills,
    plain_frontmatter,
    skill_roots,
    split_frontmatter,
)
from letta_code.skills.render import (
    CREATOR_HINT,
    NO_LOADED,
    parse_loaded,
    render_catalog,
    render_loaded,
    render_loaded_section,
)


def write_skill(
    root: Path, skill_id: str, name: str, *, filename: str = "SKILL.md", extra: str = "", body: str = "Body."
) -> Path:
    folder = root / skill_id if skill_id else root
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / filename
    path.write_text(f"---\nname: {name}\ndescription: Does {name}\n{extra}---\n{body}\n", encoding="utf-8")
    return path


def bundled_creator() -> Skill:
    return discover_skills([SkillRoot(BUNDLED_DIR, "bundled")]).skills["skill-creator"]


def test_recursive_ids_and_case_insensitive_names(tmp_path: Path) -> None:
    root = tmp_path / ".skills"
    write_skill(
        root, "data-analysis", "Data Analysis Skill", extra="category: Data Processing\ntags:\n- analytics\n- csv\n"
    )
    write_skill(root, "web/scraper", "Scraper", filename="skill.md")
    write_skill(root, "web", "Web", filename="Skill.MD")
    write_skill(root, ".hidden/thing", "Hidden")
    catalog = discover_skills(skill_roots(tmp_path, tmp_path / "home"))
    assert catalog.warnings == []
    assert sorted(catalog.skills) == ["data-analysis", "skill-creator", "web", "web/scraper"]
    data = catalog.skills["data-analysis"]
    assert (data.name, data.description, data.category, data.tags) == (
        "Data Analysis Skill",
        "Does Data Analysis Skill",
        "Data Processing",
        ("analytics", "csv"),
    )
    assert data.body == "Body." and data.source == "project" and data.directory == root / "data-analysis"


def test_priority_flag_over_project_over_global(tmp_path: Path) -> None:
    project, home, flag = tmp_path / "proj", tmp_path / "home", tmp_path / "flag"
    write_skill(home / "skills", "shared", "Global Shared")
    write_skill(home / "skills", "global-only", "Global Only")
    write_skill(project / ".agents" / "skills", "shared", "Agents Shared")
    write_skill(project / ".agents" / "skills", "agents-only", "Agents Only")
    write_skill(project / ".skills", "shared", "Project Shared")
    write_skill(project / ".skills", "flagged", "Project Flagged")
    write_skill(flag, "flagged", "Flag Flagged")
    catalog = discover_skills(skill_roots(project, home, flag))
    names = {sid: s.name for sid, s in catalog.skills.items()}
    assert names == {
        "flagged": "Flag Flagged",
        "shared": "Project Shared",
        "agents-only": "Agents Only",
        "global-only": "Global Only",
        "skill-creator": "Skill Creator",
    }
    assert catalog.skills["global-only"].source == "global" and catalog.skills["flagged"].source == "flag"


def test_skill_md_at_a_root_is_named_after_the_folder(tmp_path: Path) -> None:
    write_skill(tmp_path / "pdf-tools", "", "PDF")
    catalog = discover_skills(skill_roots(tmp_path / "nowhere", tmp_path / "home", tmp_path / "pdf-tools"))
    assert list(catalog.skills) == ["pdf-tools", "skill-creator"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("# No frontmatter\n", "no YAML frontmatter"),
        ("---\nname: x\ndescription: y\n", "not closed"),
        ("---\nname: [unclosed\ndescription: y\n---\n", "invalid YAML frontmatter"),
        ("---\n- a\n- b\n---\n", "must be a YAML mapping"),
        ("---\ndescription: y\n---\n", "missing required field 'name'"),
        ("---\nname: x\n---\n", "missing required field 'description'"),
        ("---\nname: ''\ndescription: y\n---\n", "'name' must be a non-empty string"),
        ("---\nname: x\ndescription: y\ntags: web\n---\n", "'tags' must be a list of strings"),
        ("---\nname: x\ndescription: y\ncategory: [a]\n---\n", "'category' must be a non-empty string"),
    ],
)
def test_bad_frontmatter_is_skipped_with_one_warning(tmp_path: Path, text: str, problem: str) -> None:
    root = tmp_path / ".skills"
    write_skill(root, "good", "Good")
    bad = root / "bad" / "SKILL.md"
    bad.parent.mkdir(parents=True)
    bad.write_text(text, encoding="utf-8")
    catalog = discover_skills(skill_roots(tmp_path, tmp_path / "home"))
    assert list(catalog.skills) == ["good", "skill-creator"]
    assert len(catalog.warnings) == 1
    assert str(bad) in catalog.warnings[0] and problem in catalog.warnings[0]
    assert "\n" not in catalog.warnings[0]


def test_yaml_error_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / ".skills" / "bad" / "SKILL.md"
    bad.parent.mkdir(parents=True)
    bad.write_text("---\nname: x\ndescription: y\ntags: [a\n---\n", encoding="utf-8")
    (warning,) = discover_skills(skill_roots(tmp_path, tmp_path / "home")).warnings
    assert "(line " in warning


def test_not_utf8_is_a_warning(tmp_path: Path) -> None:
    bad = tmp_path / ".skills" / "bin" / "SKILL.md"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"---\nname: \xff\xfe\n---\n")
    (warning,) = discover_skills(skill_roots(tmp_path, tmp_path / "home")).warnings
    assert "not UTF-8" in warning


def test_catalog_groups_by_category_other_last(tmp_path: Path) -> None:
    root = tmp_path / ".skills"
    write_skill(root, "b", "Bee", extra="category: Zeta\n")
    write_skill(root, "a", "Ay", extra="category: alpha\ntags: [t1, t2]\n")
    write_skill(root, "c", "See")
    text = render_catalog(discover_skills(skill_roots(tmp_path, tmp_path / "home")).sorted())
    assert text.splitlines() == [
        "## alpha",
        "- a: Ay - Does Ay [tags: t1, t2]",
        "",
        "## Built-in",
        f"- skill-creator: Skill Creator - {bundled_creator().description}",
        "",
        "## Zeta",
        "- b: Bee - Does Bee",
        "",
        "## Other",
        "- c: See - Does See",
        "",
        CREATOR_HINT,
    ]


def test_loaded_sections_round_trip(tmp_path: Path) -> None:
    root = tmp_path / ".skills"
    write_skill(root, "web/scraper", "Scraper", body="# Scraper\n\nUse requests.\n\n## Steps\n1. fetch")
    write_skill(root, "pdf", "PDF", body="Use pdftotext.")
    skills = discover_skills(skill_roots(tmp_path, tmp_path / "home")).skills
    value = render_loaded([])
    assert value == NO_LOADED and parse_loaded(value) == []
    sections = parse_loaded(
        render_loaded(
            [
                *parse_loaded(render_loaded_section(skills["web/scraper"])),
                *parse_loaded(render_loaded_section(skills["pdf"])),
            ]
        )
    )
    assert [s.id for s in sections] == ["web/scraper", "pdf"]
    assert "## Steps\n1. fetch" in sections[0].section and sections[1].section.endswith("Use pdftotext.\n</skill>")


def test_the_bundled_skill_creator_is_always_found(tmp_path: Path) -> None:
    catalog = discover_skills(skill_roots(tmp_path / "proj", tmp_path / "home"))
    assert catalog.warnings == []
    creator = catalog.skills["skill-creator"]
    assert (creator.name, creator.source, creator.category) == ("Skill Creator", "bundled", "Built-in")
    assert creator.path == BUNDLED_DIR / "skill-creator" / "SKILL.md" and creator.path.is_file()
    for where in (".skills/<id>/SKILL.md", "$LETTA_HOME/skills/<id>/SKILL.md", "~/.letta/skills/<id>/SKILL.md"):
        assert where in creator.body
    assert "Write tool" in creator.body and "denied" in creator.body
    assert render_catalog(catalog.sorted()).endswith("\n\n" + CREATOR_HINT)


def test_the_example_in_skill_creator_is_a_valid_skill(tmp_path: Path) -> None:
    body = bundled_creator().body
    example = body.split("```markdown\n", 1)[1].split("\n```", 1)[0]
    target = tmp_path / ".skills" / "run-tests" / "SKILL.md"
    target.parent.mkdir(parents=True)
    target.write_text(example + "\n", encoding="utf-8")
    catalog = discover_skills(skill_roots(tmp_path, tmp_path / "home"))
    assert catalog.warnings == []
    run_tests = catalog.skills["run-tests"]
    assert (run_tests.name, run_tests.category, run_tests.tags) == ("Run the tests", "Testing", ("pytest",))
    assert len(example.splitlines()) < 40  # the skill asks for short skills; its example is one


@pytest.mark.parametrize("root", [".skills", ".agents/skills", "home"])
def test_a_project_or_global_skill_of_the_same_id_replaces_the_bundled_one(tmp_path: Path, root: str) -> None:
    project, home = tmp_path / "proj", tmp_path / "home"
    write_skill(home / "skills" if root == "home" else project / root, "skill-creator", "Our Own Creator")
    catalog = discover_skills(skill_roots(project, home))
    mine = catalog.skills["skill-creator"]
    assert mine.name == "Our Own Creator" and mine.source == ("global" if root == "home" else "project")
    assert list(catalog.skills) == ["skill-creator"] and catalog.warnings == []
    assert "Skill Creator - " not in render_catalog(catalog.sorted())


def test_no_hint_without_skill_creator(tmp_path: Path) -> None:
    write_skill(tmp_path / ".skills", "deploy", "Deploy")
    others = [s for s in discover_skills(skill_roots(tmp_path, tmp_path / "home")).sorted() if s.source != "bundled"]
    assert render_catalog(others) == "## Other\n- deploy: Deploy - Does Deploy"


def test_bundled_frontmatter_is_read_as_yaml_reads_it_without_yaml() -> None:
    import yaml

    files = sorted(BUNDLED_DIR.rglob("SKILL.md"))
    assert files
    for path in files:
        head, _ = split_frontmatter(path.read_text(encoding="utf-8"))
        assert plain_frontmatter(head) == yaml.safe_load(head), path


@pytest.mark.parametrize(
    "head", ["name: 'quoted'", "tags: [a, b]", "name: yes", "name: 12", "name: a: b", "name: x # note", "x:\n  - a"]
)
def test_anything_but_plain_text_is_left_to_yaml(head: str) -> None:
    assert plain_frontmatter(f"description: fine\n{head}") is None

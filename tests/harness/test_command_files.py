"""Custom command files: where they are found, which one wins, names, frontmatter, bad files."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from letta_code.harness.command_files import discover, load_prompt_commands, parse_command_file
from letta_code.harness.prompt_commands import CommandDir, command_dirs
from letta_code.permissions import PermissionChecker
from letta_code.tools.base import ToolSession


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def places(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(project, LETTA_HOME, the user's home folder), all empty."""
    dirs = tuple(tmp_path / name for name in ("project", "letta-home", "home"))
    for d in dirs:
        d.mkdir()
    return dirs  # type: ignore[return-value]


def found(project: Path, letta_home: Path, home: Path) -> dict[str, str]:
    files, warnings = discover(command_dirs(project, letta_home, home))
    assert warnings == []
    return {f.name: f.body for f in files}


def test_only_folders_that_exist_are_looked_in_in_precedence_order(places: tuple[Path, Path, Path]) -> None:
    project, letta_home, home = places
    assert command_dirs(project, letta_home, home) == []
    for folder in (project / ".claude/commands", home / ".claude/commands", letta_home / "commands"):
        folder.mkdir(parents=True)
    (project / ".letta/commands").mkdir(parents=True)
    assert command_dirs(project, letta_home, home) == [
        CommandDir(project / ".letta/commands", "project"),
        CommandDir(project / ".claude/commands", "project"),
        CommandDir(letta_home / "commands", "user"),
        CommandDir(home / ".claude/commands", "user"),
    ]
    # Started in the home folder: its .claude/commands is the project's, looked at once.
    assert [d.scope for d in command_dirs(home, letta_home, home)] == ["project", "user"]


def test_the_first_folder_with_a_name_wins_so_the_project_beats_the_user(places: tuple[Path, Path, Path]) -> None:
    project, letta_home, home = places
    write(home / ".claude/commands/deploy.md", "user claude deploy")
    write(letta_home / "commands/deploy.md", "user letta deploy")
    write(letta_home / "commands/mine.md", "only mine")
    assert found(project, letta_home, home) == {"deploy": "user letta deploy", "mine": "only mine"}
    write(project / ".claude/commands/deploy.md", "project claude deploy")
    assert found(project, letta_home, home)["deploy"] == "project claude deploy"
    write(project / ".letta/commands/deploy.md", "project letta deploy")
    assert found(project, letta_home, home) == {"deploy": "project letta deploy", "mine": "only mine"}


def test_subfolders_namespace_a_command_and_other_files_are_not_commands(places: tuple[Path, Path, Path]) -> None:
    project, letta_home, home = places
    root = project / ".letta/commands"
    write(root / "frontend/test.md", "run the tests")
    write(root / "a/b/deep.md", "deep")
    write(root / "notes.txt", "not a command")
    write(root / ".hidden/secret.md", "hidden folder")
    write(root / ".draft.md", "hidden file")
    (root / "linked").symlink_to(root / "frontend")  # a symlinked folder is not walked twice
    assert found(project, letta_home, home) == {"frontend:test": "run the tests", "a:b:deep": "deep"}


def test_frontmatter_fields_and_the_description_from_the_first_line(tmp_path: Path) -> None:
    full = write(
        tmp_path / "review.md",
        "---\n"
        "description: Review a pull request\n"
        "argument-hint: [pr-number] [priority]\n"  # not YAML: read as the text it is
        "allowed-tools: Bash(git diff:*), Bash(git log:*)\n"
        "model: anthropic/claude-sonnet-4-5\n"
        "disable-model-invocation: true\n"
        "---\n"
        "Review PR $1.\n",
    )
    command = parse_command_file(full, "review", "project")
    assert command.description == "Review a pull request"
    assert command.argument_hint == "[pr-number] [priority]"
    assert [r.text for r in command.allowed_tools] == ["Bash(git diff:*)", "Bash(git log:*)"]
    assert command.model == "anthropic/claude-sonnet-4-5"
    assert command.body == "Review PR $1."

    listed = write(tmp_path / "l.md", "---\nallowed-tools:\n  - Bash(ls:*)\n  - Read\nargument-hint: '[file]'\n---\nx")
    command = parse_command_file(listed, "l", "user")
    assert [r.text for r in command.allowed_tools] == ["Bash(ls:*)", "Read"]
    assert command.argument_hint == "[file]"

    plain = write(tmp_path / "plain.md", "\n# Explain the code in detail\n\nThen more.\n")
    command = parse_command_file(plain, "plain", "project")
    assert (command.description, command.argument_hint, command.allowed_tools) == ("Explain the code in detail", "", ())
    assert command.body == "# Explain the code in detail\n\nThen more."


def test_a_bad_file_is_skipped_with_one_warning_naming_it(places: tuple[Path, Path, Path]) -> None:
    project, letta_home, home = places
    root = project / ".letta/commands"
    write(root / "good.md", "fine")
    unclosed = write(root / "unclosed.md", "---\ndescription: x\n")
    badrule = write(root / "badrule.md", "---\nallowed-tools: Bash(rm -rf && ls)\n---\nbody")
    notmap = write(root / "notmap.md", "---\n- a\n- b\n---\nbody")
    badtype = write(root / "badtype.md", "---\ndescription:\n  nested: true\n---\nbody")
    binary = root / "binary.md"
    binary.write_bytes(b"\xff\xfe\x00bad")
    spaced = write(root / "two words.md", "body")
    files, warnings = discover(command_dirs(project, letta_home, home))
    assert [f.name for f in files] == ["good"]
    assert len(warnings) == 6
    for path, problem in [
        (unclosed, "not closed"),
        (badrule, "allowed-tools: invalid rule"),
        (notmap, "must be a YAML mapping"),
        (badtype, "'description' must be a string"),
        (binary, "not UTF-8"),
        (spaced, "is not a command name"),
    ]:
        line = next(w for w in warnings if w.startswith(f"{path}:"))
        assert problem in line and "\n" not in line


def test_loaded_commands_are_prompt_commands_that_expand(places: tuple[Path, Path, Path]) -> None:
    project, letta_home, home = places
    write(project / ".letta/commands/hello.md", "---\ndescription: Greet\nargument-hint: <who>\n---\nSay hello to $1.")
    write(letta_home / "commands/bye.md", "---\nmodel: haiku\n---\nSay goodbye.")
    checker = PermissionChecker(cwd=project)
    session = ToolSession(cwd=project)
    commands, warnings = load_prompt_commands(command_dirs(project, letta_home, home), checker, session)
    assert warnings == []
    hello, bye = commands
    assert (hello.name, hello.description, hello.argument_hint, hello.origin) == (
        "hello",
        "Greet",
        "<who>",
        ".letta/commands/hello.md",
    )
    assert bye.origin.endswith("letta-home/commands/bye.md")
    assert (hello.model, bye.model) == (None, "haiku")  # as written: resolved when the command runs

    async def both() -> tuple[str, str]:
        return await hello.expand("world"), await bye.expand("now")

    assert asyncio.run(both()) == ("Say hello to world.", "Say goodbye.\n\nARGUMENTS: now")

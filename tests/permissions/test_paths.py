from __future__ import annotations

import os
from pathlib import Path

import pytest

from letta_code.permissions import PermissionChecker, parse_path_pattern, resolve_path
from letta_code.permissions.paths import PathPatternError, is_within, real_dir


def test_resolve_expands_home_and_collapses_dotdot(project: Path, home: Path) -> None:
    r = resolve_path("~/x/../y", project)
    assert r.lexical == str(home / "y")
    r = resolve_path("./a/../.env", project)
    assert r.real == os.path.realpath(project / ".env")
    assert r.lexical == str(project / ".env")


def test_resolve_follows_symlinks(project: Path, home: Path) -> None:
    r = resolve_path("./link-to-home/.ssh/id_rsa", project)
    assert r.lexical == str(project / "link-to-home" / ".ssh" / "id_rsa")
    assert r.real == os.path.realpath(home / ".ssh" / "id_rsa")


def test_resolve_keeps_missing_tail(project: Path) -> None:
    r = resolve_path("src/new/file.py", project)
    assert r.real == os.path.realpath(project / "src") + "/new/file.py"


@pytest.mark.parametrize(
    ("path", "directory", "inside"),
    [
        ("/a/b", "/a", True),
        ("/a", "/a", True),
        ("/ab", "/a", False),
        ("/a/b", "/", True),
        ("/b", "/a/", False),
    ],
)
def test_is_within(path: str, directory: str, inside: bool) -> None:
    assert is_within(path, directory) is inside


@pytest.mark.parametrize(
    ("spec", "anchor", "body"),
    [
        ("//etc/**", "absolute", "etc/**"),
        ("~/notes/*.md", "home", "notes/*.md"),
        ("~", "home", "**"),
        ("/src/**", "root", "src/**"),
        ("./src/**", "root", "src/**"),
        ("src/**", "root", "src/**"),
        ("src/", "anywhere", "src"),
        ("./", "root", "**"),
        (".env", "anywhere", ".env"),
        ("*.key", "anywhere", "*.key"),
        ("secrets/", "anywhere", "secrets"),
        ("./docs/./*.md", "root", "docs/*.md"),
    ],
)
def test_parse_path_pattern(spec: str, anchor: str, body: str) -> None:
    pattern = parse_path_pattern(spec)
    assert (pattern.anchor, pattern.body) == (anchor, body)


@pytest.mark.parametrize("spec", ["", "  ", "a/../b", "..", "~bob/x", "a\x00b"])
def test_parse_path_pattern_errors(spec: str) -> None:
    with pytest.raises(PathPatternError):
        parse_path_pattern(spec)


# (pattern, path relative to the project, narrow match, broad match)
MATCHES = [
    ("src/**", "src/a.py", True, True),
    ("src/**", "src/pkg/b.py", True, True),
    ("src/**", "src", True, True),
    ("src/**", "srcx/a.py", False, False),
    ("src/*.py", "src/a.py", True, True),
    ("src/*.py", "src/pkg/b.py", False, False),
    ("src/**/*.py", "src/pkg/b.py", True, True),
    ("src/**/*.py", "src/a.py", True, True),
    ("./docs/*.md", "docs/guide.md", True, True),
    ("./docs/*.md", "docs/guide.txt", False, False),
    ("/docs/**", "docs/guide.md", True, True),
    (".env", ".env", True, True),
    (".env", "config/.env", True, True),
    (".env", ".envrc", False, False),
    (".env", ".ENV", False, True),
    ("*.py", "src/pkg/b.py", True, True),
    ("docs", "docs/guide.md", True, True),
    ("src/a.py", "src/a.py", True, True),
    ("src/a.py", "src/a.pyc", False, False),
    ("src/[ab].py", "src/a.py", True, True),
    ("src/[!a].py", "src/a.py", False, False),
    ("./**", "anything/at/all", True, True),
    ("./**", "../outside/notes.txt", False, False),
    ("src/?.py", "src/a.py", True, True),
    ("src/?.py", "src/ab.py", False, False),
]


@pytest.mark.parametrize(("spec", "rel", "narrow", "broad"), MATCHES)
def test_pattern_matching_under_root(project: Path, spec: str, rel: str, narrow: bool, broad: bool) -> None:
    pattern = parse_path_pattern(spec)
    target = resolve_path(rel, project)
    root = real_dir(project)
    assert pattern.matches(target, root, broad=False) is narrow
    assert pattern.matches(target, root, broad=True) is broad


def test_home_and_absolute_patterns(project: Path, home: Path, tmp_path: Path) -> None:
    root = real_dir(project)
    key = resolve_path("~/.ssh/id_rsa", project)
    assert parse_path_pattern("~/.ssh/**").matches(key, root)
    assert parse_path_pattern(f"/{home}/.ssh/*").matches(key, root)
    assert not parse_path_pattern("~/.aws/**").matches(key, root)
    notes = resolve_path(str(tmp_path / "outside" / "notes.txt"), project)
    assert parse_path_pattern(f"/{tmp_path}/outside/**").matches(notes, root)
    assert not parse_path_pattern("outside/**").matches(notes, root)


def test_name_patterns_reach_outside_the_root_only_when_broad(project: Path) -> None:
    root = real_dir(project)
    key = resolve_path("~/.ssh/id_rsa", project)
    pattern = parse_path_pattern("id_rsa")
    assert not pattern.matches(key, root, broad=False)
    assert pattern.matches(key, root, broad=True)


def test_single_slash_is_root_relative_narrow_but_also_absolute_broad(project: Path) -> None:
    root = real_dir(project)
    passwd = resolve_path("/etc/passwd", project)
    pattern = parse_path_pattern("/etc/**")
    assert not pattern.matches(passwd, root, broad=False)
    assert pattern.matches(passwd, root, broad=True)


def test_symlink_in_the_pattern_is_followed_for_deny(project: Path, tmp_path: Path) -> None:
    (project / "vault").symlink_to(tmp_path / "outside")
    root = real_dir(project)
    direct = resolve_path(str(tmp_path / "outside" / "notes.txt"), project)
    pattern = parse_path_pattern("vault/**")
    assert pattern.matches(direct, root, broad=True)
    assert not pattern.matches(direct, root, broad=False)


# -- the checker resolves paths before matching: symlink escapes and `..` tricks --------------


def test_read_allow_rule_does_not_cover_a_symlink_out_of_the_project(project: Path) -> None:
    checker = PermissionChecker("strict", allow=["Read(./**)"], cwd=project)
    assert checker.check("Read", {"file_path": "src/a.py"}).behavior == "allow"
    decision = checker.check("Read", {"file_path": "./link-to-home/.ssh/id_rsa"})
    assert decision.behavior == "ask"


def test_default_mode_reads_through_symlink_out_of_cwd_ask(project: Path) -> None:
    checker = PermissionChecker("default", cwd=project)
    assert checker.check("Read", {"file_path": "link-to-home/.ssh/id_rsa"}).behavior == "ask"
    assert checker.check("LS", {"path": "link-to-home"}).behavior == "ask"
    assert checker.check("Grep", {"pattern": "x", "path": "link-to-home/"}).behavior == "ask"
    assert checker.check("Bash", {"command": "cat link-to-home/.ssh/id_rsa"}).behavior == "ask"
    assert checker.check("Bash", {"command": "cat link-to-home/.ssh/*"}).behavior == "ask"


def test_symlinked_file_inside_project_pointing_out(project: Path, home: Path) -> None:
    (project / "src" / "innocent.txt").symlink_to(home / ".ssh" / "id_rsa")
    checker = PermissionChecker("default", allow=["Read(src/**)"], cwd=project)
    assert checker.check("Read", {"file_path": "src/innocent.txt"}).behavior == "ask"
    assert checker.check("Bash", {"command": "cat src/innocent.txt"}).behavior == "ask"
    assert checker.check("Bash", {"command": "cat src/*.txt"}).behavior == "ask"
    assert checker.check("Bash", {"command": "cat src/a.py"}).behavior == "allow"


def test_symlink_inside_project_pointing_inside_is_fine(project: Path) -> None:
    (project / "alias.py").symlink_to(project / "src" / "a.py")
    checker = PermissionChecker("default", cwd=project)
    assert checker.check("Read", {"file_path": "alias.py"}).behavior == "allow"


@pytest.mark.parametrize(
    "path",
    [".env", "./.env", "./a/../.env", "src/../.env", "src/pkg/../../.env", "{root}/.env", "{root}/src/../.env"],
)
def test_deny_on_dotenv_cannot_be_dodged(project: Path, path: str) -> None:
    checker = PermissionChecker("bypassPermissions", deny=["Read(.env)"], cwd=project)
    path = path.format(root=project)
    decision = checker.check("Read", {"file_path": path})
    assert decision.behavior == "deny", path
    assert decision.rule == "Read(.env)"
    assert checker.check("Bash", {"command": f"cat {path}"}).behavior == "deny"


def test_deny_through_a_symlink_to_the_denied_file(project: Path) -> None:
    (project / "docs" / "env-link").symlink_to(project / ".env")
    checker = PermissionChecker("bypassPermissions", deny=["Read(.env)"], cwd=project)
    assert checker.check("Read", {"file_path": "docs/env-link"}).behavior == "deny"


def test_deny_on_a_symlink_name_also_covers_its_target(project: Path, tmp_path: Path) -> None:
    (project / "vault").symlink_to(tmp_path / "outside")
    checker = PermissionChecker("bypassPermissions", deny=["Read(vault/**)"], cwd=project)
    assert checker.check("Read", {"file_path": "vault/notes.txt"}).behavior == "deny"
    assert checker.check("Read", {"file_path": str(tmp_path / "outside" / "notes.txt")}).behavior == "deny"


def test_edit_rule_with_dotdot_in_the_call(project: Path) -> None:
    checker = PermissionChecker("default", allow=["Edit(src/**)"], cwd=project)
    assert checker.check("Edit", {"file_path": "src/a.py"}).behavior == "allow"
    assert checker.check("Edit", {"file_path": "src/../README.md"}).behavior == "ask"
    assert checker.check("Write", {"file_path": "src/pkg/../../../outside/x"}).behavior == "ask"


def test_glob_pattern_reaching_outside(project: Path) -> None:
    checker = PermissionChecker("default", cwd=project)
    assert checker.check("Glob", {"pattern": "**/*.py"}).behavior == "allow"
    assert checker.check("Glob", {"pattern": "src/*.py", "path": "."}).behavior == "allow"
    assert checker.check("Glob", {"pattern": "/etc/*"}).behavior == "ask"
    assert checker.check("Glob", {"pattern": " /etc/*"}).behavior == "ask"
    assert checker.check("Glob", {"pattern": "../**/*"}).behavior == "ask"
    assert checker.check("Glob", {"pattern": "~/.ssh/*"}).behavior == "ask"
    assert checker.check("Glob", {"pattern": "*/../../*"}).behavior == "ask"
    assert checker.check("Glob", {"pattern": "link-to-home/**"}).behavior == "ask"


@pytest.mark.parametrize(
    ("command", "behavior"),
    [
        ("grep -r secret .", "allow"),
        ("grep -R secret .", "ask"),
        ("rg secret", "allow"),
        ("rg -L secret", "ask"),
        ("find . -name id_rsa", "allow"),
        ("find -L . -name id_rsa", "ask"),
        ("ls -R", "allow"),
        ("ls -LR", "ask"),
    ],
)
def test_tree_walkers_that_follow_symlinks_ask(project: Path, command: str, behavior: str) -> None:
    checker = PermissionChecker("default", cwd=project)
    assert checker.check("Bash", {"command": command}).behavior == behavior

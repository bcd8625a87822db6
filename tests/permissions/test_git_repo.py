"""Class 8: protected paths by more than their spelling, and git repositories that run programs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from letta_code.permissions import PermissionChecker
from letta_code.permissions.git_repo import discover, repo_safe
from tests.permissions.conftest import MakeChecker

MODES = ["default", "acceptEdits", "plan", "bypassPermissions"]


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def repo(project: Path) -> Path:
    git(project, "init", "-q", ".")
    git(project, "add", "src", "docs", "README.md")
    git(project, "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-qm", "init")
    return project


def fake_bare(folder: Path, config: str = "[core]\n\tfsmonitor = touch /tmp/pwned\n") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "HEAD").write_text("ref: refs/heads/main\n")
    (folder / "objects").mkdir()
    (folder / "refs").mkdir()
    (folder / "config").write_text(config)
    return folder


def check(checker: PermissionChecker, command: str) -> str:
    return checker.check("Bash", {"command": command}).behavior


def test_plain_git_commands_still_run(repo: Path, make_checker: MakeChecker) -> None:
    for command in ("git status", "git log --oneline", "git diff --stat", "cd src && git status"):
        assert check(make_checker(), command) == "allow", command
        assert check(make_checker("plan"), command) == "allow", command


@pytest.mark.parametrize("mode", ["default", "acceptEdits"])
def test_fake_bare_repo_asks(repo: Path, make_checker: MakeChecker, mode: str) -> None:
    fake_bare(repo / "sub")
    assert check(make_checker(mode), "cd sub && git status") == "ask"
    assert check(make_checker(mode), "git -C sub status") == "ask"
    assert check(make_checker(mode, allow=["Bash(git status:*)"]), "cd sub && git status") == "ask"
    assert check(make_checker("plan"), "cd sub && git status") == "deny"


@pytest.mark.parametrize("mode", MODES)
def test_fake_bare_repo_is_refused_under_deny_rules(repo: Path, make_checker: MakeChecker, mode: str) -> None:
    fake_bare(repo / "sub")
    for deny in (["Bash(rm -rf:*)"], ["Read(.env)"]):
        assert check(make_checker(mode, deny=deny), "cd sub && git status") == "deny"
        assert check(make_checker(mode, allow=["Bash"], deny=deny), "cd sub && git status") == "deny"


@pytest.mark.parametrize(
    "config",
    [
        "[core]\n\tfsmonitor = ./hook\n",
        "[core]\n\tpager = sh -c x\n",
        '[diff "x"]\n\ttextconv = sh\n',
        '[filter "lfs"]\n\tclean = sh\n',
        "[core] fsmonitor = ./hook\n",
        "[CORE]\n\tFSMonitor = ./hook\n",
        "[core.x]\n\tcommand = y\n",
        "[diff]\n\texternal = sh\n",
        "[include]\n\tpath = extra\n",
        '[includeIf "gitdir:/"]\n\tpath = extra\n',
        "[mystery]\n\tkey = 1\n",
        "garbage line\n",
    ],
)
def test_unsafe_repo_config_asks(repo: Path, make_checker: MakeChecker, config: str) -> None:
    (repo / ".git" / "extra").write_text("[core]\n\teditor = sh\n")
    with (repo / ".git" / "config").open("a") as f:
        f.write(config)
    assert not repo_safe(str(repo))
    assert check(make_checker(), "git status") == "ask"
    assert check(make_checker("plan"), "git log --oneline") == "deny"


def test_safe_config_keys_pass(repo: Path) -> None:
    with (repo / ".git" / "config").open("a") as f:
        f.write(
            '[remote "origin"]\n\turl = https://x/y\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n'
            '[branch "main"]\n\tremote = origin\n\tmerge = refs/heads/main\n[core]\n\thooksPath = .husky\n'
            "[user]\n\tname = a\n[alias]\n\tst = status\n"
        )
    assert repo_safe(str(repo))


def test_gitfile_to_unsafe_folder(project: Path, make_checker: MakeChecker) -> None:
    fake_bare(project / "store")
    (project / "wt").mkdir()
    (project / "wt" / ".git").write_text("gitdir: ../store\n")
    found = discover(str(project / "wt"))
    assert found is not None and found[1] is not None
    assert check(make_checker(), "cd wt && git status") == "ask"


def test_git_environment_asks(repo: Path, make_checker: MakeChecker, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/tmp/x")
    assert check(make_checker(), "git status") == "ask"
    monkeypatch.delenv("GIT_CONFIG_GLOBAL")
    monkeypatch.setenv("GIT_DIR", str(repo / "sub"))
    assert check(make_checker(), "git status") == "ask"


@pytest.mark.parametrize(
    "command",
    [
        "printf '[core]\\n\\tfsmonitor = touch x\\n' >> .git/config && git status",
        "printf x > sub/config && cd sub && git status",
        "cp evil sub/config && cd sub && git status",
    ],
)
def test_line_that_plants_config_then_runs_git(repo: Path, make_checker: MakeChecker, command: str) -> None:
    (repo / "sub").mkdir()
    assert check(make_checker("acceptEdits"), command) == "ask"
    assert check(make_checker("acceptEdits", allow=["Bash(cp:*)", "Bash(git status:*)"]), command) == "ask"
    assert check(make_checker("bypassPermissions", deny=["Bash(rm -rf:*)"]), command) == "deny"


@pytest.mark.parametrize(
    "path",
    [
        ".GIT/hooks/pre-commit",
        ".Git/config",
        ".LETTA/settings.local.json",
        ".git./config",
        ".g\u200cit/config",
        "GIT~1/config",
        "src/../.git/config",
    ],
)
def test_protected_names_any_spelling(project: Path, make_checker: MakeChecker, path: str) -> None:
    checker = make_checker("acceptEdits")
    assert checker.check("Write", {"file_path": path, "content": "x"}).behavior == "ask"
    assert checker.check("Edit", {"file_path": path, "old_string": "a", "new_string": "b"}).behavior == "ask"
    assert check(checker, f"echo x > '{path}'") == "ask"


def test_protected_through_symlink(project: Path, make_checker: MakeChecker) -> None:
    (project / ".git").mkdir()
    (project / "innocent").symlink_to(project / ".git")
    checker = make_checker("acceptEdits")
    assert checker.check("Write", {"file_path": "innocent/config", "content": "x"}).behavior == "ask"
    assert check(checker, "echo x >> innocent/config") == "ask"


def test_writes_completing_a_bare_repo_are_protected(project: Path, make_checker: MakeChecker) -> None:
    checker = make_checker("acceptEdits")
    sub = project / "sub"
    sub.mkdir()
    assert checker.check("Write", {"file_path": "sub/HEAD", "content": "ref: refs/heads/m"}).behavior == "allow"
    (sub / "HEAD").write_text("ref: refs/heads/main\n")
    assert checker.check("Write", {"file_path": "sub/refs/heads/main", "content": "x"}).behavior == "ask"
    assert checker.check("Write", {"file_path": "sub/objects/x", "content": "x"}).behavior == "ask"
    (sub / "objects").mkdir()
    assert checker.check("Write", {"file_path": "sub/config", "content": "x"}).behavior == "ask"
    assert check(checker, "echo '[core]' > sub/config") == "ask"
    # ordinary folders stay editable
    assert checker.check("Write", {"file_path": "src/config", "content": "x"}).behavior == "allow"


@pytest.mark.parametrize("alias", ["!rm -rf v", "-c core.pager=sh log", "log --output=x"])
def test_aliases_that_run_programs(repo: Path, make_checker: MakeChecker, alias: str) -> None:
    fake_bare(repo / "sub", f"[alias]\n\tx = {alias}\n")
    assert check(make_checker("bypassPermissions", deny=["Bash(rm -rf:*)"]), "cd sub && git x") == "deny"
    with (repo / ".git" / "config").open("a") as f:
        f.write("[alias]\n\tst = status -s\n")
    assert check(make_checker(), "git status") == "allow"


def test_git_dash_c_is_a_cd(repo: Path, make_checker: MakeChecker) -> None:
    assert check(make_checker(), "git -C src status") == "allow"
    assert check(make_checker(), "git -C / status") == "ask"
    assert check(make_checker(), "git -C link-to-home log") == "ask"


@pytest.mark.parametrize(
    "command",
    [
        "GIT_DIR=sub git status",
        "env GIT_DIR=sub git status",
        "GIT_CONFIG_GLOBAL=sub/config git log",
        "pushd sub && git status",
        "cd $D && git status",
    ],
)
def test_git_pointed_elsewhere_by_the_line(repo: Path, make_checker: MakeChecker, command: str) -> None:
    fake_bare(repo / "sub")
    assert check(make_checker("bypassPermissions", deny=["Bash(rm -rf:*)"]), command) == "deny"
    assert (
        check(make_checker("default", allow=["Bash(git status:*)", "Bash(git log:*)", "Bash(pushd:*)"]), command)
        == "ask"
    )


def test_user_config_that_runs_programs(repo: Path, home: Path, make_checker: MakeChecker) -> None:
    (home / ".gitconfig").write_text('[core]\n\tpager = less\n[filter "lfs"]\n\tclean = git-lfs clean -- %f\n')
    assert check(make_checker(), "git status") == "allow"
    (home / ".gitconfig").write_text("[core]\n\tfsmonitor = ./x\n")
    assert check(make_checker(), "git status") == "ask"
    assert check(make_checker("bypassPermissions", deny=["Bash(rm -rf:*)"]), "git status") == "deny"

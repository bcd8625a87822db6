from __future__ import annotations

import pytest

from letta_code.permissions import analyze
from letta_code.permissions.readonly import ReadOnlyInfo, read_only_info


def info(command: str) -> ReadOnlyInfo | None:
    (cmd,) = analyze(command).commands
    return read_only_info(cmd.words, extra_args=cmd.effective.extra_args)


READ_ONLY = [
    "ls",
    "ls -la src",
    "cat src/a.py",
    "head -n 5 a",
    "tail -f log",
    "wc -l a b",
    "pwd",
    "echo hi",
    "echo $HOME",
    "printf '%s' x",
    "which git",
    "type ls",
    "true",
    "env",
    "printenv PATH",
    "grep -rn foo src",
    "rg -n foo",
    "rg --glob '*.py' foo",
    "find . -name '*.py' -type f",
    "git status",
    "git diff --stat",
    "git log --oneline -5",
    "git show HEAD:src/a.py",
    "git --no-pager log",
    "git blame src/a.py",
    "git branch",
    "git branch -a",
    "git remote -v",
    "git tag",
    "git tag -l 'v*'",
    "git stash list",
    "git config --get user.name",
    "git rev-parse HEAD",
    "git ls-files",
    "sort a",
    "uniq -c a",
    "cut -d, -f1 a",
    "date +%s",
    "tree src",
    "tree -L 2",
    "du -sh .",
    "stat a",
    "find -H . -name x",
    "grep -rn x .",
    "file a",
    "diff a b",
    "jq . a.json",
    "xxd a",
    "basename /a/b",
    "dirname /a/b",
    "realpath a",
    "cd src",
    "uname -a",
    "hostname",
    "sha256sum a",
    "xargs echo",
    "command -v git",
    "command -V ls",
]
NOT_READ_ONLY = [
    "rm x",
    "touch x",
    "mkdir x",
    "npm test",
    "python x.py",
    "sed -i s/a/b/ f",
    "sed -n p f",
    "awk '{print}' f",
    "tee f",
    "cp a b",
    "mv a b",
    "chmod +x a",
    "curl x",
    "less a",
    "find . -delete",
    "find . -exec cat {} ;",
    "find . -execdir ls ;",
    "find . -ok rm {} ;",
    "find . -fprint out",
    "sort -o out a",
    "sort -uo out a",
    "sort --output=out a",
    "sort --compress-program=sh a",
    "rg --pre ./x foo",
    "rg --pre=./x foo",
    "tree -o out",
    "date -s 2020-01-01",
    "date --set=2020-01-01",
    "printf -v PATH /tmp",
    "hostname evil",
    "uniq a b",
    "xxd a b",
    "file -C -m x",
    "cat $X",
    "ls $DIR",
    "cat $(echo a)",
    "git push",
    "git commit -m x",
    "git checkout main",
    "git branch -D main",
    "git branch new",
    "git -c core.pager=sh log",
    "git --git-dir=/x log",
    "git config user.name x",
    "git stash",
    "git stash pop",
    "git tag v1",
    "git remote add x y",
    "git diff --output=f",
    "git log --output=f",
    "git diff --ext-diff",
    "git grep -O foo",
    "git grep --open-files-in-pager=vi x",
    "git reset --hard",
    "git $SUB",
    "git",
    "cd -",
    "cd -P /",
    "env FOO=1",
    "sudo ls",
    "xargs cat",
    "xargs grep x",
    "bash",
    "sh x.sh",
    "vi a",
    "make",
    "node -e 1",
]


@pytest.mark.parametrize("command", READ_ONLY)
def test_read_only(command: str) -> None:
    assert info(command) is not None


@pytest.mark.parametrize("command", NOT_READ_ONLY)
def test_not_read_only(command: str) -> None:
    analysis = analyze(command)
    cmds = analysis.commands
    result = [
        read_only_info(c.words, extra_args=c.effective.extra_args) if c.effective.allowable else None for c in cmds
    ]
    assert analysis.problems or any(r is None for r in result), command


def test_paths_are_reported() -> None:
    got = info("grep -rn --file=pats.txt foo src docs")
    assert got is not None
    assert [w.text for w in got.paths] == [".", "foo", "src", "docs", "pats.txt"]
    got = info("cat -- -n")
    assert got is not None
    assert [w.text for w in got.paths] == [".", "-n"]
    echo = info("echo /etc/passwd")
    assert echo is not None and echo.paths == ()
    cd = info("cd src/pkg")
    assert cd is not None and cd.cd_target is not None and cd.cd_target.text == "src/pkg"
    home = info("cd")
    assert home is not None and home.cd_target is not None and home.cd_target.text == "~"

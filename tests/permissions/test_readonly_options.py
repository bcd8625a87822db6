"""Class 3: read-only commands are read-only only with options known to be safe."""

from __future__ import annotations

from pathlib import Path

import pytest

from letta_code.permissions import analyze
from letta_code.permissions.readonly import ReadOnlyInfo, read_only_info
from tests.permissions.conftest import MakeChecker

MODES = ["default", "acceptEdits", "plan", "bypassPermissions"]


def info(command: str) -> ReadOnlyInfo | None:
    (cmd,) = analyze(command).commands
    return read_only_info(cmd.words, extra_args=cmd.effective.extra_args)


# Options that write, run programs, take names from files, or are simply unknown.
NOT_READ_ONLY = [
    "sort -T /tmp a",
    "sort --compress-program=sh a",
    "sort --out=x a",
    "sort -ox a",
    "sort --files0-from=list",
    "grep --dereference-recursive x",
    "grep -R x .",
    "rg -L x",
    "rg --pre=cat x",
    "rg --pre-glob '*' x",
    "rg -z x",
    "rg --hostname-bin=sh x",
    "diff -l a b",
    "diff --paginate a b",
    "tree -o out",
    "tree -R",
    "tree --fromfile x",
    "tree -l",
    "file -f list",
    "file -C",
    "file -z a",
    "jq -f prog.jq",
    "jq --from-file prog.jq .",
    "jq -L lib . a",
    "jq 'import \"x\" as $x; .' a",
    "find . -fprint x",
    "find . -fls x",
    "find . -fprintf x %p",
    "find . -exec cat {} +",
    "find . -execdir ls ;",
    "find . -ok rm {} ;",
    "find . -okdir rm {} ;",
    "find . -delete",
    "find -L .",
    "find . -follow",
    "find . -files0-from list",
    "find . -unknownprimary",
    "du --files0-from=list",
    "du -L .",
    "wc --files0-from=list",
    "ls -L",
    "ls --dereference",
    "xxd a out",
    "xxd -r a",
    "xxd -c16 a",
    "sha256sum -c sums",
    "md5sum --check sums",
    "strings @opts",
    "date -s now",
    "date --set=now",
    "hostname -F file",
    "hostname name",
    "printf -v PATH /x",
    "printf $X",
    "cat --unknown a",
    "head --lin=3 a",
    "cut --output-delimiter",
    "env -i",
    "uniq a out",
    "tail --pid",
    "git -c core.pager=sh log",
    "git --git-dir=x log",
    "git --work-tree=x status",
    "git --exec-path=x status",
    "git --config-env=a=b log",
    "git --bare status",
    "git -p log",
    "git log --output=x",
    "git diff --ext-diff",
    "git diff --textconv",
    "git log --show-signature",
    "git grep -O x",
    "git grep --open-files-in-pager x",
    "git grep --recurse-submodules x",
    "git diff --submodule",
    "git log --stdin",
    "git cat-file --batch",
    "git cat-file --textconv HEAD:a",
    "git cat-file --filters HEAD:a",
    "git diff -Oorder",
    "git config --get -f .env k",
    "git config --file=.env --list",
    "git config --blob=HEAD:.env --list",
    "git help -w log",
    "git help log",
    "git ls-remote",
    "git remote show origin",
    "git fetch",
    "git blame --contents",
    "git -C a -C b status",
    "cat $(x)",
    "grep -f $F x",
]
READ_ONLY = [
    "sort -rn a",
    "sort -k2,2 -t, a",
    "sort -u a b",
    "head -5 a",
    "head -n5 a",
    "tail -f log",
    "tail -n +3 a",
    "grep -rn --include='*.py' foo src",
    "grep -C3 -i x a",
    "grep -e a -e b f",
    "rg -n -g '*.py' foo src",
    "rg --files",
    "rg -uu x",
    "diff -u a b",
    "diff -ru a b",
    "find . -name '*.py' -type f -newer a -print",
    "find . -maxdepth 2 \\( -name a -o -name b \\)",
    "find src -newermt 2020-01-01",
    "du -sh --max-depth=1 .",
    "ls -la --color=auto src",
    "tree -L 2 -I node_modules",
    "file -b --mime-type a",
    "jq -r '.name' package.json",
    "jq --arg x 1 '.a' f.json",
    "wc -l a",
    "cut -d, -f1 a",
    "od -An -tx1 a",
    "xxd -l 64 a",
    "date -u +%Y",
    "date -d yesterday",
    "printf '%s\\n' a",
    "echo -n hi",
    "echo $HOME",
    "uniq -c a",
    "stat -c %s a",
    "cat -n a",
    "nl -ba a",
    "md5sum a",
    "git log --oneline -5",
    "git log --stat",
    "git -C src status",
    "git diff --name-only HEAD~1",
    "git show --stat HEAD",
    "git blame -L 1,5 a",
    "git ls-files -s",
    "git rev-parse --show-toplevel",
    "git config --get user.name",
    "git branch -a",
    "git tag -l",
    "git stash list",
    "git grep -n foo",
    "git status --porcelain",
    "git log -p",
]


@pytest.mark.parametrize("command", NOT_READ_ONLY)
def test_not_read_only(command: str) -> None:
    analysis = analyze(command)
    results = [
        read_only_info(c.words, extra_args=c.effective.extra_args) if c.effective.allowable else None
        for c in analysis.commands
    ]
    assert analysis.problems or any(r is None for r in results), command


@pytest.mark.parametrize("command", READ_ONLY)
def test_read_only(command: str) -> None:
    assert info(command) is not None, command


@pytest.mark.parametrize(
    ("command", "path"),
    [
        ("date -f .env", ".env"),
        ("date --file=.env", ".env"),
        ("date -f.env", ".env"),
        ("grep -f pats x", "pats"),
        ("grep --exclude-from=ex x", "ex"),
        ("rg --ignore-file ig x", "ig"),
        ("diff --from-file=f a", "f"),
        ("diff -X ex a b", "ex"),
        ("jq --rawfile v f.txt .", "f.txt"),
        ("jq --slurpfile v f.json .", "f.json"),
        ("find . -newer ref", "ref"),
        ("du -X ex .", "ex"),
        ("tree --gitfile=g", "g"),
        ("file -m magic a", "magic"),
        ("sort --random-source=r a", "r"),
        ("git blame --contents c a", "c"),
        ("date -r ref", "ref"),
    ],
)
def test_option_values_that_name_read_files_are_paths(command: str, path: str) -> None:
    got = info(command)
    assert got is not None and path in [w.text for w in got.paths], command


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "command",
    [
        "date -f .env",
        "date --file .env",
        "date -f.env",
        "grep -f .env x README.md",
        "sort --random-source=.env README.md",
        "jq --rawfile v .env -n '$v'",
        "diff --from-file=.env README.md",
        "sort -o out --files0-from=.env",
        "cut --bogus -f1 .env",
        "rg --weird-option -f.env x",
    ],
)
def test_file_reading_options_hit_read_deny_rules(make_checker: MakeChecker, mode: str, command: str) -> None:
    for checker in (make_checker(mode, deny=["Read(.env)"]), make_checker(mode, allow=["Bash"], deny=["Read(.env)"])):
        assert checker.check("Bash", {"command": command}).behavior == "deny", (mode, command)


@pytest.mark.parametrize("mode", ["default", "acceptEdits"])
@pytest.mark.parametrize(
    "command",
    [
        "sort -o out README.md",
        "date -s 2020-01-01",
        "xxd README.md out",
        "find . -fprint out",
        "tree -o out",
        "rg --pre ./x foo",
    ],
)
def test_writing_options_ask(make_checker: MakeChecker, project: Path, mode: str, command: str) -> None:
    assert make_checker(mode).check("Bash", {"command": command}).behavior == "ask"
    assert make_checker("plan").check("Bash", {"command": command}).behavior == "deny"


@pytest.mark.parametrize(
    "command",
    ["sort README.md", "cat README.md", "head -3 README.md", "date +%s", "grep -n readme README.md", "wc -l src/a.py"],
)
def test_legitimate_reads_pass(make_checker: MakeChecker, command: str) -> None:
    for mode in ("default", "acceptEdits", "plan"):
        assert make_checker(mode, deny=["Read(.env)"]).check("Bash", {"command": command}).behavior == "allow"


def test_outside_paths_in_option_values_ask(make_checker: MakeChecker, home: Path) -> None:
    assert make_checker().check("Bash", {"command": "date -f ~/.ssh/id_rsa"}).behavior == "ask"
    assert make_checker().check("Bash", {"command": "grep --file=/etc/passwd x README.md"}).behavior == "ask"


def test_ripgrep_config_file_asks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIPGREP_CONFIG_PATH", "/tmp/rgrc")
    assert info("rg foo") is None
    assert info("rg --no-config foo") is not None

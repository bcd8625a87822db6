from __future__ import annotations

import json
from pathlib import Path

import pytest

from letta_code.config.settings import Settings
from letta_code.permissions import Decision, PermissionChecker, PermissionMode, RuleError
from tests.permissions.conftest import MakeChecker

# One call per tool category; {out} is a file outside the project.
CALLS: dict[str, tuple[str, dict[str, str]]] = {
    "read_in": ("Read", {"file_path": "src/a.py"}),
    "read_out": ("Read", {"file_path": "{out}"}),
    "grep_in": ("Grep", {"pattern": "x"}),
    "edit_in": ("Edit", {"file_path": "src/a.py"}),
    "write_in": ("Write", {"file_path": "src/new.py"}),
    "edit_out": ("Write", {"file_path": "{out}"}),
    "notebook_in": ("NotebookEdit", {"notebook_path": "nb.ipynb"}),
    "bash_ro": ("Bash", {"command": "ls -la src && git status"}),
    "bash_ro_out": ("Bash", {"command": "cat {out}"}),
    "bash_rw": ("Bash", {"command": "npm install"}),
    "bash_redirect": ("Bash", {"command": "echo hi > notes.txt"}),
    "bash_bad": ("Bash", {"command": "eval ls"}),
    "exit_plan": ("ExitPlanMode", {"plan": "do it"}),
    "todo": ("TodoWrite", {"todos": "[]"}),
    "bash_output": ("BashOutput", {"bash_id": "1"}),
    "kill_bash": ("KillBash", {"shell_id": "1"}),
    "unknown": ("WebFetch", {"url": "https://example.com"}),
}
EXPECTED = {
    #                 default  acceptEdits plan    bypass   strict
    "read_in": ("allow", "allow", "allow", "allow", "ask"),
    "read_out": ("ask", "ask", "ask", "allow", "ask"),
    "grep_in": ("allow", "allow", "allow", "allow", "ask"),
    "edit_in": ("ask", "allow", "deny", "allow", "ask"),
    "write_in": ("ask", "allow", "deny", "allow", "ask"),
    "edit_out": ("ask", "ask", "deny", "allow", "ask"),
    "notebook_in": ("ask", "allow", "deny", "allow", "ask"),
    "bash_ro": ("allow", "allow", "allow", "allow", "ask"),
    "bash_ro_out": ("ask", "ask", "ask", "allow", "ask"),
    "bash_rw": ("ask", "ask", "deny", "allow", "ask"),
    "bash_redirect": ("ask", "allow", "deny", "allow", "ask"),
    "bash_bad": ("ask", "ask", "deny", "allow", "ask"),
    "exit_plan": ("allow", "allow", "ask", "allow", "allow"),
    "todo": ("allow", "allow", "allow", "allow", "allow"),
    "bash_output": ("allow", "allow", "allow", "allow", "allow"),
    "kill_bash": ("allow", "allow", "allow", "allow", "allow"),
    "unknown": ("ask", "ask", "ask", "allow", "ask"),
}
MODES = ["default", "acceptEdits", "plan", "bypassPermissions", "strict"]


def _call(name: str, tmp_path: Path) -> tuple[str, dict[str, str]]:
    tool, args = CALLS[name]
    out = str(tmp_path / "outside" / "notes.txt")
    return tool, {k: v.format(out=out) for k, v in args.items()}


@pytest.mark.parametrize("mode_index", range(len(MODES)), ids=MODES)
@pytest.mark.parametrize("call", sorted(CALLS))
def test_mode_matrix(project: Path, tmp_path: Path, call: str, mode_index: int) -> None:
    checker = PermissionChecker(MODES[mode_index], cwd=project)
    tool, args = _call(call, tmp_path)
    decision = checker.check(tool, args)
    assert decision.behavior == EXPECTED[call][mode_index], decision


def test_plan_mode_denial_explains_exit_plan_mode(make_checker: MakeChecker) -> None:
    checker = make_checker("plan")
    for tool, args in (("Edit", {"file_path": "src/a.py"}), ("Bash", {"command": "rm x"})):
        decision = checker.check(tool, args)
        assert decision.behavior == "deny"
        assert "Plan mode" in decision.reason and "ExitPlanMode" in decision.reason


def test_plan_mode_denies_edits_even_with_allow_rules(make_checker: MakeChecker) -> None:
    checker = make_checker("plan", allow=["Edit", "Bash(npm test)"])
    assert checker.check("Edit", {"file_path": "src/a.py"}).behavior == "deny"
    assert checker.check("Bash", {"command": "npm test"}).behavior == "deny"


def test_strict_mode_honours_allow_rules(make_checker: MakeChecker) -> None:
    checker = make_checker("strict", allow=["Read(src/**)", "Bash(ls:*)"])
    assert checker.check("Read", {"file_path": "src/a.py"}).behavior == "allow"
    assert checker.check("Read", {"file_path": "README.md"}).behavior == "ask"
    assert checker.check("Bash", {"command": "ls -la"}).behavior == "allow"
    assert checker.check("Bash", {"command": "cat src/a.py"}).behavior == "ask"


def test_accept_edits_protects_git_and_letta(make_checker: MakeChecker) -> None:
    checker = make_checker("acceptEdits")
    for path in (".git/config", ".git/hooks/pre-commit", ".letta/settings.json", "sub/.git/config"):
        assert checker.check("Write", {"file_path": path}).behavior == "ask", path
    assert checker.check("Bash", {"command": "echo x > .git/hooks/post-checkout"}).behavior == "ask"
    assert checker.check("Write", {"file_path": "src/.gitignore"}).behavior == "allow"


def test_mode_can_change_at_run_time(make_checker: MakeChecker) -> None:
    checker = make_checker()
    assert checker.check("Edit", {"file_path": "src/a.py"}).behavior == "ask"
    checker.mode = PermissionMode.ACCEPT_EDITS
    assert checker.check("Edit", {"file_path": "src/a.py"}).behavior == "allow"


def test_additional_dirs_count_as_workspace(project: Path, tmp_path: Path) -> None:
    checker = PermissionChecker("default", cwd=project, additional_dirs=[tmp_path / "outside"])
    assert checker.check("Read", {"file_path": str(tmp_path / "outside" / "notes.txt")}).behavior == "allow"


def test_missing_or_bad_arguments_ask(make_checker: MakeChecker) -> None:
    checker = make_checker("acceptEdits")
    assert checker.check("Edit", {}).behavior == "ask"
    assert checker.check("Write", {"file_path": 3}).behavior == "ask"
    assert checker.check("Bash", {}).behavior == "ask"
    assert checker.check("Bash", {"command": "  "}).behavior == "ask"
    assert checker.check("Bash", None).behavior == "ask"


def test_bad_rules_raise(project: Path) -> None:
    with pytest.raises(RuleError):
        PermissionChecker("default", allow=["Bash(rm x; ls)"], cwd=project)
    with pytest.raises(ValueError):
        PermissionChecker("sometimes", cwd=project)


# -- precedence ---------------------------------------------------------------------------------

PRECEDENCE = [
    # (allow, deny, ask, mode, tool, args, behavior)
    (["Bash(npm test)"], ["Bash(npm test)"], [], "default", "Bash", {"command": "npm test"}, "deny"),
    (["Bash(npm test)"], [], ["Bash(npm test)"], "default", "Bash", {"command": "npm test"}, "ask"),
    ([], ["Bash(npm:*)"], ["Bash(npm test)"], "default", "Bash", {"command": "npm test"}, "deny"),
    (["Bash"], ["Bash(rm:*)"], [], "default", "Bash", {"command": "ls; rm x"}, "deny"),
    (["Bash"], [], ["Bash(git push:*)"], "default", "Bash", {"command": "git push"}, "ask"),
    ([], ["Bash(rm:*)"], [], "bypassPermissions", "Bash", {"command": "rm -rf x"}, "deny"),
    ([], [], ["Bash(rm:*)"], "bypassPermissions", "Bash", {"command": "rm -rf x"}, "ask"),
    ([], ["Bash(rm:*)"], [], "bypassPermissions", "Bash", {"command": "eval 'rm x'"}, "deny"),
    ([], [], [], "bypassPermissions", "Bash", {"command": "eval 'rm x'"}, "allow"),
    ([], ["Read(.env)"], [], "bypassPermissions", "Read", {"file_path": ".env"}, "deny"),
    (["Read(.env)"], ["Read"], [], "default", "Read", {"file_path": ".env"}, "deny"),
    (["Read"], [], ["Read(docs/**)"], "default", "Read", {"file_path": "docs/guide.md"}, "ask"),
    ([], ["Edit(src/pkg/**)"], [], "acceptEdits", "Edit", {"file_path": "src/pkg/b.py"}, "deny"),
    ([], ["Edit(src/pkg/**)"], [], "acceptEdits", "Write", {"file_path": "src/pkg/c.py"}, "deny"),
    ([], ["Edit(src/pkg/**)"], [], "acceptEdits", "Edit", {"file_path": "src/a.py"}, "allow"),
    ([], ["Edit(docs/**)"], [], "bypassPermissions", "Bash", {"command": "echo x > docs/x"}, "deny"),
    ([], ["Read(.env)"], [], "default", "Bash", {"command": "grep TOKEN .env"}, "deny"),
    ([], ["Read(.env)"], [], "default", "Bash", {"command": "sort < .env"}, "deny"),
    ([], ["ExitPlanMode"], [], "plan", "ExitPlanMode", {}, "deny"),
    ([], ["TodoWrite"], [], "default", "TodoWrite", {}, "deny"),
    ([], [], ["WebFetch(domain:example.com)"], "bypassPermissions", "WebFetch", {"url": "https://example.com"}, "ask"),
    (["WebFetch(domain:example.com)"], [], [], "default", "WebFetch", {"url": "https://example.com"}, "allow"),
    (["WebFetch(domain:example.com)"], [], [], "default", "WebFetch", {"url": "https://evil.com"}, "ask"),
    (["mcp__github"], [], [], "default", "mcp__github__list", {}, "allow"),
    (["Edit(docs/**)"], [], [], "default", "Edit", {"file_path": "docs/guide.md"}, "allow"),
    (["Edit(docs/**)"], [], [], "default", "Bash", {"command": "echo x >> docs/guide.md"}, "allow"),
    (["Edit(docs/**)"], [], [], "plan", "Edit", {"file_path": "docs/guide.md"}, "deny"),
]


@pytest.mark.parametrize(("allow", "deny", "ask", "mode", "tool", "args", "behavior"), PRECEDENCE)
def test_precedence(
    make_checker: MakeChecker,
    allow: list[str],
    deny: list[str],
    ask: list[str],
    mode: str,
    tool: str,
    args: dict[str, str],
    behavior: str,
) -> None:
    decision = make_checker(mode, allow=allow, deny=deny, ask=ask).check(tool, args)
    assert decision.behavior == behavior, decision
    if behavior in ("deny", "ask") and (deny or ask) and mode != "plan":
        assert decision.rule is not None or "cannot be checked" in decision.reason


def _write(path: Path, perms: dict[str, list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"permissions": perms}))


@pytest.mark.parametrize(
    ("global_", "project_", "local", "behavior"),
    [
        ({"allow": ["Bash(npm test)"]}, {}, {"deny": ["Bash(npm test)"]}, "deny"),
        ({"deny": ["Bash(npm:*)"]}, {"allow": ["Bash(npm test)"]}, {"allow": ["Bash"]}, "deny"),
        ({}, {"ask": ["Bash(npm test)"]}, {"allow": ["Bash(npm test)"]}, "ask"),
        ({"ask": ["Bash(npm:*)"]}, {}, {"allow": ["Bash(npm test)"]}, "ask"),
        ({"allow": ["Bash(npm test:*)"]}, {}, {}, "allow"),
        ({}, {"allow": ["Bash(npm test)"]}, {}, "allow"),
        ({}, {}, {"allow": ["Bash(npm test)"]}, "allow"),
        ({}, {}, {}, "ask"),
    ],
)
def test_precedence_across_settings_files(
    project: Path,
    home: Path,
    global_: dict[str, list[str]],
    project_: dict[str, list[str]],
    local: dict[str, list[str]],
    behavior: str,
) -> None:
    _write(home / ".letta" / "settings.json", global_)
    _write(project / ".letta" / "settings.json", project_)
    _write(project / ".letta" / "settings.local.json", local)
    rules = Settings.load(project).permission_rules()
    checker = PermissionChecker.from_rules(rules, "default", project)
    assert checker.check("Bash", {"command": "npm test"}).behavior == behavior


def test_session_rules(make_checker: MakeChecker) -> None:
    checker = make_checker(deny=["Bash(rm -rf:*)"])
    assert checker.check("Bash", {"command": "rm x"}).behavior == "ask"
    rule = checker.add_session_rule("Bash(rm:*)")
    assert rule.text == "Bash(rm:*)"
    checker.add_session_rule("Bash(rm:*)")
    assert len(checker.session_rules) == 1
    assert checker.check("Bash", {"command": "rm x"}).behavior == "allow"
    assert checker.check("Bash", {"command": "rm -rf x"}).behavior == "deny"
    with pytest.raises(RuleError):
        checker.add_session_rule("Bash(")


# -- suggestions ----------------------------------------------------------------------------------

SUGGESTIONS = [
    ("Bash", {"command": "rm x"}, ("Bash(rm:*)",)),
    ("Bash", {"command": "git push origin main"}, ("Bash(git push:*)",)),
    ("Bash", {"command": "git diff --cached > /tmp/x.diff"}, ("Edit(//tmp/**)",)),
    ("Bash", {"command": "npm run build -- --prod"}, ("Bash(npm run build:*)",)),
    ("Bash", {"command": "npm install"}, ("Bash(npm install:*)",)),
    ("Bash", {"command": "npm --version"}, ("Bash(npm:*)",)),
    ("Bash", {"command": "python -m pytest -q"}, ("Bash(python -m pytest:*)",)),
    ("Bash", {"command": "python3 script.py"}, ("Bash(python3:*)",)),
    ("Bash", {"command": "sudo apt install jq"}, ("Bash(sudo apt:*)",)),
    ("Bash", {"command": "timeout 60 cargo test --all"}, ("Bash(cargo test:*)",)),
    (
        "Bash",
        {"command": "npm test && mkdir build && touch build/x"},
        ("Bash(npm test:*)", "Bash(mkdir:*)", "Bash(touch:*)"),
    ),
    ("Bash", {"command": "ls /etc"}, ("Read(//etc/**)",)),
    ("Bash", {"command": "cat ~/notes/today.md"}, ("Read(~/notes/**)",)),
    ("Bash", {"command": "echo done > out.txt"}, ("Edit(./out.txt)",)),
    ("Bash", {"command": "./scripts/deploy.sh --dry-run"}, ("Bash(./scripts/deploy.sh:*)",)),
    ("Bash", {"command": "bash -c 'make lint'"}, ("Bash(make lint:*)",)),
    ("Bash", {"command": "X=1 rm x"}, ()),
    ("Bash", {"command": "eval x"}, ()),
    ("Edit", {"file_path": "src/pkg/b.py"}, ("Edit(./src/pkg/**)",)),
    ("Write", {"file_path": "README.md"}, ("Edit(./README.md)",)),
    ("Read", {"file_path": "/etc/hosts"}, ("Read(//etc/**)",)),
    ("Read", {"file_path": "~/.bashrc"}, ("Read(~/.bashrc)",)),
    ("LS", {"path": "/etc"}, ("Read(//etc/**)",)),
    ("WebFetch", {"url": "https://x.org"}, ("WebFetch(domain:x.org)",)),
    ("ExitPlanMode", {}, ()),
]


@pytest.mark.parametrize(("tool", "args", "expected"), SUGGESTIONS)
def test_suggestions(make_checker: MakeChecker, tool: str, args: dict[str, str], expected: tuple[str, ...]) -> None:
    mode = "plan" if tool == "ExitPlanMode" else "default"
    decision: Decision = make_checker(mode).check(tool, args)
    assert decision.behavior == "ask"
    assert decision.suggestions == expected
    assert decision.suggestion == (expected[0] if expected else None)


@pytest.mark.parametrize(("tool", "args", "expected"), [s for s in SUGGESTIONS if s[2] and s[0] != "ExitPlanMode"])
def test_accepting_the_suggestions_allows_the_call(
    make_checker: MakeChecker, tool: str, args: dict[str, str], expected: tuple[str, ...]
) -> None:
    checker = make_checker("default")
    for rule in expected:
        checker.add_session_rule(rule)
    assert checker.check(tool, args).behavior == "allow"


def test_decision_reasons_name_the_blocking_part(make_checker: MakeChecker) -> None:
    decision = make_checker(allow=["Bash(npm test)"]).check("Bash", {"command": "npm test && rm -rf build"})
    assert "rm -rf build" in decision.reason
    assert "npm test`" not in decision.reason
    denied = make_checker(deny=["Bash(rm:*)"]).check("Bash", {"command": "ls && sudo rm -rf /"})
    assert denied.rule == "Bash(rm:*)" and "rm -rf /" in denied.reason


def test_denied_by_helper(make_checker: MakeChecker, project: Path) -> None:
    checker = make_checker(deny=["Read(.env)", "Edit(docs/**)"])
    assert checker.denied_by("Grep", "config/.env") == "Read(.env)"
    assert checker.denied_by("Read", project / ".env") == "Read(.env)"
    assert checker.denied_by("Grep", "src/a.py") is None
    assert checker.denied_by("Write", "docs/guide.md") == "Edit(docs/**)"
    assert checker.denied_by("Read", "docs/guide.md") is None


@pytest.mark.parametrize(
    ("command", "behavior"),
    [
        ("grep -f/etc/shadow src", "ask"),
        ("grep -f./pats src", "allow"),
        ("cat ~-/x", "ask"),
        ("cat ~+/x", "ask"),
        ("cat ~nosuchuser/x", "ask"),
        ("ls ~-", "ask"),
        ("npm test < /dev/null", "allow"),
        ("npm test < src/a.py", "allow"),
        ("npm test < ../outside/notes.txt", "ask"),
        ("cat < /dev/stdin", "allow"),
    ],
)
def test_shell_path_edge_cases(make_checker: MakeChecker, command: str, behavior: str) -> None:
    checker = make_checker(allow=["Bash(npm test:*)"])
    assert checker.check("Bash", {"command": command}).behavior == behavior


def test_cd_is_not_trusted_with_cdpath(make_checker: MakeChecker, monkeypatch: pytest.MonkeyPatch) -> None:
    checker = make_checker()
    assert checker.check("Bash", {"command": "cd src && ls"}).behavior == "allow"
    monkeypatch.setenv("CDPATH", "/")
    assert checker.check("Bash", {"command": "cd src && ls"}).behavior == "ask"


def test_shell_cwd_is_used_for_relative_paths(make_checker: MakeChecker, project: Path, tmp_path: Path) -> None:
    checker = make_checker()
    assert checker.check("Bash", {"command": "cat notes.txt"}).behavior == "allow"
    checker.shell_cwd = tmp_path / "outside"
    assert checker.check("Bash", {"command": "cat notes.txt"}).behavior == "ask"


def test_commands_reading_the_current_folder_ask_when_the_shell_is_outside(
    make_checker: MakeChecker, tmp_path: Path
) -> None:
    checker = make_checker()
    checker.shell_cwd = tmp_path / "outside"
    for command in ("ls", "grep -r x", "find -name y", "git status"):
        assert checker.check("Bash", {"command": command}).behavior == "ask", command
    assert checker.check("Bash", {"command": "echo hi"}).behavior == "allow"


@pytest.mark.parametrize("bad", ["a\x00b", "\ud800x", "src/\udfff"])
def test_unusable_paths_ask_instead_of_crashing(make_checker: MakeChecker, bad: str) -> None:
    checker = make_checker("acceptEdits", deny=["Read(.env)"])
    # Readers are covered by the deny rule: a path that cannot be resolved may be `.env`.
    for tool, key in (("Read", "file_path"), ("LS", "path"), ("Glob", "path")):
        assert checker.check(tool, {key: bad, "pattern": "*"}).behavior == "deny"
    assert checker.check("Edit", {"file_path": bad}).behavior == "ask"
    assert make_checker().check("Read", {"file_path": bad}).behavior == "ask"
    assert checker.check("Glob", {"pattern": bad}).behavior == "deny"
    # A line the analyzer cannot read may match the deny rule, so it is refused outright.
    assert checker.check("Bash", {"command": f"cat '{bad}'"}).behavior == "deny"
    assert checker.check("Bash", {"command": f"cd '{bad}' && ls"}).behavior == "deny"
    assert make_checker().check("Bash", {"command": f"cat '{bad}'"}).behavior == "ask"
    assert checker.denied_by("Read", bad) is None


@pytest.mark.parametrize(
    ("mode", "allow", "deny", "ask", "behavior"),
    [
        ("default", [], [], [], "ask"),  # a tool the checker does not know asks
        ("acceptEdits", [], [], [], "ask"),
        ("plan", [], [], [], "ask"),
        ("bypassPermissions", [], [], [], "allow"),
        ("default", ["mcp__echo__echo"], [], [], "allow"),
        ("default", ["mcp__echo"], [], [], "allow"),
        ("default", ["mcp__echo__*"], [], [], "allow"),
        ("default", ["mcp__other"], [], [], "ask"),
        ("default", ["mcp__echo__add"], [], [], "ask"),
        ("bypassPermissions", [], ["mcp__echo"], [], "deny"),
        ("bypassPermissions", [], ["mcp__echo__echo"], [], "deny"),
        ("default", ["mcp__echo"], ["mcp__echo__echo"], [], "deny"),
        ("bypassPermissions", [], [], ["mcp__echo__*"], "ask"),
        ("strict", [], [], [], "ask"),
    ],
)
def test_mcp_tools_go_through_rules_and_modes(
    make_checker: MakeChecker, mode: str, allow: list[str], deny: list[str], ask: list[str], behavior: str
) -> None:
    decision = make_checker(mode, allow=allow, deny=deny, ask=ask).check("mcp__echo__echo", {"text": "hi"})
    assert decision.behavior == behavior, decision
    if behavior == "ask" and not ask:
        assert decision.suggestion == "mcp__echo__echo"  # what "allow always" saves

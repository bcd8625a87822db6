"""Property: however a denied command or a denied path is spelled (quotes, escapes,
bracket globs, ANSI-C strings, empty strings, parameter defaults), a deny rule refuses
it in every mode. Real bash confirms each generated spelling means the same words, so
the property cannot pass on spellings that are not equivalent."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from letta_code.permissions import PermissionChecker

DENY = ["Bash(rm -rf:*)", "Read(.env)"]


def spell_char(c: str, how: str, first: bool) -> str:
    if how == "backslash":
        return "\\" + c
    if how == "single":
        return f"'{c}'"
    if how == "double":
        return f'"{c}"' if c not in '"$`\\' else c
    if how == "bracket" and c not in "/" and not (first and c == "."):
        return f"[{c}]"
    if how == "ansi":
        return f"$'\\x{ord(c):02x}'"
    if how == "empty":
        return "''" + c
    if how == "default":
        return "${UNSET_VAR_FOR_TEST:-" + c + "}"
    return c


SPELLINGS = st.sampled_from(["plain", "plain", "backslash", "single", "double", "bracket", "ansi", "empty", "default"])


@st.composite
def spelled(draw: st.DrawFn, word: str) -> str:
    return "".join(spell_char(c, draw(SPELLINGS), i == 0) for i, c in enumerate(word))


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("proj")
    (root / ".env").write_text("TOKEN=secret\n")
    (root / "v").mkdir()
    return root


def bash_words(line: str, cwd: Path) -> list[str]:
    proc = subprocess.run(["bash", "-c", f"printf '%s\\0' {line}"], cwd=cwd, capture_output=True, text=True, timeout=10)
    return [w for w in proc.stdout.split("\0") if w] if proc.returncode == 0 else []


def checkers(root: Path) -> list[PermissionChecker]:
    made = [PermissionChecker(m, deny=DENY, cwd=root) for m in ("default", "acceptEdits", "plan", "bypassPermissions")]
    made.append(PermissionChecker("default", allow=["Bash"], deny=DENY, cwd=root))
    return made


PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@PROPERTY
@given(data=st.data())
def test_spellings_of_a_denied_command_are_denied(root: Path, data: st.DataObject) -> None:
    program = data.draw(st.sampled_from(["rm", "/bin/rm", "/usr/bin/rm"]))
    words = [data.draw(spelled(program)), data.draw(spelled("-rf")), "v"]
    line = " ".join(words)
    assume(bash_words(line, root) == [program, "-rf", "v"])
    for checker in checkers(root):
        decision = checker.check("Bash", {"command": line})
        assert decision.behavior == "deny", (checker.mode, line, decision)


@PROPERTY
@given(data=st.data())
def test_spellings_of_a_denied_path_are_denied(root: Path, data: st.DataObject) -> None:
    reader = data.draw(st.sampled_from(["cat", "head -n 5", "base64", "cp", "grep TOKEN", "sort"]))
    prefix = data.draw(st.sampled_from(["", "./", "v/../", f"{root}/"]))
    path = data.draw(spelled(".env"))
    line = f"{reader} {prefix}{path}"
    assume(bash_words(f"{prefix}{path}", root) == [f"{prefix}.env"])
    for checker in checkers(root):
        decision = checker.check("Bash", {"command": line})
        assert decision.behavior == "deny", (checker.mode, line, decision)

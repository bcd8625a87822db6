from __future__ import annotations

import subprocess
import sys

import pytest

from letta_code.permissions import analyze


def effective(command: str) -> list[list[str]]:
    return [[w.text for w in c.words] for c in analyze(command).commands]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("ls", [["ls"]]),
        ("npm test; rm -rf x", [["npm", "test"], ["rm", "-rf", "x"]]),
        ("a && b || c", [["a"], ["b"], ["c"]]),
        ("a | b |& c", [["a"], ["b"], ["c"]]),
        ("a & b", [["a"], ["b"]]),
        ("a\nb\n\nc", [["a"], ["b"], ["c"]]),
        ("(a; b)", [["a"], ["b"]]),
        ("{ a; b; }", [["a"], ["b"]]),
        ("! a", [["a"]]),
        ("echo $(rm x)", [["rm", "x"], ["echo", "$(rm x)"]]),
        ("echo `rm x`", [["rm", "x"], ["echo", "`rm x`"]]),
        ('echo "a $(rm x) b"', [["rm", "x"], ["echo", '"a $(rm x) b"']]),
        ("diff <(ls a) <(ls b)", [["ls", "a"], ["ls", "b"], ["diff", "<(ls a)", "<(ls b)"]]),
        ("tee >(wc -l)", [["wc", "-l"], ["tee", ">(wc -l)"]]),
        ("'npm' test", [["npm", "test"]]),
        ('"npm" "test"', [["npm", "test"]]),
        ('npm" "test', [["npm test"]]),
        ("n\\pm te's't", [["npm", "test"]]),
        ("npm \\\ntest", [["npm", "test"]]),
        ('echo "a\\"b" \'c"d\'', [["echo", 'a"b', 'c"d']]),
        ("echo a\\;b", [["echo", "a;b"]]),
        ("env X=1 rm x", [["rm", "x"]]),
        ("X=1 Y=2 rm x", [["rm", "x"]]),
        ("timeout -s KILL 5 nice -n 5 nohup rm x", [["rm", "x"]]),
        ("time -p command exec builtin rm x", [["rm", "x"]]),
        ("sudo -u root -E rm x", [["rm", "x"]]),
        ("xargs -0 -n1 rm -f", [["rm", "-f"]]),
        ("bash -c 'rm x; ls'", [["rm", "x"], ["ls"]]),
        ("sh -c 'echo $(rm x)'", [["rm", "x"], ["echo", "$(rm x)"]]),
        ("bash -lc 'bash -c \"rm x\"'", [["rm", "x"]]),
        ("find . -name x -exec rm {} \\;", [["find", ".", "-name", "x", "-exec", "rm", "{}", ";"], ["rm", "{}"]]),
        ("npm test 2>&1 > /dev/null", [["npm", "test"]]),
        ("npm test # rm x", [["npm", "test"]]),
        ("cat <<'EOF'\n$(rm x)\nEOF", [["cat"]]),
        ("env", [["env"]]),
        ("command -v git", [["command", "-v", "git"]]),
    ],
)
def test_simple_commands(command: str, expected: list[list[str]]) -> None:
    analysis = analyze(command)
    assert analysis.problems == ()
    assert effective(command) == expected


def test_wrapper_forms_and_transparency() -> None:
    (cmd,) = analyze("sudo env NODE_ENV=x timeout 5 npm test").commands
    assert [f.text() for f in cmd.forms] == [
        "sudo env NODE_ENV=x timeout 5 npm test",
        "env NODE_ENV=x timeout 5 npm test",
        "timeout 5 npm test",
        "npm test",
    ]
    assert [f.allowable for f in cmd.forms] == [True, False, False, False]
    (cmd,) = analyze("NODE_ENV=test timeout 5 npm test").commands
    assert all(f.allowable for f in cmd.forms)
    (cmd,) = analyze("LD_PRELOAD=/tmp/x.so npm test").commands
    assert not any(f.allowable for f in cmd.forms)
    (cmd,) = analyze("xargs npm test").commands
    assert cmd.effective.extra_args


def test_xargs_replacement_makes_words_opaque() -> None:
    (cmd,) = analyze("xargs -I X npm X").commands
    assert [w.kind for w in cmd.words] == ["literal", "opaque"]


def test_word_kinds() -> None:
    (cmd,) = analyze("ls *.py 'a*' $HOME ~/x {a,b} \\* a{b,c}d {1..3} x{y}").commands
    assert [(w.text, w.kind) for w in cmd.words] == [
        ("ls", "literal"),
        ("*.py", "glob"),
        ("a*", "literal"),
        ("$HOME", "opaque"),
        ("~/x", "literal"),
        ("{a,b}", "opaque"),
        ("*", "literal"),
        ("a{b,c}d", "opaque"),
        ("{1..3}", "opaque"),
        ("x{y}", "literal"),
    ]


@pytest.mark.parametrize(
    ("command", "writes", "reads"),
    [
        ("npm test > out.txt", ["out.txt"], []),
        ("npm test >> log 2> err", ["log", "err"], []),
        ("npm test &> all", ["all"], []),
        ("npm test >| f", ["f"], []),
        ("sort < in.txt", [], ["in.txt"]),
        ("npm test 2>&1 >/dev/null 2>/dev/stderr", [], []),
        ("cat <<EOF > f\nx\nEOF", ["f"], []),
        ("echo $(cat a > b)", ["b"], []),
        ("bash -c 'echo x > y'", ["y"], []),
        ("> truncated", ["truncated"], []),
    ],
)
def test_redirections(command: str, writes: list[str], reads: list[str]) -> None:
    analysis = analyze(command)
    assert analysis.problems == ()
    assert [w.text for w in analysis.writes] == writes
    assert [w.text for w in analysis.reads] == reads


@pytest.mark.parametrize(
    "command",
    [
        "",
        "   ",
        "eval ls",
        "eval 'rm x'",
        "builtin eval ls",
        "trap 'rm x' EXIT",
        "alias ls='rm -rf ~'",
        "$CMD",
        "${CMD} x",
        "$(echo rm) x",
        "`echo rm` x",
        '"$X" test',
        "$'rm' x",
        "x=1",
        "export A=1",
        "declare -x A=1",
        "local A=1",
        "unset PATH",
        "f() { ls; }",
        "function f { ls; }",
        "if true; then ls; fi",
        "for i in a; do ls; done",
        "while true; do ls; done",
        "until false; do ls; done",
        "case x in x) ls;; esac",
        "[[ -f x ]]",
        "(( x = 1 ))",
        "echo $((1 + 2))",
        "echo ${x@P}",
        "echo ${!ref}",
        "echo ${X:-default}",
        "echo ${#X}",
        "cat <<EOF\n$(rm x)\nEOF",
        "cat <<EOF\n`rm x`\nEOF",
        "cat <<EOF\n${X:-y}\nEOF",
        "echo \\$(x)",
        "a ;& b",
        "a 3<>f",
        "{rm,x}",
        "echo x\rrm y",
        "echo x\x00; rm y",
        "echo \x1b[2K",
        "ls\u200b -la",
        "ls \u202e-la",
        "ls\u2028rm x",
        "env -S 'rm x' ls",
        "env -C / ls",
        "sudo -s ls",
        "sudo --login ls",
        "timeout $T ls",
        "xargs -a file rm",
        "bash -O extglob -c ls",
        "bash -c",
        'bash -c "$X"',
        "/usr/bin/time -o out ls",
        "echo `ls \\`pwd\\``",
        'echo $"hi"',
    ],
)
def test_unparseable(command: str) -> None:
    assert analyze(command).problems, command


def test_commands_inside_unsupported_constructs_are_still_seen() -> None:
    for command in (
        'sh -c "echo $(rm x)"',
        "if true; then rm x; fi",
        "for i in 1; do rm x; done",
        "f() { rm x; }",
        "X=$(rm x)",
    ):
        analysis = analyze(command)
        assert analysis.problems
        assert ["rm", "x"] in effective(command), command


def test_deep_nesting_is_a_problem_not_a_crash() -> None:
    deep = "echo " + "$(" * 50 + "x" + ")" * 50
    assert analyze(deep).problems
    long_list = " && ".join(["ls"] * 3000)
    analysis = analyze(long_list)
    assert analysis.problems or len(analysis.commands) == 3000


def test_analysis_is_cached() -> None:
    assert analyze("ls -la") is analyze("ls -la")


def test_importing_the_package_does_not_import_tree_sitter() -> None:
    code = (
        "import sys, letta_code.permissions as p\n"
        "assert 'tree_sitter' not in sys.modules, 'eager import'\n"
        "c = p.PermissionChecker('default', cwd='.')\n"
        "c.check('Read', {'file_path': 'x'})\n"
        "assert 'tree_sitter' not in sys.modules, 'imported for Read'\n"
        "c.check('Bash', {'command': 'ls'})\n"
        "assert 'tree_sitter' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_non_ascii_input_cannot_crash_the_parser() -> None:
    # tree-sitter-bash 0.25.1 segfaults on `{` + a large code point (upstream issue #337);
    # the parser must only ever see ASCII. Run in a child so a regression cannot kill pytest.
    code = (
        "from letta_code.permissions.shell import _analyze\n"
        "for s in ['{\\U00031860', 'a{\\U000a27c0f', '\\u00c9{\\U000a27c0f', 'echo {\\U0001F600}']:\n"
        "    for _ in range(300):\n"
        "        _analyze(s, 0)\n"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_non_ascii_words_keep_their_values() -> None:
    assert effective("echo h\u00e9llo 'w\u00f6rld' \"\U0001f600\"") == [
        ["echo", "h\u00e9llo", "w\u00f6rld", "\U0001f600"]
    ]
    assert effective("\uff4epm test") == [["\uff4epm", "test"]]
    assert effective("echo \u4e00; ls") == [["echo", "\u4e00"], ["ls"]]
    assert effective("cat <<'\u00e9'\nhi\n\u00e9\nls") == [["cat"], ["ls"]]
    # Non-ASCII characters all look alike to the parser, so a here-document may seem to
    # end early: the parse then sees *more* commands than bash runs, never fewer.
    assert effective("cat <<'\u00e9'\nx\n\u00e9\nls") == [["cat"], ["\u00e9"], ["ls"]]

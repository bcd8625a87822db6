from __future__ import annotations

import pytest

from letta_code.permissions import RuleError, parse_rule, split_rule_list
from letta_code.permissions.words import CommandForm, Word, lit, match_words


@pytest.mark.parametrize(
    ("text", "tool", "kind", "words"),
    [
        ("Bash", "Bash", "tool", ()),
        ("Bash(*)", "Bash", "tool", ()),
        ("Bash(npm test)", "Bash", "exact", ("npm", "test")),
        ("Bash(npm run test:*)", "Bash", "prefix", ("npm", "run", "test")),
        ("Bash(npm run test *)", "Bash", "prefix", ("npm", "run", "test")),
        ("Bash(git commit -m 'a b')", "Bash", "exact", ("git", "commit", "-m", "a b")),
        ("  Bash(ls:*)  ", "Bash", "prefix", ("ls",)),
        ("Read", "Read", "tool", ()),
        ("Read(src/**)", "Read", "path", ()),
        ("Edit(./docs/*.md)", "Edit", "path", ()),
        ("Write(//tmp/x)", "Write", "path", ()),
        ("Grep(~/notes/**)", "Grep", "path", ()),
        ("WebFetch(domain:example.com)", "WebFetch", "generic", ()),
        ("mcp__github", "mcp__github", "tool", ()),
        ("TodoWrite", "TodoWrite", "tool", ()),
    ],
)
def test_parse_rule(text: str, tool: str, kind: str, words: tuple[str, ...]) -> None:
    rule = parse_rule(text)
    assert (rule.tool, rule.kind, rule.words) == (tool, kind, words)
    assert rule.text == text.strip()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("Bash(", "Tool(specifier)"),
        ("Bash()", "empty specifier"),
        ("(ls)", "Tool(specifier)"),
        ("Bash(npm test; rm x)", "one simple command"),
        ("Bash(npm test && rm x)", "one simple command"),
        ("Bash(a | b)", "one simple command"),
        ("Bash(git * main)", "only supported at the end"),
        ("Bash(echo 'unclosed)", "No closing quotation"),
        ("bash(ls)", "did you mean 'Bash'"),
        ("read(src/**)", "did you mean 'Read'"),
        ("Read(../secrets)", "'..' is not allowed"),
        ("Read(~bob/x)", "~user"),
        ("TodoWrite(x)", "takes no specifier"),
        ("Bad Tool", "not a tool name"),
        ("1Tool", "not a tool name"),
    ],
)
def test_bad_rules_raise_clear_errors(text: str, fragment: str) -> None:
    with pytest.raises(RuleError) as info:
        parse_rule(text)
    assert fragment in str(info.value)
    if text.strip():
        assert repr(text)[1:-1] in str(info.value) or text in str(info.value)


def test_rule_error_is_a_value_error() -> None:
    assert issubclass(RuleError, ValueError)


@pytest.mark.parametrize(
    ("rule", "tool", "covered"),
    [
        ("Edit(src/**)", "Edit", True),
        ("Edit(src/**)", "Write", True),
        ("Edit(src/**)", "MultiEdit", True),
        ("Edit(src/**)", "NotebookEdit", True),
        ("Edit(src/**)", "Read", False),
        ("Write(src/**)", "Edit", False),
        ("Read(src/**)", "Grep", True),
        ("Read(src/**)", "Glob", True),
        ("Read(src/**)", "LS", True),
        ("Read(src/**)", "Edit", False),
        ("Grep(src/**)", "Read", False),
        ("Bash(ls)", "Bash", True),
        ("mcp__github", "mcp__github__create_issue", True),
        ("mcp__github", "mcp__gitlab__x", False),
        ("mcp__github__create_issue", "mcp__github__delete", False),
    ],
)
def test_rule_families(rule: str, tool: str, covered: bool) -> None:
    assert parse_rule(rule).covers_tool(tool) is covered


@pytest.mark.parametrize(
    ("rule", "args", "matches"),
    [
        ("WebFetch(domain:example.com)", {"url": "https://example.com/a"}, True),
        ("WebFetch(domain:example.com)", {"url": "https://docs.example.com/a"}, True),
        ("WebFetch(domain:example.com)", {"url": "https://example.com.evil.net/"}, False),
        ("WebFetch(domain:example.com)", {"url": "https://notexample.com/"}, False),
        ("WebSearch(python *)", {"query": "python docs"}, True),
        ("WebSearch(python *)", {"query": "rust docs"}, False),
    ],
)
def test_generic_rules(rule: str, args: dict[str, str], matches: bool) -> None:
    assert parse_rule(rule).matches_generic(args) is matches


@pytest.mark.parametrize(
    ("text", "rules"),
    [
        ("Bash,Read", ["Bash", "Read"]),
        ("Bash(git diff:*),Read Edit", ["Bash(git diff:*)", "Read", "Edit"]),
        ("Bash(npm run test:*), Bash(git commit -m x)", ["Bash(npm run test:*)", "Bash(git commit -m x)"]),
        ("", []),
    ],
)
def test_split_rule_list(text: str, rules: list[str]) -> None:
    assert split_rule_list(text) == rules


def test_split_rule_list_unbalanced() -> None:
    with pytest.raises(RuleError):
        split_rule_list("Bash(ls")


OPAQUE = Word("$X", "opaque")
GLOB = Word("*.py", "glob")


@pytest.mark.parametrize(
    ("rule_words", "prefix", "form", "narrow", "broad"),
    [
        (("npm", "test"), False, CommandForm(lit("npm", "test")), True, True),
        (("npm", "test"), False, CommandForm(lit("npm", "test", "x")), False, False),
        (("npm", "test"), True, CommandForm(lit("npm", "test", "x")), True, True),
        (("npm", "test"), True, CommandForm(lit("npm", "test")), True, True),
        (("npm", "test"), True, CommandForm(lit("npm", "test:unit")), False, False),
        (("npm", "test"), True, CommandForm(lit("npm")), False, False),
        (("npm", "test"), True, CommandForm((Word("npm"), OPAQUE)), False, True),
        (("npm", "test"), False, CommandForm((Word("npm"), Word("test"), OPAQUE)), False, False),
        (("npm", "test"), True, CommandForm((Word("npm"), Word("test"), OPAQUE)), True, True),
        (("rm", "-rf"), True, CommandForm((Word("rm"), GLOB)), False, False),
        (("rm", "a.py"), True, CommandForm((Word("rm"), GLOB)), False, True),
        (("rm", "-rf"), True, CommandForm(lit("rm"), extra_args=True), False, True),
        (("npm", "test"), False, CommandForm(lit("npm", "test"), extra_args=True), False, True),
        (("npm",), True, CommandForm((OPAQUE, Word("npm"))), False, False),
    ],
)
def test_match_words(rule_words: tuple[str, ...], prefix: bool, form: CommandForm, narrow: bool, broad: bool) -> None:
    assert match_words(rule_words, form, prefix=prefix, broad=False) is narrow
    assert match_words(rule_words, form, prefix=prefix, broad=True) is broad


@pytest.mark.parametrize(
    ("text", "tool", "covered", "not_covered"),
    [
        ("mcp__github", "mcp__github", "mcp__github__create_issue", "mcp__gitlab__create_issue"),
        ("mcp__github__*", "mcp__github", "mcp__github__list", "mcp__githubx__list"),
        ("mcp__github__create_issue", "mcp__github__create_issue", "mcp__github__create_issue", "mcp__github__list"),
        ("mcp__my-server_2__do_it", "mcp__my-server_2__do_it", "mcp__my-server_2__do_it", "mcp__my-server_2__other"),
    ],
)
def test_mcp_rules_name_a_server_or_one_tool(text: str, tool: str, covered: str, not_covered: str) -> None:
    rule = parse_rule(text)
    assert (rule.tool, rule.kind, rule.text) == (tool, "tool", text)
    assert rule.covers_tool(covered) and not rule.covers_tool(not_covered)


@pytest.mark.parametrize("text", ["mcp__", "mcp____x", "mcp__server__", "mcp__a__b*"])
def test_an_mcp_rule_without_a_server_is_refused(text: str) -> None:
    with pytest.raises(RuleError, match="mcp__<server>"):
        parse_rule(text)

"""WebFetch and WebSearch under the permission rules and modes: domain rules match the
URL's host, deny rules win, the web tools ask by default (in plan mode too), and
"allow always" proposes the one host."""

from __future__ import annotations

import pytest

from letta_code.permissions import RuleError, parse_rule
from tests.permissions.conftest import MakeChecker


def fetch(url: str) -> dict[str, str]:
    return {"url": url, "prompt": "docs"}


@pytest.mark.parametrize(
    ("mode", "tool", "behavior"),
    [
        ("default", "WebFetch", "ask"),
        ("default", "WebSearch", "ask"),
        ("acceptEdits", "WebFetch", "ask"),
        ("plan", "WebFetch", "ask"),
        ("plan", "WebSearch", "ask"),
        ("strict", "WebFetch", "ask"),
        ("bypassPermissions", "WebFetch", "allow"),
        ("bypassPermissions", "WebSearch", "allow"),
    ],
)
def test_the_web_tools_ask_unless_the_mode_allows_everything(
    make_checker: MakeChecker, mode: str, tool: str, behavior: str
) -> None:
    args = fetch("https://docs.python.org/3/") if tool == "WebFetch" else {"query": "python"}
    assert make_checker(mode).check(tool, args).behavior == behavior


def test_the_question_names_the_host_and_proposes_a_rule_for_it(make_checker: MakeChecker) -> None:
    decision = make_checker().check("WebFetch", fetch("https://docs.python.org/3/library/"))
    assert decision.reason == "WebFetch reaches docs.python.org over the network"
    assert decision.suggestions == ("WebFetch(domain:docs.python.org)",)
    search = make_checker().check("WebSearch", {"query": "python"})
    assert search.suggestions == ("WebSearch",)


@pytest.mark.parametrize(
    ("rule", "url", "behavior"),
    [
        ("WebFetch(domain:example.com)", "https://example.com/a", "allow"),
        ("WebFetch(domain:example.com)", "https://docs.example.com/a", "allow"),
        ("WebFetch(domain:example.com)", "https://EXAMPLE.com./a", "allow"),
        ("WebFetch(domain:example.com)", "https://example.com.evil.net/", "ask"),
        ("WebFetch(domain:example.com)", "https://example.com@evil.net/", "ask"),
        ("WebFetch(domain:*.example.com)", "https://docs.example.com/", "allow"),
        ("WebFetch(domain:*.example.com)", "https://example.com/", "ask"),
        ("WebFetch(domain:127.0.0.1)", "http://127.0.0.1:8123/x", "allow"),
        ("WebFetch", "https://anything.org/", "allow"),
    ],
)
def test_allow_rules_match_the_urls_host(make_checker: MakeChecker, rule: str, url: str, behavior: str) -> None:
    assert make_checker(allow=[rule]).check("WebFetch", fetch(url)).behavior == behavior


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.com/x",
        "https://EVIL.COM/x",
        "https://evil.com./x",
        "https://cdn.evil.com/x",
        "https://evil.com:8443/x",
        "https://user@evil.com/x",
        "evil.com/x",  # no scheme: no host to match, so the deny rule applies
        "",
    ],
)
def test_a_deny_rule_wins_whatever_the_spelling_and_the_mode(make_checker: MakeChecker, url: str) -> None:
    for mode in ("default", "bypassPermissions", "plan"):
        checker = make_checker(mode, allow=["WebFetch"], deny=["WebFetch(domain:evil.com)"])
        assert checker.check("WebFetch", fetch(url)).behavior == "deny", (mode, url)


def test_a_deny_rule_for_one_domain_leaves_others_to_the_allow_rules(make_checker: MakeChecker) -> None:
    checker = make_checker(allow=["WebFetch(domain:good.org)"], deny=["WebFetch(domain:evil.com)"])
    assert checker.check("WebFetch", fetch("https://good.org/")).behavior == "allow"
    assert checker.check("WebFetch", fetch("https://other.org/")).behavior == "ask"


def test_a_url_without_a_host_asks_and_says_why(make_checker: MakeChecker) -> None:
    decision = make_checker().check("WebFetch", fetch("not a url"))
    assert decision.behavior == "ask" and decision.reason == "cannot tell which host WebFetch would reach"


def test_websearch_rules(make_checker: MakeChecker) -> None:
    assert make_checker(allow=["WebSearch"]).check("WebSearch", {"query": "x"}).behavior == "allow"
    assert make_checker(deny=["WebSearch"], mode="bypassPermissions").check("WebSearch", {"query": "x"}).behavior == (
        "deny"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("WebFetch(https://example.com/*)", "a WebFetch rule names a domain, as in 'WebFetch(domain:example.com)'"),
        ("WebFetch(domain:)", "a WebFetch rule names a domain"),
        ("WebFetch(domain:exa mple.com)", "a WebFetch rule names a domain"),
        ("webfetch(domain:example.com)", "did you mean 'WebFetch'?"),
    ],
)
def test_bad_webfetch_rules_are_refused(text: str, message: str) -> None:
    with pytest.raises(RuleError) as err:
        parse_rule(text)
    assert message in str(err.value)


def test_a_webfetch_rule_parses() -> None:
    rule = parse_rule("WebFetch(domain:docs.python.org)")
    assert (rule.tool, rule.kind, rule.specifier) == ("WebFetch", "generic", "domain:docs.python.org")


@pytest.mark.parametrize(
    ("deny", "url"),
    [
        ("WebFetch(domain:127.0.0.1)", "http://127.1/"),
        ("WebFetch(domain:127.0.0.1)", "http://2130706433/"),
        ("WebFetch(domain:127.0.0.1)", "http://0x7f.0.0.1/"),
        ("WebFetch(domain:[::1])", "http://[0:0::1]/"),
        ("WebFetch(domain:faß.de)", "https://xn--fa-hia.de/"),
        ("WebFetch(domain:xn--fa-hia.de)", "https://faß.de/"),
    ],
)
def test_no_other_spelling_of_a_denied_host_gets_past_the_rule(make_checker: MakeChecker, deny: str, url: str) -> None:
    # Even with every other check off: another spelling of an address, or the same name in IDNA.
    assert make_checker("bypassPermissions", deny=[deny]).check("WebFetch", fetch(url)).behavior == "deny"


@pytest.mark.parametrize("rule", ["WebFetch(domain:*)", "WebFetch(domain:*.*)", "WebFetch(domain:example.com:443)"])
def test_a_domain_rule_that_could_match_nothing_is_refused(rule: str) -> None:
    with pytest.raises(RuleError, match="names a domain"):
        parse_rule(rule)

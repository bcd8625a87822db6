"""Glob-to-regex translation and ripgrep-style --glob overrides."""

from __future__ import annotations

import pytest

from letta_code.tools.globs import GlobFilter, compile_glob, split_patterns


@pytest.mark.parametrize(
    ("pattern", "matches", "misses"),
    [
        ("*.py", ["a.py", ".py"], ["src/a.py", "a.pyc"]),
        ("**/*.py", ["a.py", "src/a.py", "a/b/c.py"], ["a.pyi", "src/a.txt"]),
        ("src/**", ["src/a", "src/a/b.c"], ["src", "lib/src/a"]),
        ("a/**/b", ["a/b", "a/x/b", "a/x/y/b"], ["a/xb", "b"]),
        ("?.txt", ["a.txt"], ["ab.txt", "/.txt"]),
        ("[ab].c", ["a.c", "b.c"], ["c.c"]),
        ("[!ab].c", ["c.c"], ["a.c", "/.c"]),
        ("*.{ts,tsx}", ["a.ts", "a.tsx"], ["a.t", "a.js"]),
        ("{src,lib}/**/*.{c,h}", ["src/x.c", "lib/a/b.h"], ["doc/x.c"]),
        ("a+b(1).txt", ["a+b(1).txt"], ["aab1.txt"]),
        (r"\*.md", ["*.md"], ["x.md"]),
        ("[unclosed", ["[unclosed"], ["u"]),
    ],
)
def test_translate(pattern: str, matches: list[str], misses: list[str]) -> None:
    rx = compile_glob(pattern)
    assert [m for m in matches if rx.fullmatch(m)] == matches
    assert [m for m in misses if rx.fullmatch(m)] == []


def test_split_patterns_keeps_braces() -> None:
    assert split_patterns("*.py, *.{ts,tsx} src/**") == ["*.py", "*.{ts,tsx}", "src/**"]


def test_glob_filter_precedence() -> None:
    gf = GlobFilter(["*.py", "!test_*.py", "src/"])
    assert gf.decide("a/b.py", False) is True
    assert gf.decide("a/test_b.py", False) is False
    assert gf.decide("a/b.txt", False) is False  # positive globs exist, none matched
    assert gf.decide("lib", True) is None  # directories are left to the ignore files
    assert gf.decide("src", True) is True  # a dir-only glob whitelists the directory
    assert gf.decide("src", False) is False
    assert GlobFilter(["!*.log"]).decide("x.txt", False) is None

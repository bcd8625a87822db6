"""Quote removal for the words tree-sitter hands us, and characters we refuse to read.

tree-sitter tells where words start and end; these helpers compute their values
the way bash would, keeping track of which characters were quoted (a quoted `*`
is a plain star, an unquoted one a glob), and flag anything bash would read
differently from the parse (an unescaped `$` or `;` inside a "word", control
characters, bidi overrides).
"""

from __future__ import annotations

import unicodedata


def hidden_characters(command: str) -> str | None:
    """Why `command` cannot be shown to a user as is (control, format or bidi characters)."""
    for ch in command:
        if ch in "\t\n":
            continue
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            return f"contains the invisible or control character U+{ord(ch):04X}"
    return None


Chars = list[tuple[str, bool]]
"""A word after quote removal, character by character: (character, was it quoted)."""


def unquote_chars(raw: str) -> tuple[Chars | None, str | None]:
    """Quote removal for an unquoted word piece: (characters, problem).

    A backslash quotes the next character. Characters bash would read as syntax
    inside what tree-sitter called a word (`$`, backticks, quotes, operators,
    blanks) make the word unreadable: (None, problem).
    """
    if raw.startswith("#"):
        return None, "a word starts with '#'"
    out: Chars = []
    i, n = 0, len(raw)
    while i < n:
        c = raw[i]
        if c == "\\":
            if i + 1 < n:
                if raw[i + 1] != "\n":
                    out.append((raw[i + 1], True))
                i += 2
                continue
            out.append((c, True))
        elif c in "$`'\";&|<>()" or c.isspace():
            return None, f"cannot read the word {raw!r}"
        else:
            out.append((c, False))
        i += 1
    return out, None


def unescape_double_quoted(raw: str) -> str | None:
    """The value of the inside of "..."; None when it holds an expansion we did not parse."""
    out: list[str] = []
    i, n = 0, len(raw)
    while i < n:
        c = raw[i]
        if c == "\\" and i + 1 < n and raw[i + 1] in '$`"\\\n':
            if raw[i + 1] != "\n":
                out.append(raw[i + 1])
            i += 2
            continue
        if c in "$`":
            return None
        out.append(c)
        i += 1
    return "".join(out)

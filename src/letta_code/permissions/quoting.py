"""Quote removal for the words tree-sitter hands us, and characters we refuse to read.

tree-sitter tells where words start and end; these helpers compute their values
the way bash would, and flag anything bash would read differently from the parse
(an unescaped `$` or `;` inside a "word", control characters, bidi overrides).
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


def unquote_word(raw: str) -> tuple[str, str, str | None]:
    """Quote removal for an unquoted word: (value, kind, problem)."""
    out: list[str] = []
    kind = "literal"
    brace_open = False
    brace_list = False
    i, n = 0, len(raw)
    if raw.startswith("#"):
        return raw, "opaque", "a word starts with '#'"
    while i < n:
        c = raw[i]
        if c == "\\":
            if i + 1 < n:
                if raw[i + 1] != "\n":
                    out.append(raw[i + 1])
                i += 2
                continue
            out.append(c)
        elif c in "*?" or (c == "[" and "]" in raw[i + 1 :]):
            kind = "glob"
            out.append(c)
        elif c == "{":
            brace_open = True
            out.append(c)
        elif c == "}" and brace_open:
            if brace_list:
                kind = "opaque"
            out.append(c)
        elif c in "$`'\";&|<>()" or c.isspace():
            return raw, "opaque", f"cannot read the word {raw!r}"
        else:
            if brace_open and (c == "," or raw.startswith("..", i)):
                brace_list = True
            out.append(c)
        i += 1
    if kind == "glob" and any(ch in raw for ch in "\\{"):
        kind = "opaque"
    return "".join(out), kind, None


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

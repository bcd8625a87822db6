"""Reading the words of a command line from tree-sitter nodes, as bash would read them.

`WordReader` is the word half of the shell walker (`shell._Walker`): quote removal
with every character marked quoted or not, words tree-sitter splits that bash
reads as one, and the expansions that make a word known only at run time. The
walker supplies `salvage` and `substitution` (they walk statements).
"""

from __future__ import annotations

from typing import Any

from letta_code.permissions.expansion import word_from_chars
from letta_code.permissions.quoting import Chars, unescape_double_quoted, unquote_chars
from letta_code.permissions.words import SimpleCommand, Word

MAX_NODE_DEPTH = 200
# Word nodes whose characters can be read exactly (after quote removal).
CHAR_KINDS = frozenset({"word", "number", "raw_string", "string", "concatenation"})


class WordReader:
    """Words and problems of one command line (see the module docstring)."""

    def __init__(self, source: str, depth: int) -> None:
        self.source = source
        self.depth = depth
        self.commands: list[SimpleCommand] = []
        self.writes: list[Word] = []
        self.reads: list[Word] = []
        self.problems: list[str] = []

    def text(self, node: Any) -> str:
        """The original text of a node (offsets of the ASCII view are character indices)."""
        return self.source[node.start_byte : node.end_byte]

    def problem(self, reason: str) -> None:
        if reason not in self.problems:
            self.problems.append(reason)

    # -- words ------------------------------------------------------------------------
    def word(self, node: Any, level: int) -> Word:
        if level > MAX_NODE_DEPTH:
            self.problem("the command is nested too deeply")
            return Word(self.text(node), "opaque")
        kind = node.type
        raw = self.text(node)
        if kind in CHAR_KINDS:
            chars = self.chars(node, level)
            return word_from_chars(chars) if chars is not None else Word(raw, "opaque")
        if kind in ("simple_expansion", "ansi_c_string", "translated_string", "brace_expression"):
            return Word(raw, "opaque")
        if kind == "expansion":
            names = [c.type for c in node.children]
            if names != ["${", "variable_name", "}"]:
                self.problem(f"complex parameter expansion {raw!r}")
                self.salvage(node, level)
            return Word(raw, "opaque")
        if kind in ("command_substitution", "process_substitution"):
            self.substitution(node, level)
            return Word(raw, "opaque")
        self.salvage(node, level)
        if kind == "arithmetic_expansion":
            self.problem("arithmetic expansion can run commands")
        elif node.is_missing or kind == "ERROR":
            self.problem("the command has a syntax error")
        else:
            self.problem(f"unsupported word {raw!r} ({kind.replace('_', ' ')})")
        return Word(raw, "opaque")

    def chars(self, node: Any, level: int) -> Chars | None:
        """The characters of a word after quote removal, each marked quoted or not;
        None when part of it is only known at run time."""
        kind = node.type
        raw = self.text(node)
        if kind == "word":
            chars, problem = unquote_chars(raw)
            if problem:
                self.problem(problem)
            return chars
        if kind == "number":
            return [(c, False) for c in raw]
        if kind == "raw_string":
            return [(c, True) for c in raw[1:-1]]
        if kind == "string":
            named = [c for c in node.children if c.is_named]
            if all(c.type == "string_content" for c in named):
                value = unescape_double_quoted(raw[1:-1]) if len(raw) >= 2 else None
                if value is None:
                    self.problem(f"cannot read the string {raw!r}")
                    return None
                return [(c, True) for c in value]
            for child in named:
                if child.type != "string_content":
                    self.word(child, level + 1)
            return None
        if kind == "concatenation":
            if sum(c.end_byte - c.start_byte for c in node.children) != node.end_byte - node.start_byte:
                self.problem(f"cannot read the word {raw!r}")
            out: Chars = []
            known = True
            for child in node.children:  # every part is visited: substitutions run too
                if child.type in CHAR_KINDS:
                    part = self.chars(child, level + 1)
                else:
                    self.word(child, level + 1)
                    part = None
                if part is None:
                    known = False
                else:
                    out.extend(part)
            return out if known else None
        self.word(node, level)
        return None

    def joined(self, nodes: list[Any], level: int) -> list[Word]:
        """Words from argument nodes. tree-sitter sometimes splits one bash word in two
        (`"r"\\m`, `.'e'\\nv`, `r\\<newline>m`); nodes with nothing but line
        continuations between them are joined again, as bash reads them."""
        groups: list[list[Any]] = []
        for node in nodes:
            gap = self.source[groups[-1][-1].end_byte : node.start_byte] if groups else " "
            if not gap.replace("\\\n", ""):  # nothing, or only line continuations
                groups[-1].append(node)
            else:
                groups.append([node])
        words: list[Word] = []
        for group in groups:
            if len(group) == 1:
                words.append(self.word(group[0], level))
                continue
            chars: Chars = []
            known = True
            for node in group:
                part = self.chars(node, level) if node.type in CHAR_KINDS else None
                if part is None:
                    self.word(node, level)
                    known = False
                else:
                    chars.extend(part)
            raw = self.source[group[0].start_byte : group[-1].end_byte]
            words.append(word_from_chars(chars) if known else Word(raw, "opaque"))
        return words

    def salvage(self, node: Any, level: int) -> None:
        raise NotImplementedError

    def substitution(self, node: Any, level: int) -> None:
        raise NotImplementedError

"""Split a shell command into the simple commands it runs, with the tree-sitter bash grammar.

`analyze(command)` returns a `ShellAnalysis`: every simple command (from lists,
pipelines, subshells, `$(...)`, backticks, `<(...)`, `bash -c '...'`, `find
-exec`, ...), each with its readings through wrappers (`sudo`, `env`, `timeout`,
...), the files that redirections write or read, and `problems`: the reasons the
command cannot be understood confidently (syntax errors, `eval`, functions,
control flow, `$CMD` in command position, ...). A command with problems is never
allowed by a rule; it asks.

The parse itself is `bash_parser.parse` (tree-sitter, imported on first use).
"""

from __future__ import annotations

import functools
import itertools
import re
from typing import Any

from letta_code.permissions.bash_parser import parse
from letta_code.permissions.quoting import hidden_characters
from letta_code.permissions.shell_words import MAX_NODE_DEPTH, WordReader
from letta_code.permissions.words import CommandForm, ShellAnalysis, SimpleCommand, Word
from letta_code.permissions.wrapper_args import Unparseable
from letta_code.permissions.wrappers import (
    EVAL_LIKE,
    NON_RUNNERS,
    SAFE_ENV_VARS,
    command_name,
    unwrap_once,
)

__all__ = ["MAX_DEPTH", "ShellAnalysis", "SimpleCommand", "analyze"]

MAX_DEPTH = 6  # nested `bash -c` / `$(...)` levels
_MAX_UNWRAP = 12

_SEPARATORS = frozenset({";", "&&", "||", "|", "|&", "&", "(", ")", "{", "}", "!", "\n"})
_CONTAINERS = frozenset(
    {"program", "list", "pipeline", "subshell", "compound_statement", "redirected_statement", "negated_command"}
)
_SAFE_TARGETS = frozenset({"/dev/null", "/dev/stdout", "/dev/stderr"})
_SAFE_SOURCES = frozenset({"/dev/null", "/dev/stdin", "/dev/zero"})
_SIMPLE_BRACE_VAR = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")


class _Walker(WordReader):
    """Walks the parse tree of one command line, collecting what it runs and touches."""

    def statement(self, node: Any, level: int = 0) -> None:
        if level > MAX_NODE_DEPTH:
            self.problem("the command is nested too deeply")
            return
        kind = node.type
        if node.is_missing or kind == "ERROR":
            self.problem("the command has a syntax error")
            return
        if kind == "comment":
            return
        if kind == "command":
            self.command(node, level)
        elif kind in ("file_redirect", "heredoc_redirect", "herestring_redirect"):
            self.redirect(node, level)
        elif kind in _CONTAINERS:
            for child in node.children:
                if child.is_named:
                    self.statement(child, level + 1)
                elif child.type not in _SEPARATORS:
                    self.problem(f"unsupported shell syntax {child.type!r}")
        else:
            if kind == "variable_assignment":
                self.problem("it sets a shell variable")
            elif kind == "function_definition":
                self.problem("it defines a shell function")
            else:
                self.problem(f"unsupported shell construct ({kind.replace('_', ' ')})")
            self.salvage(node, level)

    def salvage(self, node: Any, level: int) -> None:
        """Collect the commands inside a construct we do not support, so deny rules
        still see them (the construct itself already made the command ask)."""
        if level > MAX_NODE_DEPTH:
            return
        for child in node.children:
            if child.type in _CONTAINERS or child.type == "command":
                self.statement(child, level + 1)
            else:
                self.salvage(child, level + 1)

    def redirect(self, node: Any, level: int) -> None:
        kind = node.type
        if kind == "herestring_redirect":
            for child in node.children:
                if child.is_named:
                    self.word(child, level)
            return
        if kind == "heredoc_redirect":
            self.heredoc(node, level)
            return
        ops = [c.type for c in node.children if not c.is_named]
        destination = node.child_by_field_name("destination")
        op = ops[0] if ops else ""
        if destination is None:
            if op not in (">&-", "<&-"):
                self.problem("unsupported redirection")
            return
        if op in (">&", "<&") and destination.type == "number":
            return  # 2>&1: duplicates a descriptor
        if op == "<&" or (op == ">&" and destination.type != "word"):
            self.problem("unsupported redirection")
            return
        after = [c for c in node.children if c.is_named and c.start_byte >= destination.start_byte]
        target, *extra = self.joined(after, level)
        if extra:
            # `cat > out .env`: tree-sitter files `.env` under the redirection; bash
            # passes it to the command. We cannot put it back, so the line asks.
            self.problem("a word after a redirection target is an argument of the command")
        if op == "<":
            if not (target.literal and target.text in _SAFE_SOURCES):
                self.reads.append(target)
        elif op in (">", ">>", ">|", "&>", "&>>", ">&", "<>"):
            if not (target.literal and target.text in _SAFE_TARGETS):
                self.writes.append(target)
        else:
            self.problem(f"unsupported redirection {op!r}")

    def heredoc(self, node: Any, level: int) -> None:
        quoted = False
        for child in node.children:
            kind = child.type
            if kind == "heredoc_start":
                quoted = any(q in self.text(child) for q in "'\"\\")
            elif kind == "heredoc_body":
                body = self.text(child)
                if not quoted and (
                    "`" in body or "$(" in body or "$[" in body or "${" in _SIMPLE_BRACE_VAR.sub("", body)
                ):
                    self.problem("a here-document runs commands or complex expansions")
                    self.salvage(child, level)
            elif kind in ("heredoc_end", "<<", "<<-"):
                continue
            elif kind in ("file_redirect", "herestring_redirect"):
                self.redirect(child, level + 1)
            elif child.is_named:
                self.statement(child, level + 1)
            elif kind not in _SEPARATORS:
                self.problem(f"unsupported shell syntax {kind!r}")

    # -- words --------------------------------------------------------------------------
    def substitution(self, node: Any, level: int) -> None:
        if self.depth + 1 > MAX_DEPTH:
            self.problem("command substitutions are nested too deeply")
            return
        if self.text(node).startswith("`") and "\\" in self.text(node):
            self.problem("backslashes inside backticks")
        for child in node.children:
            if child.is_named:
                self.statement(child, level + 1)

    # -- commands -------------------------------------------------------------------
    def command(self, node: Any, level: int) -> None:
        for before, after in itertools.pairwise(node.children):
            # tree-sitter-bash 0.25 can take `a | b | c<newline>d` for one command `c d`; bash
            # runs `d` on its own. A line break between two parts of one command (not a `\`
            # continuation) means the parse is not what bash will run.
            if "\n" in self.source[before.end_byte : after.start_byte].replace("\\\n", ""):
                self.problem("a line break inside one command: the parser joined two commands")
        assignments: list[tuple[str, Word]] = []
        parts: list[Any] = []  # argument nodes; touching ones are one word (see `joined`)
        for child in node.children:
            kind = child.type
            if kind == "variable_assignment":
                name_node = child.child_by_field_name("name")
                value_node = child.child_by_field_name("value")
                name = self.text(name_node) if name_node is not None else ""
                if name_node is None or name_node.type != "variable_name":
                    self.problem("unsupported variable assignment")
                value = self.word(value_node, level + 1) if value_node is not None else Word("")
                assignments.append((name, value))
            elif kind == "command_name":
                parts.extend(child.children)
            elif kind in ("file_redirect", "herestring_redirect", "heredoc_redirect"):
                self.redirect(child, level + 1)
            elif child.is_named:
                parts.append(child)
            else:
                self.problem(f"unsupported shell syntax {self.text(child)!r}")
        words = self.joined(parts, level + 1)
        if not words:
            if assignments:
                self.problem("it sets a shell variable")
            return
        self.unwrap(tuple(words), assignments, self.text(node), level)

    def unwrap(self, words: tuple[Word, ...], assignments: list[tuple[str, Word]], text: str, level: int) -> None:
        allowable = all(name in SAFE_ENV_VARS for name, _ in assignments)
        forms: list[CommandForm] = []
        extra = False
        current = words
        for _ in range(_MAX_UNWRAP):
            forms.append(CommandForm(current, allowable, extra))
            head = current[0] if current else None
            if head is None:
                break
            if not head.literal:
                self.problem(f"the command name {head.text!r} is not known before it runs")
                break
            if command_name(head) in EVAL_LIKE:
                self.problem(f"'{command_name(head)}' runs code that is not on the command line")
                break
            try:
                inner = unwrap_once(current)
            except Unparseable as exc:
                self.problem(str(exc))
                break
            if inner is None:
                break
            if inner.shell_string is not None:
                self.shell_string(inner.shell_string, tuple(forms), allowable and inner.transparent)
                return
            current = inner.words
            allowable = allowable and inner.transparent
            extra = extra or inner.extra_args
        else:
            self.problem("too many nested wrapper commands")
        if not current:
            return
        self.commands.append(SimpleCommand(tuple(forms), text, self.hidden_forms(current)))
        if command_name(current[0]) == "find":
            self.find_exec(current, allowable, level)

    def hidden_forms(self, words: tuple[Word, ...]) -> tuple[CommandForm, ...]:
        """What a program we do not know might run: any tail of its words (`mywrap rm
        -rf x`) and any argument that reads as a command line (`su -c 'rm -rf x'`).
        Only deny and ask rules look at these."""
        if not words or (words[0].literal and command_name(words[0]) in NON_RUNNERS):
            return ()
        hidden = [CommandForm(words[i:], False) for i in range(1, len(words))]
        if self.depth + 1 > MAX_DEPTH:
            return tuple(hidden)
        for word in words[1:]:
            if not word.literal:
                continue
            for script in _scripts_in(word.text):
                if any(c.isspace() or c in ";|&`$(" for c in script):
                    inner = _analyze(script, self.depth + 1)
                    hidden.extend(f for cmd in inner.commands for f in (*cmd.forms, *cmd.hidden))
        return tuple(hidden)

    def shell_string(self, script: str, outer: tuple[CommandForm, ...], allowable: bool) -> None:
        if self.depth + 1 > MAX_DEPTH:
            self.problem("shell commands are nested too deeply")
            return
        inner = _analyze(script, self.depth + 1)
        for problem in inner.problems:
            self.problem(problem)
        self.writes.extend(inner.writes)
        self.reads.extend(inner.reads)
        for cmd in inner.commands:
            forms = tuple(CommandForm(f.words, f.allowable and allowable, f.extra_args) for f in cmd.forms)
            self.commands.append(SimpleCommand(outer + forms, cmd.text, cmd.hidden))

    def find_exec(self, words: tuple[Word, ...], allowable: bool, level: int) -> None:
        i = 0
        while i < len(words):
            if words[i].literal and words[i].text in ("-exec", "-execdir", "-ok", "-okdir"):
                j = i + 1
                while j < len(words) and not (words[j].literal and words[j].text in (";", "+")):
                    j += 1
                inner = tuple(Word(w.text, "opaque") if "{}" in w.text else w for w in words[i + 1 : j])
                if not inner:
                    self.problem("find -exec without a command")
                else:
                    sub = _Walker(self.source, self.depth)
                    sub.unwrap(inner, [], " ".join(w.text for w in inner), level + 1)
                    for cmd in sub.commands:
                        forms = tuple(CommandForm(f.words, f.allowable and allowable, True) for f in cmd.forms)
                        self.commands.append(SimpleCommand(forms, cmd.text, cmd.hidden))
                    self.problems.extend(p for p in sub.problems if p not in self.problems)
                i = j
            i += 1


_QUOTED = re.compile(r"'([^']*)'|\"([^\"]*)\"")


def _scripts_in(text: str) -> list[str]:
    """Command lines an argument may hold: itself, an `x=VALUE` value, a `!cmd` escape,
    and strings quoted inside code (`os.system('rm -rf x')`, `system("...")`)."""
    found = [text, text.split("=", 1)[-1], text.lstrip("!")]
    found.extend(a or b for a, b in _QUOTED.findall(text))
    return list(dict.fromkeys(f for f in found if f))


def _analyze(command: str, depth: int) -> ShellAnalysis:
    walker = _Walker(command, depth)
    hidden = hidden_characters(command)
    if hidden:
        walker.problem(hidden)
    try:
        tree = parse(command)
        if tree.root_node.has_error:
            walker.problem("the command has a syntax error")
        walker.statement(tree.root_node)
    except RecursionError:
        walker.problem("the command is nested too deeply")
    return ShellAnalysis(
        command=command,
        commands=tuple(walker.commands),
        writes=tuple(walker.writes),
        reads=tuple(walker.reads),
        problems=tuple(walker.problems),
    )


@functools.lru_cache(maxsize=1024)
def analyze(command: str) -> ShellAnalysis:
    """Analyse a shell command line (cached; the result is immutable)."""
    if not command.strip():
        return ShellAnalysis(command, (), (), (), ("the command is empty",))
    return _analyze(command, 0)

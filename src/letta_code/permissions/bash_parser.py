"""The tree-sitter bash parser: imported on first use, built once, fed only ASCII.

tree-sitter-bash 0.25's scanner can crash the process on some non-ASCII input, so
`parse` hands it `ascii_view(command)`; see that function for why the shape of the
parse is unchanged.
"""

from __future__ import annotations

import threading
from typing import Any

_parser: Any = None
_parser_lock = threading.Lock()


def _get_parser() -> Any:
    global _parser
    if _parser is None:
        with _parser_lock:
            if _parser is None:
                import tree_sitter
                import tree_sitter_bash

                _parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))
    return _parser


def ascii_view(command: str) -> bytes:
    """The command with every non-ASCII character replaced by `x`, as bytes.

    tree-sitter-bash 0.25's scanner can crash the process on some non-ASCII input
    (a `{` followed by a large code point; upstream issue #337), so the parser only
    ever sees ASCII. Bash treats any non-ASCII character as an ordinary word
    character, as it does `x`, so the shape of the parse is the same, and byte
    offsets in this view are character offsets in the original string.
    """
    return "".join(c if c < "\x80" else "x" for c in command).encode("ascii")


def parse(command: str) -> Any:
    parser = _get_parser()
    with _parser_lock:
        return parser.parse(ascii_view(command))

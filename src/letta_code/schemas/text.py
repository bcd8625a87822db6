"""Make text that came from outside safe to store and send: lone surrogates become U+FFFD.

Python turns bytes that are not UTF-8 into lone surrogates (U+D800 to U+DFFF) when it
decodes with `surrogateescape` (file names, stdin), and JSON may spell them too
(`"\\udce9"`). Such a string cannot be encoded as UTF-8, so it can be neither stored
nor sent to a model. The store refuses it (`service/store/text.py`); the edges that
receive text they do not control — a model server's JSON, a tool's output — pass it
through `scrub` first, so what the model or a tool said is kept with a visible
replacement character instead of failing the turn.
"""

from __future__ import annotations

import re
from typing import TypeVar

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"

T = TypeVar("T")


def scrub(value: T) -> T:
    """`value` with every lone surrogate in its strings (also inside lists and dicts,
    keys included) replaced by U+FFFD; other values are returned as they are."""
    if isinstance(value, str):
        return value if value.isascii() else _LONE_SURROGATE.sub(REPLACEMENT, value)  # type: ignore[return-value]
    if isinstance(value, list):
        return [scrub(item) for item in value]  # type: ignore[return-value]
    if isinstance(value, dict):
        return {scrub(key): scrub(item) for key, item in value.items()}  # type: ignore[return-value]
    return value

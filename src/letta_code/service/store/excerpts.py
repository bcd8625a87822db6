"""Exact excerpts of stored messages for search results: the text as stored, matches apart.

FTS5 `snippet()` picks the window of a long message around its matches; it is asked
to mark the matches and the cuts with private-use characters (`OPEN`, `CLOSE`,
`CUT`), which `parse_snippet` removes again. What comes back is the stored text
byte for byte (never marked up), the matched words as a separate list, and whether
the window starts or ends inside the message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

HEAD_CHARS = 200  # without a query: the first characters of a long message
ELLIPSIS = "…"
OPEN, CLOSE, CUT = "\ue000", "\ue001", "\ue002"
_SENTINELS = (OPEN, CLOSE, CUT)


@dataclass
class Excerpt:
    text: str
    matches: list[str] = field(default_factory=list)
    clipped_start: bool = False
    clipped_end: bool = False


def head_excerpt(body: str) -> Excerpt:
    return Excerpt(body[:HEAD_CHARS], clipped_end=len(body) > HEAD_CHARS)


def parse_snippet(marked: str, body: str) -> Excerpt:
    """The exact excerpt and matched words of a snippet() made with the sentinels.

    Falls back to the head of the message when the stored text itself contains a
    sentinel character (the marks could not be told apart from the text).
    """
    if any(mark in body for mark in _SENTINELS):
        return head_excerpt(body)
    clipped_start = marked.startswith(CUT)
    clipped_end = marked.endswith(CUT) and len(marked) > 1
    inner = marked[1 if clipped_start else 0 : len(marked) - 1 if clipped_end else len(marked)]
    parts = re.split(f"({OPEN}|{CLOSE})", inner)
    text_parts: list[str] = []
    matches: list[str] = []
    inside = False
    for part in parts:
        if part == OPEN:
            inside = True
        elif part == CLOSE:
            inside = False
        else:
            text_parts.append(part)
            if inside and part and part not in matches:
                matches.append(part)
    text = "".join(text_parts)
    if CUT in text or text not in body:
        return head_excerpt(body)
    return Excerpt(text, matches, clipped_start, clipped_end)

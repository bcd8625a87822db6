"""The part of a long page worth sending: the sections that best match the prompt.

A tool has no model to ask, so the choice is by keywords: the page is cut into sections
at its Markdown headings (a long section further at blank lines), each section scores
the prompt's words it contains (a word in its heading counts more), and the best ones are
kept, in page order, up to the cap, with the page's opening section always first. A
prompt none of whose words occur falls back to the page's start. What was left out is
said in a note at the top; nothing is dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CHARS = 40_000
_PART_CHARS = 4_000
_HEADING = re.compile(r"^#{1,6} +(.+?)#*\s*$")
_WORD = re.compile(r"[^\W_]{3,}")
_STOPWORDS = frozenset({
    "the", "and", "for", "with", "that", "this", "from", "what", "which", "how", "does", "are", "was",
    "were", "you", "your", "can", "about", "into", "when", "where", "who", "why", "all", "any", "its",
    "their", "there", "them", "then", "than", "but", "not", "have", "has", "had", "will", "would", "should",
    "could", "page", "site", "web", "find", "tell", "show", "give", "get", "use", "using", "used", "want",
    "need",
})  # fmt: skip
GAP = "\n\n[…]\n\n"


@dataclass(frozen=True)
class Part:
    index: int
    heading: str | None
    text: str


def keywords(prompt: str) -> list[str]:
    """The prompt's words worth looking for: lowercase, three letters or more, no stopwords."""
    words = [w.lower() for w in _WORD.findall(prompt)]
    return list(dict.fromkeys(w for w in words if w not in _STOPWORDS))


def split_parts(text: str, part_chars: int = _PART_CHARS) -> list[Part]:
    """`text` cut at headings; a section longer than `part_chars` cut again at blank lines."""
    sections: list[tuple[str | None, list[str]]] = [(None, [])]
    for line in text.split("\n"):
        match = _HEADING.match(line)
        if match:
            sections.append((match.group(1).strip(), []))
        sections[-1][1].append(line)
    parts: list[Part] = []
    for heading, lines in sections:
        body = "\n".join(lines).strip("\n")
        if not body.strip():
            continue
        for piece in _pieces(body, part_chars):
            parts.append(Part(len(parts), heading, piece))
    return parts


def _pieces(body: str, limit: int) -> list[str]:
    if len(body) <= limit:
        return [body]
    out: list[str] = []
    current = ""
    for para in body.split("\n\n"):
        while len(para) > limit:  # one huge paragraph: hard cuts
            if current:
                out.append(current)
                current = ""
            out.append(para[:limit])
            para = para[limit:]
        if current and len(current) + 2 + len(para) > limit:
            out.append(current)
            current = ""
        current = f"{current}\n\n{para}" if current else para
    if current:
        out.append(current)
    return out


def _score(part: Part, words: list[str]) -> int:
    body = part.text.lower()
    heading = (part.heading or "").lower()
    return sum(body.count(w) + 3 * heading.count(w) for w in words)


def fit(text: str, prompt: str, limit: int = MAX_CHARS) -> tuple[str, str | None]:
    """`text` when it fits in `limit` characters, else the parts that match `prompt` best,
    with a note (the second value) saying what was kept and what was left out."""
    if len(text) <= limit:
        return text, None
    parts = split_parts(text)
    words = keywords(prompt)
    scores = {p.index: _score(p, words) for p in parts}
    budget = limit - 600  # room for the note and the gaps
    chosen: set[int] = set()
    used = 0
    ranked = sorted((p for p in parts if scores[p.index] > 0), key=lambda p: (-scores[p.index], p.index))
    order = [parts[0], *ranked] if parts else []
    for part in order:
        cost = len(part.text) + len(GAP)
        if part.index in chosen or used + cost > budget:
            continue
        chosen.add(part.index)
        used += cost
    matched = any(scores[i] > 0 for i in chosen)
    if not matched:  # no word of the prompt on the page: its start, in order
        chosen, used = set(), 0
        for part in parts:
            if used + len(part.text) + len(GAP) > budget:
                break
            chosen.add(part.index)
            used += len(part.text) + len(GAP)
    kept = [p for p in parts if p.index in chosen]
    left = [p for p in parts if p.index not in chosen]
    shown = _join(kept)
    if not kept:  # even the first part is over the cap
        shown = text[:budget]
        left_chars = len(text) - budget
    else:
        left_chars = sum(len(p.text) for p in left)
    return shown, _note(len(text), limit, words, matched, len(kept), len(parts), left, left_chars)


def _join(kept: list[Part]) -> str:
    out: list[str] = []
    previous = -2
    for part in kept:
        if out:
            out.append(GAP if part.index != previous + 1 else "\n\n")
        out.append(part.text)
        previous = part.index
    return "".join(out)


def _note(
    total: int, limit: int, words: list[str], matched: bool, kept: int, count: int, left: list[Part], left_chars: int
) -> str:
    how = (
        f"the {kept} of {count} parts that best match the prompt (words: {', '.join(words[:8])})"
        if matched
        else f"its start ({kept} of {count} parts; no word of the prompt occurs on the page)"
    )
    headings = list(dict.fromkeys(p.heading for p in left if p.heading))
    named = "; ".join(h[:60] for h in headings[:12]) + (", and more" if len(headings) > 12 else "")
    return (
        f"[The page is {total:,} characters, more than the {limit:,} shown at most. Shown: {how}, "
        f"'[…]' where parts were skipped. Left out: {len(left)} parts ({left_chars:,} characters)"
        + (f", under the headings: {named}" if named else "")
        + ". Fetch it again with a prompt naming what you need to see other parts.]"
    )

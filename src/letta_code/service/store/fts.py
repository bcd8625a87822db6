"""FTS5 queries from free text, for message search and archival passages.

Words are quoted (no FTS syntax errors, whatever the model sends), `"quoted phrases"`
stay phrases, `word*` is a prefix of at least `MIN_PREFIX` characters (a shorter one
is searched as the word: FTS5 reads every word it begins, which for `b*` on a long
history is seconds), and common English words are dropped when other words remain. Each query comes in two forms: all terms (asked first) and any term
(the top-up when all terms find too few).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

_STOPWORD_TEXT = """a about after again all also am an and any are as at be been before being but by can could
    did do does doing done for from had has have having he her here hers him his how i if in into is
    it its just me my no nor not of off on once only or our ours out over own said same she should so
    some such than that the their theirs them then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would you your
    yours"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
MIN_PREFIX = 3
_TOKEN = re.compile(r'"([^"]*)"|([\w]+\*?)', re.UNICODE)


@dataclass
class FtsQuery:
    all_terms: str  # every term must match
    any_terms: str  # at least one term matches (same as all_terms for one term)
    terms: list[str] = field(default_factory=list)


def _quote(term: str) -> str:
    prefix = term.endswith("*")
    body = term.rstrip("*").replace('"', '""')
    return f'"{body}"*' if prefix else f'"{body}"'


def all_of(terms: Sequence[str]) -> str:
    """The FTS5 query matching every one of `terms` (words, `"phrases"`, `prefix*`es)."""
    return " AND ".join(_quote(t) for t in terms)


def any_of(terms: Sequence[str]) -> str:
    """The FTS5 query matching any one of `terms`."""
    return " OR ".join(_quote(t) for t in terms)


def words_of(term: str) -> list[str]:
    """The one-word FTS5 queries a term is made of: a phrase's words, or the word (or prefix) itself."""
    return [_quote(word) for word in term.split(" ")]


def build_fts_query(query: str) -> FtsQuery | None:
    """An FTS5 query for free text, or None when it has no searchable word."""
    terms: list[str] = []
    for phrase, word in _TOKEN.findall(query or ""):
        if phrase:
            words = re.findall(r"\w+", phrase, re.UNICODE)
            if words:
                terms.append(" ".join(w.lower() for w in words))
        elif word.rstrip("*"):
            stem = word.rstrip("*").lower()
            terms.append(stem + "*" if word.endswith("*") and len(stem) >= MIN_PREFIX else stem)
    content = [t for t in terms if " " in t or t.rstrip("*") not in STOPWORDS]
    terms = list(dict.fromkeys(content or terms))
    if not terms:
        return None
    return FtsQuery(all_of(terms), any_of(terms), terms)

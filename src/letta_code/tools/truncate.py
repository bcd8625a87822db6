"""Keeping tool output within what is worth sending to the model.

Two cuts: `truncate_middle` (keeps the start and the end: shell output, where the
last lines usually hold the error) and `truncate_tail` (keeps the start: search
results, listings). Both say in the text what was cut and where.

One line of a file is cut too, at `MAX_LINE_CHARS` (a minified bundle is one huge
line), marked with `LINE_CUT`: `format_line` shows it numbered, as Read does, and
the Edit engine's snippets (`editing.py`) use it so that what the model edits looks
like what it read; Grep cuts a matching line the same way.
"""

from __future__ import annotations

import os

MAX_OUTPUT_CHARS = 30_000
MAX_LINE_CHARS = 2000
LINE_CUT = " [... line truncated]"


def truncate_middle(text: str, limit: int = MAX_OUTPUT_CHARS, hidden: int = 0) -> str:
    """Cut the middle out of `text` if it is longer than `limit` characters.

    `hidden` counts characters already dropped from the middle by `read_capped`.
    """
    if len(text) <= limit and not hidden:
        return text
    head_len = limit // 3
    tail_len = limit - head_len
    head = text[:head_len]
    tail = text[-tail_len:]
    # Prefer cutting at line boundaries when one is near.
    nl = head.rfind("\n")
    if nl > head_len // 2:
        head = head[: nl + 1]
    nl = tail.find("\n")
    if 0 <= nl < tail_len // 2:
        tail = tail[nl + 1 :]
    cut = text[len(head) : len(text) - len(tail)]
    lines = cut.count("\n")
    amount = f"about {len(cut) + hidden:,} characters" if hidden else f"{len(cut):,} characters ({lines:,} lines)"
    note = f"[... {amount} truncated from the middle of the output ...]"
    return f"{head.rstrip(chr(10))}\n\n{note}\n\n{tail}"


def truncate_tail(text: str, limit: int = MAX_OUTPUT_CHARS) -> str:
    """Keep the start of `text` (whole lines) if it is longer than `limit` characters."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    nl = head.rfind("\n")
    if nl > limit // 2:
        head = head[:nl]
    rest = text[len(head) :]
    lines = rest.strip("\n").count("\n") + 1
    note = f"[... output truncated: {len(rest):,} more characters ({lines:,} lines) not shown ...]"
    return f"{head}\n{note}"


def read_capped(path: str | os.PathLike[str], max_bytes: int = 2_000_000) -> tuple[str, int]:
    """Text of a (possibly huge) output file and the number of bytes left out of its middle.

    Used for shell output captured to a file, so a command printing gigabytes costs
    no more memory than `max_bytes`. The head kept is far longer than what
    `truncate_middle` keeps, so the seam always falls inside the part it cuts.
    """
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        if size <= max_bytes:
            return f.read().decode("utf-8", errors="replace"), 0
        head_n = max_bytes // 3
        head = f.read(head_n)
        f.seek(size - (max_bytes - head_n))
        tail = f.read()
    skipped = size - len(head) - len(tail)
    text = head.decode("utf-8", errors="replace") + tail.decode("utf-8", errors="replace")
    return text, skipped


def format_line(number: int, text: str) -> str:
    """One line as `cat -n` prints it: the number right-aligned in 6 columns, a tab, the text."""
    if len(text) > MAX_LINE_CHARS:
        text = text[:MAX_LINE_CHARS] + LINE_CUT
    return f"{number:>6}\t{text}"

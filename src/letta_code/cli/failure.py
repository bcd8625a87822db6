"""The one place the CLI turns an exception into the line a user reads on stderr.

Every entry point (`letta`, `letta -p`, the TUI's start, `letta memory`, `letta server`)
ends its failures here: a `UserError` prints its own message, an `OSError` (a folder we
may not write, a full disk) its file and reason, anything else only its type name, since
its text may be long or internal (SQL statements with their parameters, a prompt, a
path deep in a library). `LETTA_DEBUG=1` re-raises the unexpected ones, traceback and all.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from letta_code.errors import UserError

MAX_LINE = 2000  # a user error that quotes a model server's answer stays readable


def debug_enabled(env: Mapping[str, str] | None = None) -> bool:
    return bool((os.environ if env is None else env).get("LETTA_DEBUG"))


def one_line(text: str) -> str:
    """`text` on one line (its lines joined), at most MAX_LINE characters."""
    joined = " ".join(part.strip() for part in text.splitlines() if part.strip())
    return joined if len(joined) <= MAX_LINE else joined[: MAX_LINE - 3] + "..."


def error_line(exc: BaseException) -> str:
    """What to tell the user about `exc`, without the program's name."""
    if isinstance(exc, UserError):
        return one_line(str(exc)) or type(exc).__name__
    if isinstance(exc, OSError) and exc.strerror:
        where = f"{exc.filename}: " if exc.filename else ""
        return one_line(f"{where}{exc.strerror}")
    return f"unexpected error ({type(exc).__name__}) (set LETTA_DEBUG=1 for details)"


def is_expected(exc: BaseException) -> bool:
    """A fault the user can act on from its message; the rest are bugs."""
    return isinstance(exc, UserError) or (isinstance(exc, OSError) and bool(exc.strerror))


def report(exc: BaseException, prog: str = "letta", env: Mapping[str, str] | None = None) -> int:
    """Print `prog: <line>` on stderr and return the exit status 1.

    Call it inside the `except` block: with LETTA_DEBUG set, an unexpected error is
    raised again (the traceback is what the developer asked for).
    """
    if debug_enabled(env) and not is_expected(exc):
        raise exc
    print(f"{prog}: {error_line(exc)}", file=sys.stderr)
    return 1

"""What the permission layer answers for one tool call: a `Decision`.

`allow`, `deny` and `ask` build one; `ask` keeps the rules that would allow the
call (`suggestion`, `suggestions`) for "allow always" and headless hints. The
checker (`checker`) and the Bash analysis (`bash_check`) both build decisions, so
they live here, below both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Behavior = Literal["allow", "deny", "ask"]

PLAN_MODE_REASON = (
    "Plan mode is on, so {what} is not allowed: only read-only exploration is possible while "
    "planning. Present your plan with the ExitPlanMode tool and wait for the user to approve it."
)


@dataclass(frozen=True)
class Decision:
    """What to do with one tool call, and why.

    `rule` is the rule that decided (None when the mode did). `suggestion` is the
    narrowest rule that would allow the call (for "allow always" and headless
    hints); `suggestions` lists all of them when a compound command needs several.
    """

    behavior: Behavior
    reason: str
    rule: str | None = None
    suggestion: str | None = None
    suggestions: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.behavior == "allow"


def allow(reason: str, rule: str | None = None) -> Decision:
    return Decision("allow", reason, rule)


def deny(reason: str, rule: str | None = None) -> Decision:
    return Decision("deny", reason, rule)


def ask(reason: str, suggestions: Iterable[str] = (), rule: str | None = None) -> Decision:
    unique = tuple(dict.fromkeys(s for s in suggestions if s))
    return Decision("ask", reason, rule, unique[0] if unique else None, unique)

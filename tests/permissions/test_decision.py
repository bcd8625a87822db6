"""Decisions and their constructors (`letta_code.permissions.decision`)."""

from __future__ import annotations

import letta_code.permissions
from letta_code.permissions.decision import PLAN_MODE_REASON, Decision, allow, ask, deny


def test_ask_keeps_each_suggestion_once_in_order_and_offers_the_first() -> None:
    decision = ask("needs approval", ["Bash(npm test:*)", "", "Read(docs/**)", "Bash(npm test:*)"], rule="Bash(npm:*)")
    assert decision == Decision(
        "ask", "needs approval", "Bash(npm:*)", "Bash(npm test:*)", ("Bash(npm test:*)", "Read(docs/**)")
    )
    assert not decision.allowed
    assert ask("no rule would allow it") == Decision("ask", "no rule would allow it")


def test_allow_and_deny_carry_the_deciding_rule() -> None:
    assert allow("allowed by the rule Bash(ls)", "Bash(ls)") == Decision(
        "allow", "allowed by the rule Bash(ls)", "Bash(ls)"
    )
    assert allow("read-only").allowed
    assert deny("denied", "Read(.env)") == Decision("deny", "denied", "Read(.env)")
    assert not deny("denied").allowed


def test_the_package_exports_the_same_decision_type() -> None:
    assert letta_code.permissions.Decision is Decision
    assert "ExitPlanMode" in PLAN_MODE_REASON.format(what="Write")

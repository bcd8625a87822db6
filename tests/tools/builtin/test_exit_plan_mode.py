"""ExitPlanMode: a schema the harness intercepts; run() just confirms."""

from __future__ import annotations

from letta_code.tools.base import ToolSession
from tests.tools.conftest import call


def test_confirms(session: ToolSession) -> None:
    r = call("ExitPlanMode", {"plan": "1. Do it\n2. Test it"}, session)
    assert (r.status, r.output) == (
        "success",
        "User approved the plan; plan mode is off. You can now start making changes.",
    )


def test_requires_plan(session: ToolSession) -> None:
    assert call("ExitPlanMode", {}, session).output == "Error: missing required argument: 'plan'"
    assert call("ExitPlanMode", {"plan": ""}, session).output == "Error: 'plan' must not be empty"

"""The `/resume` picker's labels, against a real embedded session (no terminal)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from letta_code.cli.tui.command_env import CommandEnv
from letta_code.schemas.chunks import UserInput
from letta_code.testing import ModelServer, Reply
from tests.cli.test_tui_commands import Harness, session  # noqa: F401  (fixture)


async def say(env: CommandEnv, conversation_id: str, text: str) -> None:
    message: list[UserInput] = [{"role": "user", "content": text}]
    async for _chunk in env.backend.send(conversation_id, message, client_tools=[], stream_tokens=False):
        pass


def test_labels_show_the_first_request_on_one_line_within_the_width(
    session: Callable[..., None],  # noqa: F811
    model_env: ModelServer,  # noqa: F811
) -> None:
    offered: list[list[str]] = []

    async def body(h: Harness) -> None:
        async def choose(title: str, options: list[str], *, default: int = 0) -> int | None:
            offered.append(options)
            return None

        h.env.choose = choose
        model_env.script([Reply(text="ok"), Reply(text="ok")])
        first = h.state.conversation.id
        await say(h.env, first, "  please migrate\nthe database " + "and the tests " * 20)
        await say(h.env, first, "a later request")
        empty: Any = await h.env.backend.create_conversation(h.state.agent.id)
        assert "Conversation unchanged." in await h.run("/resume")
        labels = offered[0]
        assert len(labels) == 2 and all(len(label) <= 80 - 6 for label in labels)
        mine = next(label for label in labels if "← current" in label)
        assert "  please migrate the database " in mine and "…  (4 messages)  ← current" in mine
        assert "later request" not in mine
        other = next(label for label in labels if "← current" not in label)
        assert "(no messages yet)  (0 messages)" in other and empty.id not in other

    run: Callable[[Callable[[Harness], Awaitable[None]]], None] = session
    run(body)

"""The Task tool's subagents on both transports: approvals reach the parent's prompt labelled
with the subagent, the hidden agent is made once and its read-only copies follow the parent's
blocks, a background task's answer is kept as a notification, and a fork sees the parent's
conversation."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from letta_code.client.backend import Backend
from letta_code.harness.executor import PendingCall, ToolExecutor, UserAnswer, client_tool_schema
from letta_code.harness.subagent_types import SubagentType, builtin_types
from letta_code.harness.subagents import SUBAGENT_TAG, TASK_TOOL, Subagents
from letta_code.harness.turn import TurnRunner
from letta_code.permissions import Decision, PermissionChecker
from letta_code.schemas.chunks import ClientToolSchema
from letta_code.schemas.state import AgentState, ConversationState
from letta_code.testing import ModelServer, RecordedRequest, Reply, text_of
from letta_code.tools.base import ToolSession
from letta_code.tools.registry import select_tools
from tests.conftest import BackendFactory

TOOLS = ["Bash", "Read", "Grep"]
T = TypeVar("T")


class Parent:
    """A parent agent's session with the Task tool, and a scripted user for approval prompts."""

    def __init__(
        self, backend: Backend, cwd: Path, mode: str = "default", types: list[SubagentType] | None = None
    ) -> None:
        self.backend = backend
        self.cwd = cwd
        self.mode = mode
        self.types = types if types is not None else builtin_types()
        self.asked: list[tuple[str, str]] = []
        self.answer = UserAnswer("allow")
        self.agent: AgentState | None = None
        self.conversation: ConversationState | None = None
        self.schemas: list[ClientToolSchema] = [client_tool_schema(t) for t in select_tools(TOOLS)]

    async def ask(self, call: PendingCall, decision: Decision) -> UserAnswer:
        self.asked.append((call.name, decision.reason))
        return self.answer

    async def start(self) -> TurnRunner:
        human = await self.backend.create_block("human", "Likes tabs.")
        self.agent = await self.backend.create_agent(
            name="parent", model="openai/gpt-4.1", block_ids=[human.id], tools=TOOLS
        )
        self.conversation = await self.backend.default_conversation(self.agent.id)
        checker = PermissionChecker(self.mode, cwd=self.cwd)
        self.subagents = Subagents(
            self.backend,
            parent=lambda: self._agent(),
            conversation=lambda: self._conversation(),
            types=self.types,
            client_tools=lambda: self.schemas,
            checker=checker,
            tool_session=ToolSession(cwd=self.cwd),
        )
        executor = ToolExecutor(ToolSession(cwd=self.cwd), checker, self.ask, special_tools={TASK_TOOL: self.subagents})
        return TurnRunner(
            self.backend,
            executor,
            conversation_id=self.conversation.id,
            client_tools=[*self.schemas, self.subagents.schema()],
            stream_tokens=False,
        )

    def _agent(self) -> AgentState:
        assert self.agent is not None
        return self.agent

    def _conversation(self) -> ConversationState:
        assert self.conversation is not None
        return self.conversation


def run(scenario: Callable[[Parent], Awaitable[T]], backend: Backend, cwd: Path, **parent: Any) -> T:
    """Run `scenario` with a parent on `backend`, closing its connections at the end (the HTTP
    backend's keep-alive sockets would otherwise be left to the garbage collector)."""

    parent_options = parent

    async def main() -> T:
        parent = Parent(backend, cwd, **parent_options)
        try:
            return await scenario(parent)
        finally:
            await backend.close()

    return asyncio.run(main())


def task(prompt: str, kind: str = "general-purpose", **extra: Any) -> tuple[str, dict[str, Any]]:
    return (TASK_TOOL, {"description": "a side task", "prompt": prompt, "subagent_type": kind, **extra})


def tool_results(request: RecordedRequest) -> list[str]:
    return [text_of(m.get("content")) for m in request["messages"] if m.get("role") == "tool"]


def all_text(request: RecordedRequest) -> str:
    return "\n".join(text_of(m.get("content")) for m in request["messages"])


def test_a_subagents_command_asks_the_parents_user_labelled_with_the_subagent(
    make_backend: BackendFactory, model_server: ModelServer, tmp_path: Path
) -> None:
    marker = tmp_path / "ran.txt"
    model_server.script(
        [
            Reply(tool_calls=[task("Create the marker file.")]),
            Reply(tool_calls=[("Bash", {"command": f"touch {marker}"})]),
            Reply(text="Created it."),
            Reply(text="Done."),
        ]
    )

    async def scenario(parent: Parent) -> Parent:
        result = await (await parent.start()).run("make the marker")
        assert result.text == "Done."
        return parent

    parent = run(scenario, make_backend(), tmp_path)
    assert [name for name, _ in parent.asked] == ["Bash"]
    assert parent.asked[0][1].startswith("subagent general-purpose: ")
    assert marker.exists()
    assert tool_results(model_server.model_requests[-1])[-1].startswith("Created it.")


def test_the_hidden_agent_is_made_once_and_its_copy_follows_the_parents_block(
    make_backend: BackendFactory, model_server: ModelServer, tmp_path: Path
) -> None:
    model_server.script(
        [
            Reply(tool_calls=[task("first")]),
            Reply(text="one"),
            Reply(text="ok"),
            Reply(tool_calls=[task("second")]),
            Reply(text="two"),
            Reply(text="ok"),
        ]
    )

    async def scenario(parent: Parent) -> list[AgentState]:
        runner = await parent.start()
        await runner.run("go")
        human = next(b for b in parent._agent().blocks if b.label == "human")
        await parent.backend.update_block(human.id, "Likes spaces now.")
        parent.agent = await parent.backend.find_agent(parent._agent().id)
        await runner.run("again")
        return [a for a in await parent.backend.list_agents() if SUBAGENT_TAG in a.tags]

    subagents = run(scenario, make_backend(), tmp_path)
    assert len(subagents) == 1
    assert "hidden" in subagents[0].tags
    copy = next(b for b in subagents[0].blocks if b.label == "human")
    assert copy.read_only and copy.value == "Likes spaces now."
    second_subagent_request = model_server.model_requests[4]
    assert "Likes spaces now." in all_text(second_subagent_request)
    assert "first" not in all_text(second_subagent_request).split("second")[0].split("<")[-1]


def test_a_background_task_returns_at_once_and_its_answer_is_kept_as_a_notification(
    make_backend: BackendFactory, model_server: ModelServer, tmp_path: Path
) -> None:
    def answer(request: RecordedRequest) -> Reply:  # the parent and the subagent ask at about the same time
        if "in the background" in "".join(tool_results(request)):
            return Reply(text="Started it.")
        return Reply(text="The research result.", delay=0.5)

    model_server.script([Reply(tool_calls=[task("Slow research.", run_in_background=True)]), answer, answer])

    async def scenario(parent: Parent) -> tuple[Parent, list[str], list[str]]:
        runner = await parent.start()
        await runner.run("research in the background")
        early = parent.subagents.take_finished()
        await parent.subagents.wait_background()
        return parent, early, parent.subagents.take_finished()

    parent, early, later = run(scenario, make_backend(), tmp_path)
    assert early == []
    assert any("in the background" in "".join(tool_results(r)) for r in model_server.model_requests)
    assert len(later) == 1 and "<task-notification>" in later[0] and "The research result." in later[0]
    assert parent.subagents.background_running() == 0


def test_a_fork_starts_from_the_parent_conversation(
    make_backend: BackendFactory, model_server: ModelServer, tmp_path: Path
) -> None:
    model_server.script(
        [
            Reply(text="Noted: the build uses make."),
            Reply(tool_calls=[task("Summarize what we know.", "fork")]),
            Reply(text="We know the build uses make."),
            Reply(text="ok"),
        ]
    )

    async def scenario(parent: Parent) -> None:
        runner = await parent.start()
        await runner.run("FORK-SEES-THIS: the build uses make")
        await runner.run("fork yourself")

    run(scenario, make_backend(), tmp_path)
    fork_request = model_server.model_requests[2]
    assert "FORK-SEES-THIS" in all_text(fork_request)
    assert "Summarize what we know." in all_text(fork_request)


def test_a_types_mode_narrows_the_session_but_never_loosens_it(
    make_backend: BackendFactory, model_server: ModelServer, tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("secret plans\n")
    lax = SubagentType("lax", "asks for the default mode", "Work.", permission_mode="default")
    planner = SubagentType("planner", "plans only", "Plan.", permission_mode="plan")
    model_server.script(
        [
            Reply(tool_calls=[task("Read the notes.", "lax")]),
            Reply(tool_calls=[("Read", {"file_path": str(tmp_path / "notes.txt")})]),
            Reply(text="Read them."),
            Reply(text="ok"),
            Reply(tool_calls=[task("Write a file.", "planner")]),
            Reply(tool_calls=[("Bash", {"command": f"touch {tmp_path / 'planned.txt'}"})]),
            Reply(text="Could not."),
            Reply(text="ok"),
        ]
    )

    async def strict_session(parent: Parent) -> list[tuple[str, str]]:
        await (await parent.start()).run("read the notes")
        return parent.asked

    # A strict session asks even for a read inside the project; `default` in the type does not undo that.
    asked = run(strict_session, make_backend(), tmp_path, mode="strict", types=[lax, planner])
    assert [name for name, _ in asked] == ["Read"]

    async def bypass_session(parent: Parent) -> None:
        await (await parent.start()).run("write a file")

    # A bypassPermissions session: the planner's own mode still keeps its command from running.
    run(bypass_session, make_backend(), tmp_path, mode="bypassPermissions", types=[lax, planner])
    assert not (tmp_path / "planned.txt").exists()
    assert "plan mode" in tool_results(model_server.model_requests[-2])[-1].lower()

"""The harness turn loop, on both transports: every test runs on the embedded
service and on the HTTP backend against a live `letta` server app."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest

from letta_code.client.backend import Backend, BackendError
from letta_code.harness.executor import PendingCall, StartedCalls, ToolExecutor, UserAnswer, client_tool_schema
from letta_code.harness.turn import TurnRunner, answer_without_running
from letta_code.permissions import Decision, PermissionChecker
from letta_code.schemas.chunks import OutgoingMessage, StreamChunk, ToolResultItem
from letta_code.testing import ModelServer, RecordedRequest, Reply
from letta_code.tools.base import ToolSession
from letta_code.tools.registry import select_tools
from tests.conftest import BackendFactory


class Harness:
    """A session's pieces, with a scripted user for approval prompts."""

    def __init__(self, backend: Backend, cwd: Path, mode: str = "default") -> None:
        self.backend = backend
        self.cwd = cwd
        self.checker = PermissionChecker(mode, cwd=cwd)
        self.asked: list[tuple[str, Decision]] = []
        self.answers: list[UserAnswer] = []
        self.chunks: list[StreamChunk] = []

    async def ask(self, call: PendingCall, decision: Decision) -> UserAnswer:
        self.asked.append((call.name, decision))
        return self.answers.pop(0)

    async def runner(self, tools: list[str]) -> TurnRunner:
        block = await self.backend.create_block("human", "Likes short answers.")
        agent = await self.backend.create_agent(name="t", model="openai/gpt-4.1", block_ids=[block.id], tools=tools)
        conv = await self.backend.default_conversation(agent.id)
        executor = ToolExecutor(ToolSession(cwd=self.cwd), self.checker, self.ask)
        return TurnRunner(
            self.backend,
            executor,
            conversation_id=conv.id,
            client_tools=[client_tool_schema(t) for t in select_tools(tools)],
            stream_tokens=True,
            on_chunk=self.chunks.append,
            started=StartedCalls(conv.id, self.cwd / ".started-tool-calls"),
        )


def run(coro: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    return asyncio.run(coro())


def tool_results(server: ModelServer) -> list[str]:
    return [m["content"] for m in server.last_messages() if m.get("role") == "tool"]


def test_read_inside_cwd_runs_without_asking(
    make_backend: BackendFactory, model_server: ModelServer, tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("alpha\nbeta\n")
    model_server.script([Reply(tool_calls=[("Read", {"file_path": "notes.txt"})]), Reply(text="It has two lines.")])

    async def scenario() -> Any:
        h = Harness(make_backend(), tmp_path)
        result = await (await h.runner(["Read"])).run("what is in notes.txt?")
        return h, result

    h, result = run(scenario)
    assert result.text == "It has two lines." and result.stop_reason == "end_turn"
    assert h.asked == []
    assert tool_results(model_server) == ["     1\talpha\n     2\tbeta"]
    assert result.steps == 2 and result.total_tokens > 0


def test_a_local_tool_that_fails_is_reported_as_an_error(
    make_backend: BackendFactory, model_server: ModelServer, tmp_path: Path
) -> None:
    model_server.script(
        [
            Reply(tool_calls=[("Read", {"file_path": "missing.txt"}, "call_missing")]),
            Reply(tool_calls=[("Read", {"file_path": "here.txt"}, "call_here")]),
            Reply(text="One of them is missing."),
        ]
    )
    (tmp_path / "here.txt").write_text("present\n")

    async def scenario() -> Any:
        h = Harness(make_backend(), tmp_path)
        result = await (await h.runner(["Read"])).run("read both")
        return h, result

    h, result = run(scenario)
    assert result.text == "One of them is missing."
    local = {c.get("tool_call_id"): c for c in h.chunks if c.get("id", "").startswith("message-local-")}
    assert local["call_missing"].get("status") == "error"  # what the TUI and stream-json show
    assert "missing.txt" in str(local["call_missing"].get("tool_return"))
    assert local["call_here"].get("status") == "success"
    assert tool_results(model_server)[0].startswith("Error: ")


def test_denied_call_sends_the_users_reason(
    make_backend: BackendFactory, model_server: ModelServer, tmp_path: Path
) -> None:
    model_server.script([Reply(tool_calls=[("Bash", {"command": "rm -rf build"})]), Reply(text="OK, I won't.")])

    async def scenario() -> Any:
        h = Harness(make_backend(), tmp_path)
        h.answers = [UserAnswer("deny", "keep the build folder")]
        result = await (await h.runner(["Bash"])).run("clean up")
        return h, result

    h, result = run(scenario)
    assert [name for name, _ in h.asked] == ["Bash"]
    assert result.text == "OK, I won't."
    assert "keep the build folder" in tool_results(model_server)[0]


def test_allow_always_is_not_asked_again(
    make_backend: BackendFactory, model_server: ModelServer, tmp_path: Path
) -> None:
    model_server.script(
        [
            Reply(tool_calls=[("Bash", {"command": "touch a.txt"})]),
            Reply(tool_calls=[("Bash", {"command": "touch b.txt"})]),
            Reply(text="done"),
        ]
    )

    async def scenario() -> Any:
        h = Harness(make_backend(), tmp_path)
        h.answers = [UserAnswer("allow_always")]  # the suggested rule: Bash(touch:*)
        result = await (await h.runner(["Bash"])).run("status twice")
        return h, result

    h, result = run(scenario)
    assert len(h.asked) == 1, h.asked
    assert h.asked[0][1].suggestion == "Bash(touch:*)"
    assert result.text == "done"
    assert (tmp_path / "a.txt").exists() and (tmp_path / "b.txt").exists()
    assert len(tool_results(model_server)) == 2


def test_parallel_reads_keep_call_order(
    make_backend: BackendFactory, model_server: ModelServer, tmp_path: Path
) -> None:
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.txt").write_text(name * 3)
    model_server.script(
        [Reply(tool_calls=[("Read", {"file_path": f"{n}.txt"}) for n in ("a", "b", "c")]), Reply(text="read three")]
    )

    async def scenario() -> Any:
        h = Harness(make_backend(), tmp_path)
        return await (await h.runner(["Read"])).run("read them")

    result = run(scenario)
    assert result.text == "read three"
    assert tool_results(model_server) == ["     1\taaa", "     1\tbbb", "     1\tccc"]


def test_pending_approval_from_a_crashed_session_is_resolved(
    make_backend: BackendFactory, model_server: ModelServer, tmp_path: Path
) -> None:
    model_server.script(
        [Reply(tool_calls=[("Write", {"file_path": "new.txt", "content": "hello"})]), Reply(text="written")]
    )

    async def scenario() -> Any:
        h = Harness(make_backend(), tmp_path, mode="acceptEdits")
        runner = await h.runner(["Write"])
        # The first harness sees the approval request and "crashes" before answering.
        chunks = [
            c
            async for c in h.backend.send(
                runner.conversation_id,
                [{"role": "user", "content": "write"}],
                client_tools=runner.client_tools,
                stream_tokens=False,
            )
        ]
        assert chunks[-2].get("stop_reason") == "requires_approval"
        assert await h.backend.pending_approvals(runner.conversation_id)
        result = await runner.resolve_pending()
        return h, result

    h, result = run(scenario)
    assert result is not None and result.text == "written"
    assert (tmp_path / "new.txt").read_text() == "hello"


def test_server_side_memory_tool_is_streamed(
    make_backend: BackendFactory, model_server: ModelServer, tmp_path: Path
) -> None:
    model_server.script(
        [Reply(tool_calls=[("memory_insert", {"label": "human", "new_str": "Uses vim."})]), Reply(text="noted")]
    )

    async def scenario() -> Any:
        h = Harness(make_backend(), tmp_path)
        result = await (await h.runner([])).run("I use vim")
        return h, result

    h, result = run(scenario)
    kinds = [c["message_type"] for c in h.chunks]
    assert "tool_call_message" in kinds and "tool_return_message" in kinds
    assert result.text == "noted"
    assert "Uses vim." in model_server.last_system_prompt()


def test_calls_left_by_a_killed_session_are_answered_with_what_is_known(
    make_backend: BackendFactory, model_server: ModelServer, tmp_path: Path
) -> None:
    calls = [("Bash", {"command": "make deploy"}, "call_ran"), ("Bash", {"command": "make clean"}, "call_waited")]
    model_server.script([Reply(tool_calls=calls), Reply(text="I will check the deploy first.")])

    async def scenario() -> Any:
        h = Harness(make_backend(), tmp_path)
        runner = await h.runner(["Bash"])
        chunks = [
            c
            async for c in h.backend.send(
                runner.conversation_id,
                [{"role": "user", "content": "deploy"}],
                client_tools=runner.client_tools,
                stream_tokens=False,
            )
        ]
        assert chunks[-2].get("stop_reason") == "requires_approval"
        # The session that asked had started the first command when it was killed.
        runner.started.record(PendingCall("call_ran", "Bash", '{"command": "make deploy"}'))
        answered = await runner.discard_pending("the session that asked for it was interrupted")
        result = await runner.run("what now?")
        return runner, answered, result

    runner, answered, result = run(scenario)
    assert answered == 2 and result.text == "I will check the deploy first."
    ran, waited = tool_results(model_server)
    assert ran == (
        "Error: interrupted while it ran; it may have completed — check before running it again "
        "(the session that asked for it was interrupted)"
    )
    assert waited == "Error: not run: the session that asked for it was interrupted"
    assert not runner.started.started("call_ran")  # delivered: the record is gone


def test_answers_wait_while_the_conversation_is_busy(
    make_backend: BackendFactory, model_server: ModelServer, tmp_path: Path
) -> None:
    # The busy run (a cancelled one winding down, in the TUI) ends by asking for `call_next`:
    # the answer sent meanwhile is refused as busy (409), retried, and stored once it ends.
    step, release = threading.Event(), threading.Event()

    def slow(req: RecordedRequest) -> Reply:
        step.set()
        release.wait(10)
        return Reply(tool_calls=[("Bash", {"command": "make clean"}, "call_next")])

    model_server.script([Reply(tool_calls=[("Bash", {"command": "echo hi"}, "call_first")]), slow, Reply(text="ok")])

    async def scenario() -> Any:
        h = Harness(make_backend(), tmp_path)
        runner = await h.runner(["Bash"])
        conv, tools = runner.conversation_id, runner.client_tools

        async def send(message: OutgoingMessage) -> list[StreamChunk]:
            return [c async for c in h.backend.send(conv, [message], client_tools=tools, stream_tokens=False)]

        await send({"role": "user", "content": "go"})
        done: ToolResultItem = {"type": "tool", "tool_call_id": "call_first", "tool_return": "hi", "status": "success"}
        turn = asyncio.create_task(send({"type": "approval", "approvals": [done]}))
        assert await asyncio.to_thread(step.wait, 10)
        threading.Timer(0.3, release.set).start()
        late = [PendingCall("call_next", "Bash", '{"command": "make clean"}')]
        try:
            answered = await answer_without_running(
                h.backend, conv, "the user interrupted the turn", client_tools=tools, calls=late
            )
            assert (await turn)[-2].get("stop_reason") == "requires_approval"  # it ran to its end
            return answered, await runner.run("and now?")
        finally:
            await h.backend.close()

    answered, result = run(scenario)
    assert answered == 1 and result.text == "ok"
    assert tool_results(model_server)[-1] == "Error: not run: the user interrupted the turn"


def test_calls_that_are_not_waiting_are_refused_in_one_line(
    make_backend: BackendFactory, model_server: ModelServer, tmp_path: Path
) -> None:
    async def scenario() -> BackendError:
        h = Harness(make_backend(), tmp_path)
        try:
            runner = await h.runner(["Bash"])
            nope = [PendingCall("call-nope", "Bash", "{}")]
            with pytest.raises(BackendError) as refused:
                await answer_without_running(h.backend, runner.conversation_id, "why", client_tools=[], calls=nope)
            assert await runner.discard_pending("why") == 0  # nothing waits: nothing is sent
            return refused.value
        finally:
            await h.backend.close()

    refused = run(scenario)
    assert refused.status == 400 and "no pending approval request" in str(refused)
    assert model_server.requests == []


def test_a_turn_on_another_model_sends_every_run_with_it_and_the_next_turn_uses_the_agents(
    make_backend: BackendFactory, model_server: ModelServer, tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("alpha\n")
    model_server.script(
        [Reply(tool_calls=[("Read", {"file_path": "notes.txt"})]), Reply(text="It says alpha."), Reply(text="hi")]
    )

    async def scenario() -> Any:
        h = Harness(make_backend(), tmp_path)
        runner = await h.runner(["Read"])
        first = await runner.run("what is in notes.txt?", model="openai/gpt-4.1-mini")
        second = await runner.run("hello")
        conv = await h.backend.find_conversation(runner.conversation_id)
        assert conv is not None
        agent = await h.backend.find_agent(conv.agent_id)
        await h.backend.close()  # its HTTP connections, kept alive by the reads above
        return first, second, agent

    first, second, agent = run(scenario)
    assert first.text == "It says alpha." and len(first.run_ids) == 2  # the first send and the approval's
    assert second.text == "hi"
    assert [r["model"] for r in model_server.model_requests] == ["gpt-4.1-mini", "gpt-4.1-mini", "gpt-4.1"]
    assert agent is not None and agent.model == "openai/gpt-4.1"  # the agent's own model is unchanged

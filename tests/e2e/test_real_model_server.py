"""`letta -p` against a real model server: llama-cpp-python's server with SmolLM2-135M
(tests/e2e/llamacpp.py; `make llamacpp` builds it, and `make test` runs that first).

Each turn is the real CLI in a subprocess with its own LETTA_HOME and HOME, pointed at
the server through a recording proxy (`LLAMACPP_BASE_URL`, `-m llamacpp/<id>`):

- a plain text turn on a fresh agent, whose tools must reach the model (the server
  counts the same request with and without them);
- a turn whose first request the proxy forces onto the Bash tool (`tool_choice` naming
  it), so the model really emits a tool call; the follow-up request that carries the
  call and its result must then succeed;
- a conversation that outgrows the server's 2048-token window (`--n_ctx 2048`) and
  goes on without a manual /compact;
- usage is never 0 in any result.

They run in order in one test, on one server, with `--n_ctx 2048` and
`--chat_format chatml-function-calling`, the format under which this server puts the
tools in the prompt (only when `tool_choice` is said; it cannot stream an "auto" tool
call and answers that with an empty 200, which the client retries non-streamed). A
fresh agent does not know the 2048-token window (this server does not report it): its
first request overflows and teaches it. The proxy caps `max_tokens` so a rambling model
cannot fill the window and slow the suite. Numbers worth quoting (prompt sizes as the
server counts them, the first turn's time) go to tests/.envs/real_model_server.*.json.
A missing build fails the module in one line naming the make target; nothing skips.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import letta_executable
from tests.e2e.llamacpp import ROOT, Exchange, LlamaServer, RecordingProxy, require_build

pytestmark = pytest.mark.slow

N_CTX = 2048
MAX_TOKENS = 96  # the proxy's cap on each answer
REPORT_DIR = ROOT / "tests" / ".envs"
_PROVIDER_ENV = ("OPENAI_", "ANTHROPIC_", "OLLAMA_", "LMSTUDIO_", "LLAMACPP_", "LETTA_", "GEMINI_", "OPENROUTER_")


@dataclass
class Backend:
    """A running server, the proxy in front of it, and how to run `letta` against them."""

    server: LlamaServer
    proxy: RecordingProxy
    home: Path

    @property
    def handle(self) -> str:
        return f"llamacpp/{self.server.model_id}"

    def env(self, home: Path) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(_PROVIDER_ENV)}
        env.update(
            LETTA_HOME=str(home / "letta-home"),
            HOME=str(home),
            LLAMACPP_BASE_URL=self.proxy.url,
            LETTA_LLM_RETRY_BASE_DELAY="0.01",
            NO_COLOR="1",
            LETTA_PRELOAD="0",  # as tests/conftest.py says
        )
        return env

    def project(self, name: str) -> Path:
        """A fresh home and project folder; turns in the same one share the agent."""
        (self.home / name / "letta-home").mkdir(parents=True)
        (self.home / name / "project").mkdir()
        return self.home / name / "project"

    def turn(self, project: Path, prompt: str, *args: str, timeout: float = 600) -> Turn:
        started = time.monotonic()
        proc = subprocess.run(
            [*letta_executable(), "-p", prompt, "--output-format", "json", "-m", self.handle, *args],
            cwd=project,
            env=self.env(project.parent),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        result: dict[str, Any] | None = None
        try:
            parsed = json.loads(proc.stdout)
            result = parsed if isinstance(parsed, dict) else None
        except json.JSONDecodeError:
            pass
        turn = Turn(proc, result, time.monotonic() - started)
        turn.assert_usage_not_zero()
        return turn


@dataclass
class Turn:
    proc: subprocess.CompletedProcess[str]
    result: dict[str, Any] | None
    seconds: float

    def explain(self) -> str:
        return f"exit {self.proc.returncode}\nstdout: {self.proc.stdout[-2000:]}\nstderr: {self.proc.stderr[-2000:]}"

    def assert_ok(self) -> dict[str, Any]:
        assert self.proc.returncode == 0, self.explain()
        assert self.result is not None and self.result.get("is_error") is False, self.explain()
        return self.result

    def stopped_at_step_limit(self) -> bool:
        """The turn ran until its --max-steps limit stopped it: exit 1 and an error result
        with stop_reason "max_steps" (the agent did not finish, and letta says so)."""
        return self.proc.returncode == 1 and (self.result or {}).get("stop_reason") == "max_steps"

    def ran(self) -> bool:
        return self.proc.returncode == 0 or self.stopped_at_step_limit()

    def assert_ran(self) -> dict[str, Any]:
        """Finished, or stopped by its step limit: either way the turn did what was asked of it here."""
        if self.stopped_at_step_limit():
            assert self.result is not None and self.result.get("is_error") is True, self.explain()
            return self.result
        return self.assert_ok()

    def assert_usage_not_zero(self) -> None:
        """Usage is never 0: a result that reports usage counts the prompt it sent."""
        if self.result is None or self.result.get("num_turns", 0) == 0:
            return  # no model step ran (an error before the first request)
        usage = self.result.get("usage") or {}
        assert usage.get("prompt_tokens") != 0 and usage.get("total_tokens") != 0, self.explain()


def _start(gguf: Path, n_ctx: int, tmp: Path) -> Iterator[Backend]:
    server = LlamaServer(gguf, n_ctx, tmp / "server.log").start()
    proxy = RecordingProxy(server.base, max_tokens=MAX_TOKENS).start()
    try:
        yield Backend(server, proxy, tmp)
    finally:
        proxy.stop()
        server.stop()


@pytest.fixture(scope="module")
def gguf() -> Path:
    return require_build()


@pytest.fixture(scope="module")
def llama(gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    """One server per xdist worker, with a 2048-token window that a few long turns outgrow."""
    yield from _start(gguf, N_CTX, tmp_path_factory.mktemp("llama"))


def _report(name: str, data: dict[str, Any], record_property: Any) -> None:
    for key, value in data.items():
        record_property(key, value)
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    (REPORT_DIR / f"real_model_server.{name}.json").write_text(json.dumps(data, indent=2) + "\n")


def _server_prompt_tokens(backend: Backend, exchange: Exchange) -> int:
    """The prompt of a recorded chat request as the server counts it (replayed, 1 token)."""
    body = {**exchange.request, "stream": False, "max_tokens": 1}
    body.pop("stream_options", None)
    if isinstance(body.get("tool_choice"), dict):
        body["tool_choice"] = "auto"  # a forced call adds a grammar, not prompt
    reply = backend.server.chat(body)
    return int(reply["usage"]["prompt_tokens"])


def _text_turn(llama: Backend) -> dict[str, Any]:
    """A fresh agent's first turn: the 2048-token window is learned from the overflow, tools reach the model."""
    llama.proxy.clear()
    # One step: with every tool offered, this small model may well answer with a tool call.
    turn = llama.turn(llama.project("text"), "Say hello in one short sentence.", "--max-steps", "1")
    result = turn.assert_ran()
    assert result["stop_reason"] in ("end_turn", "max_steps"), turn.explain()
    answered = [c for c in llama.proxy.chats() if c.status == 200 and c.finish_reason()]
    assert answered, turn.explain()
    chat = answered[-1]
    assert chat.request.get("tools") and chat.request.get("tool_choice") == "auto", chat.request.keys()
    with_tools = _server_prompt_tokens(llama, chat)
    bare = Exchange("POST", chat.path, {k: v for k, v in chat.request.items() if k not in ("tools", "tool_choice")})
    without = _server_prompt_tokens(llama, bare)
    # The tools reach the model (the same request without them is far smaller), and it all fits.
    assert without + 500 < with_tools <= N_CTX, (without, with_tools)
    return {
        "first_turn_seconds": round(turn.seconds, 2),
        "first_turn_requests": len(llama.proxy.chats()),
        "server_prompt_tokens_with_tools": with_tools,
        "server_prompt_tokens_without_tools": without,
        "tools_sent": len(chat.request.get("tools") or []),
        "cli_prompt_tokens": result["usage"]["prompt_tokens"],
        "cli_usage_estimated": bool(result["usage"].get("estimated")),
    }


def _forced_tool_turn(llama: Backend) -> None:
    """The first request forced onto Bash: a real tool call, then the follow-up with that history."""
    llama.proxy.clear()
    llama.proxy.force_tool_next("Bash")
    flags = ("--context-window", str(N_CTX), "--tools", "Bash", "--allowedTools", "Bash", "--max-steps", "2")
    turn = llama.turn(llama.project("tool"), "Use the Bash tool to run: echo hello", *flags)
    chats = llama.proxy.chats()
    first = chats[0]
    assert first.original.get("tools") and "tool_choice" in first.original, first.original.keys()
    assert first.status == 200 and first.finish_reason() == "tool_calls", first.response[-800:]
    assert set(first.tool_call_names()) == {"Bash"}, first.response[-800:]
    follow_ups = [
        c for c in chats[1:] if [m.get("role") for m in c.request.get("messages", [])][-2:] == ["assistant", "tool"]
    ]
    assert follow_ups, turn.explain()
    call = follow_ups[0].request["messages"][-2]
    assert call["tool_calls"][0]["function"]["name"] == "Bash" and call["content"] == "", call
    # Streamed, this server may answer an "auto" tool call with an empty 200; the client then asks unstreamed.
    assert any(c.status == 200 and c.finish_reason() for c in follow_ups), [c.response[-300:] for c in follow_ups]
    turn.assert_ran()  # the follow-up may call a tool again: then the 2-step limit stops it


LONG_TEXT = (
    "The harbour town kept its lighthouse running long after the ships stopped coming. "
    "Every evening the keeper climbed the stairs, wiped the lens, and wrote the weather "
    "in a book that nobody read. "
)


def _overflowing_turns(llama: Backend) -> dict[str, Any]:
    """Long turns in one conversation outgrow the 2048-token window; none needs a manual /compact."""
    llama.proxy.clear()
    project = llama.project("overflow")
    prompts = [f"Part {i + 1} of my notes. " + LONG_TEXT * 20 + "Reply with one short sentence." for i in range(3)]
    needed = sum(llama.server.count_tokens(p) for p in prompts)
    assert needed > N_CTX, f"the turns ({needed} tokens) would not outgrow the window"
    turns: list[Turn] = []
    for prompt in prompts:
        turn = llama.turn(project, prompt, "--tools", "", "--max-steps", "1")
        if not turn.ran():  # (a memory tool call uses up the one step: that turn ran)
            said = (turn.proc.stderr + turn.proc.stdout).lower()
            assert "context window" in said and "2048" in said.replace(",", ""), turn.explain()
            assert not turns or turns[-1].ran(), f"two turns in a row failed:\n{turn.explain()}"
        turns.append(turn)
    turns[-1].assert_ran()
    conversations = {(t.result or {}).get("conversation_id") for t in turns if t.ran()}
    assert len(conversations) == 1, conversations  # one conversation all along
    chats = llama.proxy.chats()
    return {
        "turn_exit_codes": [t.proc.returncode for t in turns],
        "turn_seconds": [round(t.seconds, 2) for t in turns],
        "chat_requests": len(chats),
        "chat_requests_without_a_chunk": sum(1 for c in chats if not c.chunks()),
        "prompt_tokens_reported": [(t.result or {}).get("usage", {}).get("prompt_tokens") for t in turns],
        "compacted_on_stderr": sum("compacted it" in t.proc.stderr for t in turns),
    }


@pytest.mark.timeout(1800)  # a loaded 2-core machine: each turn is bounded on its own
def test_a_real_model_server_end_to_end(llama: Backend, record_property: Any) -> None:
    """One server, one worker, in order: text, a forced tool call, overflowing turns (usage never 0 throughout)."""
    _report("text_turn", _text_turn(llama), record_property)
    _forced_tool_turn(llama)
    _report("overflow", _overflowing_turns(llama), record_property)

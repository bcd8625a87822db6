"""The scripted model server itself (`letta_code.testing`): script order, callables,
strictness, running as its own process, and what the package loads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from letta_code.testing import EXHAUSTED_TEXT, ModelServer, Reply


def _chat(server: ModelServer, messages: list[dict], **extra: object) -> httpx.Response:
    body = {"model": "gpt-4.1", "messages": messages, **extra}
    return httpx.post(f"{server.base_url}/chat/completions", json=body, timeout=10)


def test_replies_in_order_then_exhausted(model_server: ModelServer) -> None:
    model_server.script([Reply(text="one"), "two"])
    user = [{"role": "user", "content": "hi"}]
    texts = [_chat(model_server, user).json()["choices"][0]["message"]["content"] for _ in range(3)]
    assert texts == ["one", "two", EXHAUSTED_TEXT]
    assert model_server.remaining == 0
    assert len(model_server.requests) == 3
    assert model_server.requests[0]["messages"] == user
    assert model_server.requests[0].headers["content-type"] == "application/json"


def test_callable_reply_sees_the_request(model_server: ModelServer) -> None:
    model_server.script([lambda req: Reply(text=f"you said {req['messages'][-1]['content']}")])
    resp = _chat(model_server, [{"role": "user", "content": "ping"}])
    assert resp.json()["choices"][0]["message"]["content"] == "you said ping"


def test_strict_mode_rejects_unanswered_tool_calls(model_server: ModelServer) -> None:
    call = {"id": "call_1", "type": "function", "function": {"name": "Bash", "arguments": "{}"}}
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "user", "content": "and?"},
    ]
    resp = _chat(model_server, messages)
    assert resp.status_code == 400
    assert "call_1" in resp.json()["error"]["message"]
    assert model_server.protocol_errors


def test_models_route_and_usage_defaults(model_server: ModelServer) -> None:
    ids = [m["id"] for m in httpx.get(f"{model_server.base_url}/models").json()["data"]]
    assert "gpt-4.1" in ids
    model_server.script([Reply(text="x" * 40)])
    usage = _chat(model_server, [{"role": "user", "content": "y" * 400}]).json()["usage"]
    assert usage["completion_tokens"] == 10
    assert usage["prompt_tokens"] >= 100


def test_runs_as_a_process_with_a_looping_script(tmp_path: Path) -> None:
    script = tmp_path / "script.json"
    script.write_text(json.dumps(["a", {"text": "b", "completion_tokens": 7}]))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "letta_code.testing",
            "--port",
            "0",
            "--script",
            str(script),
            "--loop",
        ],
        cwd=tmp_path,  # an installed package: no repository on the path needed
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("model_server listening on http://127.0.0.1:")
        url = line.split()[-1]
        body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
        texts = [
            httpx.post(f"{url}/v1/chat/completions", json=body).json()["choices"][0]["message"]["content"]
            for _ in range(3)
        ]
        assert texts == ["a", "b", "a"]
        httpx.post(f"{url}/__script__", json=[]).raise_for_status()
        assert len(httpx.get(f"{url}/__requests__").json()) == 4
    finally:
        proc.terminate()
        proc.wait(timeout=5)
        if proc.stdout is not None:
            proc.stdout.close()


def test_the_package_loads_only_the_standard_library() -> None:
    code = (
        "import sys, letta_code.testing\n"
        "ours = sorted(m for m in sys.modules if m.startswith('letta_code') and not m.startswith('letta_code.testing'))\n"
        "print(ours, 'httpx' in sys.modules, 'pydantic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["['letta_code']", "False", "False"]

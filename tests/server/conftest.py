"""A live Letta server for tests: the real app under uvicorn on a free loopback port.

`live_server` runs uvicorn in a thread (fast); `tests/server/test_process.py`
starts the real `letta server` process. Clients are the official `letta_client`
SDK with strict response validation, so every response must fit its types.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import uvicorn
from letta_client import Letta, Omit
from letta_client.types import MessageCreateParam
from letta_client.types.agents.message_create_params import ClientTool

from letta_code.schemas.chunks import ClientToolSchema
from letta_code.server.app import create_app
from letta_code.service.service import AgentService
from letta_code.testing import ModelServer

API_KEY = "test-server-key"
BASH_TOOL: ClientToolSchema = {
    "name": "Bash",
    "description": "Run a shell command",
    "parameters": {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]},
}
SDK_BASH_TOOL: ClientTool = {**BASH_TOOL}  # the same tool, as the official SDK types it

T = TypeVar("T")


def as_a(kind: type[T], value: object) -> T:
    """`value`, checked to be a `kind`: the SDK types its responses as unions of message types."""
    assert isinstance(value, kind), value
    return value


def run_id_of(chunk: object) -> str:
    """The run a streamed message belongs to."""
    run_id = getattr(chunk, "run_id", None)
    assert isinstance(run_id, str), chunk
    return run_id


def user(text: str) -> list[MessageCreateParam]:
    """The `messages` of a request that sends one user message."""
    return [{"role": "user", "content": text}]


@dataclass
class LiveServer:
    url: str
    service: AgentService
    api_key: str | None
    model: ModelServer

    def client(self, api_key: str | None = "default", **kwargs: Any) -> Letta:
        key = self.api_key if api_key == "default" else api_key
        if key is None:  # no Authorization header at all (not even LETTA_API_KEY from the environment)
            kwargs["default_headers"] = {"Authorization": Omit()}
        return Letta(base_url=self.url, api_key=key, max_retries=0, _strict_response_validation=True, **kwargs)


class ThreadServer:
    """uvicorn serving `app` in a daemon thread; `stop()` shuts it down."""

    def __init__(self, app: Any) -> None:
        # IPPROTO_TCP so asyncio sets TCP_NODELAY (see cli/server_cmd.py `listen`)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="error", lifespan="off", timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def start(self) -> ThreadServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise TimeoutError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)
        self.sock.close()


def start_live_server(
    tmp_path: Path, model: ModelServer, *, api_key: str | None = API_KEY, ping_interval: float | None = 0.2
) -> tuple[LiveServer, ThreadServer]:
    service = AgentService(tmp_path / "letta.db", model.env())
    thread = ThreadServer(create_app(service, api_key, ping_interval=ping_interval)).start()
    return LiveServer(f"http://127.0.0.1:{thread.port}", service, api_key, model), thread


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server (and scripted model) per test module; tests keep to their own agents."""
    model = ModelServer().start()
    live, thread = start_live_server(tmp_path_factory.mktemp("server"), model)
    try:
        yield live
    finally:
        thread.stop()
        model.stop()


@pytest.fixture
def live_server(shared_server: LiveServer) -> LiveServer:
    shared_server.model.clear()
    return shared_server


@pytest.fixture
def client(live_server: LiveServer) -> Iterator[Letta]:
    with live_server.client() as sdk:
        yield sdk

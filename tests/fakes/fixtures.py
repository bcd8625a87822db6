"""Pytest fixtures for the scripted model server; `tests/conftest.py` imports them.

`model_server` is a started `ModelServer` (one per test); `model_env` also sets
the OPENAI_*/ANTHROPIC_* variables (and a tiny retry delay) in `os.environ` for
code that runs in-process, and returns the server.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.model_server import ModelServer, Reply

__all__ = ["ModelServer", "Reply", "model_env", "model_server"]


@pytest.fixture
def model_server() -> Iterator[ModelServer]:
    server = ModelServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def model_env(model_server: ModelServer, monkeypatch: pytest.MonkeyPatch) -> ModelServer:
    for name, value in model_server.env().items():
        monkeypatch.setenv(name, value)
    return model_server

"""Fixtures for the model adapter tests: the scripted model server, tiny retry delays."""

from __future__ import annotations

import pytest

from tests.fakes.fixtures import model_env, model_server

__all__ = ["model_env", "model_server"]


@pytest.fixture(autouse=True)
def _fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LETTA_LLM_RETRY_BASE_DELAY", "0.001")
    monkeypatch.delenv("LETTA_LLM_MAX_RETRIES", raising=False)

"""Fixtures for the model adapter tests: tiny retry delays (the scripted model server
fixtures, `model_server` and `model_env`, come from `tests/conftest.py`)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LETTA_LLM_RETRY_BASE_DELAY", "0.001")
    monkeypatch.delenv("LETTA_LLM_MAX_RETRIES", raising=False)

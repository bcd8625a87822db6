"""Fixtures for the model adapter tests (the scripted model server)."""

from tests.fakes.fixtures import model_env, model_server

__all__ = ["model_env", "model_server"]

"""Defaults every layer shares: what a value is when nobody said.

A module with no imports, so that `letta --help` (which shows `--max-steps`'s
default) can read it for nothing.
"""

# The context window assumed for a model nobody said anything about (tokens).
DEFAULT_CONTEXT_WINDOW = 128_000
# A memory block's size limit when its creator names none (characters; the Letta API's default).
DEFAULT_BLOCK_LIMIT = 20_000
# Model steps one user turn may take unless told otherwise (`--max-steps`, the API's `max_steps`).
DEFAULT_MAX_STEPS = 50
# How many items a list call returns unless told otherwise (messages, agents, blocks, ...).
DEFAULT_PAGE_SIZE = 50
# How many results a search gives unless told otherwise: the search tools' `top_k`/`limit`,
# `GET /v1/agents/{id}/archival-memory/search`.
DEFAULT_TOP_K = 10

# The tag of agents that are a session's machinery (subagents, reflection), not agents a user
# talks to: lists and searches across agents leave them out.
HIDDEN_TAG = "hidden"

__all__ = [
    "DEFAULT_BLOCK_LIMIT",
    "DEFAULT_CONTEXT_WINDOW",
    "DEFAULT_MAX_STEPS",
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_TOP_K",
    "HIDDEN_TAG",
]

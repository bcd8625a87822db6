"""The Letta REST routes, one module per resource; `ROUTERS` is what the app mounts.

Each module puts its routes on a `Router` (`server/common.py`) and calls the agent
service. Part of `server`, so it must not import `cli`, `harness` or `tools`
(import-linter contract "server sits on the service only"), nor `testing`.
"""

from __future__ import annotations

from letta_code.server.routes import agents, blocks, context, conversations, messages, misc, passages, reflection, runs

ROUTERS = [
    misc.router,
    agents.router,
    messages.router,
    conversations.router,
    runs.router,
    blocks.router,
    passages.router,
    context.router,
    reflection.router,
]

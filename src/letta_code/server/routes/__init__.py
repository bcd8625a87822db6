"""The Letta REST routes, one module per resource; `ROUTERS` is what the app mounts."""

from __future__ import annotations

from letta_code.server.routes import agents, blocks, conversations, messages, misc, runs

ROUTERS = [misc.router, agents.router, messages.router, conversations.router, runs.router, blocks.router]

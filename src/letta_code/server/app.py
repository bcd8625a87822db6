"""The FastAPI app: Letta REST routes over one `AgentService`, JSON errors, optional API key.

On start (the ASGI lifespan), background runs that a killed server left running
are resumed (`AgentService.resume_interrupted_runs`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from letta_code import __version__
from letta_code.server.auth import ApiKeyMiddleware
from letta_code.server.routes import ROUTERS
from letta_code.server.turns import NO_RETRY
from letta_code.service.errors import ServiceError
from letta_code.service.llm.types import LLMError
from letta_code.service.service import AgentService

DEFAULT_PING_INTERVAL = 5.0

log = logging.getLogger(__name__)


def create_app(
    service: AgentService, api_key: str | None = None, *, ping_interval: float | None = DEFAULT_PING_INTERVAL
) -> FastAPI:
    """The server app. `ping_interval`: seconds of silence before a stream gets a ping (None: never)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        resumed = service.resume_interrupted_runs()
        if resumed:
            log.warning("resumed %d interrupted background run(s): %s", len(resumed), ", ".join(resumed))
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="Letta Code server",
        version=__version__,
        description="A subset of the Letta REST API (agents, blocks, conversations, messages, runs) "
        "served by Letta Code's agent service. Streams are server-sent events.",
    )
    app.router.redirect_slashes = False  # both spellings are registered; never answer with a redirect
    app.state.service = service
    app.state.ping_interval = ping_interval
    app.state.tool_names = set()  # tool names seen since start (a detached tool stays attachable)
    for router in ROUTERS:
        app.include_router(router)

    @app.exception_handler(ServiceError)
    async def service_error(request: Request, exc: ServiceError) -> JSONResponse:
        # x-should-retry: the SDKs retry 409s by default, which would only repeat the refusal
        return JSONResponse({"detail": exc.detail}, exc.status_code, headers=NO_RETRY)

    @app.exception_handler(LLMError)
    async def llm_error(request: Request, exc: LLMError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, 400, headers=NO_RETRY)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        # Logged in full here; the client gets no internals (SQL, parameters, prompts).
        log.exception("internal error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": f"internal error ({type(exc).__name__}); see the server log"}, 500, headers=NO_RETRY)

    if api_key:
        app.add_middleware(ApiKeyMiddleware, api_key=api_key)
    return app

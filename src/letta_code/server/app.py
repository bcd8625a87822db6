"""The FastAPI app: Letta REST routes over one `AgentService`, JSON errors, optional API key.

On start (the ASGI lifespan), background runs that a killed server left running
are resumed (`AgentService.resume_interrupted_runs`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from letta_code import __version__
from letta_code.errors import UserError
from letta_code.server import guards
from letta_code.server.ade.routes import router as ade_router
from letta_code.server.auth import ApiKeyMiddleware
from letta_code.server.routes import ROUTERS
from letta_code.server.turns import NO_RETRY
from letta_code.service.service import AgentService

DEFAULT_PING_INTERVAL = 5.0

log = logging.getLogger(__name__)


def create_app(
    service: AgentService,
    api_key: str | None = None,
    *,
    ping_interval: float | None = DEFAULT_PING_INTERVAL,
    max_body_bytes: int | None = None,
) -> FastAPI:
    """The server app. `ping_interval`: seconds of silence before a stream gets a ping (None: never).

    `max_body_bytes`: the request body limit (default: `LETTA_SERVER_MAX_BODY_BYTES` in the
    service's environment, else 4 MiB). Without `api_key` only loopback Host names are
    answered (`server/guards.py`).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        resumed = service.resume_interrupted_runs()
        if resumed:
            log.warning("resumed %d interrupted background run(s): %s", len(resumed), ", ".join(resumed))
        yield

    app = FastAPI(
        lifespan=lifespan,
        docs_url=None,  # /docs and /redoc are our own offline page (server/ade/routes.py)
        redoc_url=None,
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
    app.include_router(ade_router)  # the browser view at / (server/ade/)

    # One mapping for every error: a UserError (ServiceError, LLMError, DatabaseError, ...)
    # answers its status and its message; anything else is a 500 without internals.
    app.add_exception_handler(UserError, user_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, internal_error)

    if api_key:
        app.add_middleware(ApiKeyMiddleware, api_key=api_key)
    # Outermost: Host, Origin and body-size checks come before the key check.
    app.add_middleware(
        guards.RequestGuard,
        check_host=not api_key,
        max_body_bytes=guards.max_body_bytes(service.env) if max_body_bytes is None else max_body_bytes,
        extra_hosts=guards.allowed_hosts(service.env),
    )
    return app


def status_of(exc: Exception) -> int:
    """A user error's HTTP status: its `status_code` (UserError's 400 unless a subclass sets one)."""
    status = getattr(exc, "status_code", 400)
    return status if isinstance(status, int) and 400 <= status <= 599 else 400


async def user_error(request: Request, exc: Exception) -> JSONResponse:
    # x-should-retry: the SDKs retry 409s by default, which would only repeat the refusal
    detail = " ".join(line.strip() for line in str(exc).splitlines() if line.strip()) or type(exc).__name__
    return JSONResponse({"detail": detail}, status_of(exc), headers=NO_RETRY)


async def http_error(request: Request, exc: Exception) -> Response:
    """FastAPI's own answer, except that a 405 lists in `Allow` every method the path takes."""
    assert isinstance(exc, StarletteHTTPException)
    response = await http_exception_handler(request, exc)
    if exc.status_code == 405:
        path = request.url.path
        methods = {
            method
            for router in ROUTERS
            for route in router.routes
            if isinstance(route, APIRoute) and route.path_regex.match(path)
            for method in route.methods or ()
        }
        if methods:
            response.headers["allow"] = ", ".join(sorted(methods))
    return response


async def internal_error(request: Request, exc: Exception) -> JSONResponse:
    # Logged in full here; the client gets no internals (SQL, parameters, prompts).
    log.exception("internal error on %s %s", request.method, request.url.path)
    return JSONResponse({"detail": f"internal error ({type(exc).__name__}); see the server log"}, 500, headers=NO_RETRY)

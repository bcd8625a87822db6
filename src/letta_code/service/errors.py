"""Errors the service raises; each carries the HTTP status the server answers with."""

from __future__ import annotations

from letta_code.errors import UserError


class ServiceError(UserError):
    status_code = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFoundError(ServiceError):
    status_code = 404


class ConflictError(ServiceError):
    """The conversation is busy with a run, or waits for an approval."""

    status_code = 409


class BadRequestError(ServiceError):
    status_code = 400

"""The one base class of errors a user is meant to read.

Every layer raises its own subclass (settings, the store, model servers, the service,
the CLI's start-up); each carries a short message that says what went wrong and, where
it can, what to do. The CLI prints it in one place (one line, no traceback); the server
maps it in one place (its `status_code`, the message as `detail`). Anything that is not
a `UserError` is a bug or an unexpected fault: the CLI names its type only, the server
answers 500 without internals, and `LETTA_DEBUG=1` shows the traceback.

This module imports nothing, so every layer may use it.
"""

from __future__ import annotations


class UserError(Exception):
    """An error whose message is written for the user."""

    status_code = 400  # what the server answers when this reaches a request

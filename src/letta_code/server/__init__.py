"""The Letta server: a FastAPI app serving the Letta REST API (and SSE) over the agent service.

`create_app(service, api_key)` in `app.py` (one place maps errors to HTTP statuses); the
routes in `routes/`, request bodies in `requests.py`, response shapes in `views.py`, the
API key in `auth.py`. `letta server` (cli/server_cmd.py) runs it with uvicorn.

It sits on `service` and `schemas`: must not import `cli`, `harness` or `tools`
(import-linter contract "server sits on the service only"), nor `testing`.
"""

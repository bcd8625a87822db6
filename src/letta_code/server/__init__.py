"""The Letta server: a FastAPI app serving the Letta REST API (and SSE) over the agent service.

`create_app(service, api_key)` in `app.py`; `letta server` (cli/server_cmd.py) runs it with uvicorn.
"""

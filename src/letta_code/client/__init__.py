"""The `Backend` interface the harness talks to, and its two transports.

`EmbeddedBackend` (`embedded.py`) runs the agent service in this process; `HttpBackend`
(`http.py`) speaks the Letta REST API (httpx + SSE) to a server at `LETTA_BASE_URL`, and
`wire.py` checks each chunk it streams. Both return the same `schemas` records and chunk
dicts; `models.py` answers the CLI's model questions (`Backend.models`).

Must not import `cli`, `harness`, `server`, `tools` or `permissions` (import-linter
contract "clients sit below the harness and the CLI"), nor `testing`. Only `embedded.py`
and, inside its functions, `models.py` import `service`.
"""

"""Model providers: handles and aliases (`registry.py`), the OpenAI Chat Completions and
Anthropic Messages adapters over one HTTP transport, and asking model servers what they
serve and how large their context window is (`discovery.py`).

Part of `service`, so it must not import `cli`, `harness`, `tools`, `server` or `client`;
it imports only `schemas` and `letta_code.errors` (not `service.agent` or
`service.store`). `registry.py` does not import httpx: the adapters load on first use.
"""

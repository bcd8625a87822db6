"""The wire vocabulary shared by every layer: Letta message types (`messages.py`) and
the typed dicts they are on the wire (`chunks.py`), the agent, block, conversation and
run records the service hands out (`state.py`), the defaults every layer shares
(`defaults.py`), reading Server-Sent Events (`sse.py`), and text made safe to store and
send (`text.py`).

Plain dataclasses and TypedDicts, no pydantic (start-up cost; see docs/decisions.md). A
leaf: it must not import anything of ours (import-linter contract "schemas import nothing
of ours"), so the service, the server, the client and the harness all speak it.
"""

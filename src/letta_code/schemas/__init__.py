"""The wire vocabulary shared by every layer: Letta message types (`messages.py`), the
agent, block, conversation and run records the service hands out (`state.py`), the
defaults every layer shares (`defaults.py`), and text made safe to store and send (`text.py`).

Plain dataclasses, no pydantic (start-up cost; see docs/decisions.md). A leaf: it imports
nothing of ours, so the service, the server, the client and the harness all speak it.
"""

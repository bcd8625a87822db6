"""The agent's step loop and what a step needs: the prompt, the server-side tools, compaction.

`loop.py` compiles the prompt, calls the model, runs server tools (`memory_*`,
`conversation_search`, `archival_*`) and stops at a client tool call
(`requires_approval`); `recovery.py` plans how to resume a run whose process died.

Part of `service`, so it must not import `cli`, `harness`, `tools`, `server` or `client`.
It uses `service.llm`, `service.store` and `service.live_runs`; neither `llm` nor `store`
imports it. `recovery.py` must not import `loop.py`, `model_call.py` or `live_runs.py`
(contract "recovery plans, the loop acts"): it returns a plan, the loop carries it out.
"""

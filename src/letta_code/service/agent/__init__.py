"""The agent's step loop and what a step needs: the prompt, the server-side tools, compaction.

`loop.py` compiles the prompt, calls the model, runs server tools (`memory_*`,
`conversation_search`, `archival_*`) and stops at a client tool call
(`requires_approval`); `recovery.py` resumes a run whose process died.

Part of `service`, so it must not import `cli`, `harness`, `tools`, `server` or `client`.
It uses `service.llm` and `service.store`; neither of them imports it.
"""

"""The agent service: agents, memory blocks, conversations, messages and runs.

`service.py` (`AgentService`) is the facade the embedded backend and the server call;
`live_runs.py` numbers, persists and fans out a run's chunks; `inputs.py` turns a send request
into stored messages. Subpackages: `agent` (the step loop), `llm` (model adapters),
`store` (SQLite).

Must not import `cli`, `harness`, `tools`, `server` or `client` (import-linter contract
"service knows nothing of the harness, the CLI, tools or the server"), nor `testing`: it
knows client tools only as the schemas a request carries.
"""

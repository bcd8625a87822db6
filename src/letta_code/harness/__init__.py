"""The turn loop shared by the TUI and headless mode, between the CLI and the agent service.

`turn.py` sends a user turn, drains the stream, resumes a dropped one and sends tool
results back; `executor.py` checks permissions and runs the client tools;
`agent_setup.py` finds or creates the session's agent and conversation; `skills.py`
keeps the skills memory blocks and runs the `Skill` tool.

It reaches the service only through the `client.backend.Backend` interface. Must not
import `cli` or `server` (import-linter contract "the harness knows nothing of the CLI
or the server"), nor `testing`.
"""

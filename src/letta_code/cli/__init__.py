"""The `letta` command: flags, start-up, headless mode (`-p`), the interactive TUI and its
slash commands, `letta server` and `letta memory`.

The top layer: nothing imports `cli`; it imports the harness, the client, permissions,
tools, config and schemas, and the server only to run `letta server`. It must not import
the service except through `client/` (import-linter contract "the CLI reaches the service
only through client/"): only `server_cmd.py` and `memory_cmd.py` import it directly, to
open an `AgentService` on the local database. Never `testing`. `main.py` and
`args.py` import almost nothing at module level, so `letta --version` and `--help` stay
instant; `failure.py` is the one place an exception becomes the line a user reads.
"""

"""The `letta` command: flags, start-up, headless mode (`-p`), the interactive TUI and its
slash commands, `letta server` and `letta memory`.

The top layer: it may import every other package (the harness, the client, permissions,
tools, config, schemas; the server only to run `letta server`; the service only for
`letta server`, `letta memory` and model names). Nothing imports `cli`. `main.py` and
`args.py` import almost nothing at module level, so `letta --version` and `--help` stay
instant; `failure.py` is the one place an exception becomes the line a user reads.
"""

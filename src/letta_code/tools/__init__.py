"""The client-side coding tools: the built-in tools themselves, one module each in
`builtin/` (Bash, Read, Write, Edit, MultiEdit, Grep, Glob, LS, TodoWrite, BashOutput,
KillBash, ExitPlanMode, WebFetch, WebSearch), and here what they stand on: the `Tool`
classes (`base.py`, `core.py`), the registry by name (`registry.py`), file state and
editing (`filestate.py`, `editing.py`), walking and matching files (`walk.py`,
`globs.py`, `ripgrep.py`, `pysearch.py`), background shells (`shells.py`), output
truncation and the numbered, cut file line Read and Edit show (`truncate.py`), the Bash
sandbox (`sandbox/`), fetching pages and asking search providers for the web tools
(`web/`), and the tools of MCP servers (`mcp/`: their configuration, one connection
task per server over the official `mcp` SDK, imported only when a server is configured).

A tool knows nothing of the service or of permissions: the harness checks a call, then
runs it. Must not import `cli`, `harness`, `service`, `server`, `client`, `permissions`
or `schemas` (import-linter contract "tools import only config"), nor `testing`. The
helpers here must not import `builtin/` (contract "the tool helpers know nothing of the
builtin tools"); only `registry.py` imports the tools, by name on first use.
"""

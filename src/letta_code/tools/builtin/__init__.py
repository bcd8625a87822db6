"""The built-in client tools, one module each: Bash, BashOutput, KillBash, Read, Write,
Edit, MultiEdit, Grep, Glob (`glob_tool.py`), LS, TodoWrite, ExitPlanMode, WebFetch and
WebSearch.

Each is a `Tool` (`tools/core.py`) named in `tools/registry.py`, which imports a
module only when its tool is first used. What they share (file state, editing,
globs, walking a tree, ripgrep, shells, truncation, the sandbox) lives one level up
in `tools/` and never imports a builtin tool. Part of `tools`, so it must not import
`cli`, `harness`, `service`, `server`, `client`, `permissions` or `schemas`.
"""

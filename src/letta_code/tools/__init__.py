"""The client-side coding tools (Bash, Read, Write, Edit, MultiEdit, Grep, Glob, LS,
TodoWrite, BashOutput, KillBash, ExitPlanMode), their registry (`registry.py`), output
truncation, background shells and the Bash sandbox (`sandbox/`).

A tool knows nothing of the service or of permissions: the harness checks a call, then
runs it. Must not import `cli`, `harness`, `service`, `server`, `client`, `permissions`
or `schemas` (import-linter contract "tools import only config").
"""

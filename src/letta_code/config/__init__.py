"""Where Letta Code keeps its files (`paths.py`: `LETTA_HOME`, the project's `.letta/`)
and the three settings files (`settings.py`: global, project, project-local).

A leaf: it must not import anything of ours but `letta_code.errors` (import-linter
contract "config imports nothing of ours but errors"), so every layer may read settings.
"""

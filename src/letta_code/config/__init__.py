"""Where Letta Code keeps its files (`paths.py`: `LETTA_HOME`, the project's `.letta/`)
and the three settings files (`settings.py`: global, project, project-local).

A leaf: it imports nothing of ours but `letta_code.errors`, so every layer may read
settings (permissions and tools may import only `config`).
"""

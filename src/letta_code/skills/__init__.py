"""Skills: discovery and parsing of SKILL.md files (`discovery.py`), and the text of the
skills memory blocks (`render.py`).

A leaf: it must not import anything of ours (import-linter contract "skills import
nothing of ours"); the harness uses it to keep the blocks and run the `Skill` tool.
"""

"""Tool names grouped by what they can do (kept here so permissions never import `tools`)."""

from __future__ import annotations

# Tools that only look at files and take their target from a path argument.
FILE_READ_TOOLS: frozenset[str] = frozenset({"Read", "Grep", "Glob", "LS"})
# Tools that change files.
EDIT_TOOLS: frozenset[str] = frozenset({"Write", "Edit", "MultiEdit", "NotebookEdit"})
# Tools that touch only state of this session (todo list, shells the agent already started).
SESSION_TOOLS: frozenset[str] = frozenset({"TodoWrite", "BashOutput", "KillBash"})
# Everything that never changes anything on disk.
READ_ONLY_TOOLS: frozenset[str] = FILE_READ_TOOLS | frozenset({"BashOutput", "TodoWrite"})
SHELL_TOOL = "Bash"
EXIT_PLAN_TOOL = "ExitPlanMode"
# Tools that reach the network (nothing on disk): they ask unless a rule allows them, in plan mode too.
WEB_FETCH_TOOL = "WebFetch"
WEB_SEARCH_TOOL = "WebSearch"
WEB_TOOLS: frozenset[str] = frozenset({WEB_FETCH_TOOL, WEB_SEARCH_TOOL})

KNOWN_TOOLS: frozenset[str] = (
    FILE_READ_TOOLS | EDIT_TOOLS | SESSION_TOOLS | WEB_TOOLS | frozenset({SHELL_TOOL, EXIT_PLAN_TOOL})
)
# Tools whose rule specifier is a path pattern.
PATH_TOOLS: frozenset[str] = FILE_READ_TOOLS | EDIT_TOOLS

# Argument that names a tool's target file or directory.
PATH_ARGUMENT: dict[str, str] = {
    "Read": "file_path",
    "Write": "file_path",
    "Edit": "file_path",
    "MultiEdit": "file_path",
    "NotebookEdit": "notebook_path",
    "Grep": "path",
    "Glob": "path",
    "LS": "path",
}


def rule_family(rule_tool: str) -> frozenset[str]:
    """The tools a rule written for `rule_tool` covers: `Read` covers all file readers,
    `Edit` all file editors, anything else only itself."""
    if rule_tool == "Read":
        return FILE_READ_TOOLS
    if rule_tool == "Edit":
        return EDIT_TOOLS
    return frozenset({rule_tool})

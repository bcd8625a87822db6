"""The permission layer: modes, rules, shell-command analysis and per-call decisions.

Typical use::

    checker = PermissionChecker.from_rules(settings.permission_rules(), mode, cwd)
    decision = checker.check("Bash", {"command": "npm test"})
    if decision.behavior == "ask": ...

Importing this package does not import tree-sitter; the bash parser is built the
first time a shell command is checked.
"""

from letta_code.permissions.categories import (
    EDIT_TOOLS,
    FILE_READ_TOOLS,
    READ_ONLY_TOOLS,
    SESSION_TOOLS,
)
from letta_code.permissions.checker import Decision, PermissionChecker
from letta_code.permissions.modes import PermissionMode, next_mode, parse_mode
from letta_code.permissions.paths import PathPattern, ResolvedPath, parse_path_pattern, resolve_path
from letta_code.permissions.persist import (
    describe_call,
    headless_denial_message,
    save_allow_rule,
    save_rule,
)
from letta_code.permissions.rules import Rule, RuleError, parse_rule, split_rule_list
from letta_code.permissions.shell import ShellAnalysis, SimpleCommand, analyze

__all__ = [
    "EDIT_TOOLS",
    "FILE_READ_TOOLS",
    "READ_ONLY_TOOLS",
    "SESSION_TOOLS",
    "Decision",
    "PathPattern",
    "PermissionChecker",
    "PermissionMode",
    "ResolvedPath",
    "Rule",
    "RuleError",
    "ShellAnalysis",
    "SimpleCommand",
    "analyze",
    "describe_call",
    "headless_denial_message",
    "next_mode",
    "parse_mode",
    "parse_path_pattern",
    "parse_rule",
    "resolve_path",
    "save_allow_rule",
    "save_rule",
    "split_rule_list",
]

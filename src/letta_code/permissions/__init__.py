"""The permission layer: modes, rules, shell-command analysis and per-call decisions.

Typical use::

    checker = PermissionChecker.from_rules(settings.permission_rules(), mode, cwd)
    decision = checker.check("Bash", {"command": "npm test"})
    if decision.behavior == "ask": ...            # prompt; "allow always" ->
        checker.add_session_rule(decision.suggestion)  # and/or save_allow_rule(...)

Decisions worth knowing (details in each module's docstring):

- Precedence: deny > ask > mode > allow > mode default, whatever file a rule is in.
  Ask rules still ask in bypassPermissions; deny rules always deny.
- Bash lines are split with tree-sitter into simple commands (through `;`, `&&`,
  pipes, subshells, `$(...)`, backticks, `<(...)`, `bash -c`, `find -exec`,
  wrappers such as `env`, `timeout`, `sudo`, `xargs`, `setsid`, `flock`, `watch`).
  Every part must be allowed; any part matching a deny (ask) rule denies (asks) the
  whole line. The analyzer fails closed: globs are expanded as bash would expand
  them now (`expansion`), and anything else whose meaning is only known at run time
  (eval, functions, control flow, `$CMD`, complex `${...}`, brace expansion) asks.
- Deny and ask rules are walls (`deny_wall`), checked before the mode and allow
  rules: a line that might match them (unreadable parts, run-time words, a denied
  path named by any program, a command hidden in an unknown wrapper) is refused.
- `Bash(x:*)` matches by words: `npm test:*` covers `npm test --watch`, not
  `npm test:unit`. Allow rules need literal words; `sudo` and `VAR=value` prefixes
  other than a few harmless variables (NODE_ENV, CI, ...) defeat allow rules but
  not deny rules.
- Redirections to files are edits (`Edit` rules, acceptEdits); `/dev/null` is fine.
- Paths are resolved (`~`, `..`, symlinks) before matching. Allow rules match the
  real path; deny/ask rules also match the lexical path, ignore case, and a
  name-only pattern (`.env`) anywhere.
- A list of read-only commands (ls, cat, grep, git status/diff/log, ...) runs
  without asking when every path it reads is inside the working directory, each
  with an allow-list of options (`readonly_specs`, `git_readonly`; any other
  option asks). Under `Read(...)` rules, recursive readers (`grep -r`, `rg`,
  `diff -r`) walk their folders and git commands that print contents check the
  index and history (`deep_reads`, `git_history`). git runs read-only only in a
  repository whose config runs no programs (`git_repo`). Edits under `.git/` and
  `.letta/` (whatever their case) and writes that would complete a bare repository
  always ask, even in acceptEdits.
- TodoWrite, BashOutput and KillBash touch only session state and are allowed in
  every mode (strict too); ExitPlanMode asks in plan mode and is allowed otherwise.

Must not import `cli`, `harness`, `service`, `server`, `client` or `tools`
(import-linter contract "permissions import only config"), nor `testing`; today it
imports only `config`.

Importing this package does not import tree-sitter; the bash parser is built the
first time a shell command is checked, and only ever sees an ASCII view of the
command (tree-sitter-bash 0.25 can crash on some non-ASCII input).
"""

from letta_code.permissions.categories import (
    EDIT_TOOLS,
    FILE_READ_TOOLS,
    READ_ONLY_TOOLS,
    SESSION_TOOLS,
)
from letta_code.permissions.checker import PermissionChecker
from letta_code.permissions.decision import Decision
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

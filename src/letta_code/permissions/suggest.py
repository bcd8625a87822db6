"""The narrowest sensible rule that would allow a call ("allow always" / headless hints)."""

from __future__ import annotations

import os
import shlex

from letta_code.permissions.paths import ResolvedPath, is_within, real_dir
from letta_code.permissions.shell import SimpleCommand
from letta_code.permissions.words import CommandForm

# Programs whose first argument is a subcommand worth keeping in the rule (`git diff:*`).
_SUBCOMMAND_PROGRAMS = frozenset(
    {
        "git",
        "npm",
        "pnpm",
        "yarn",
        "bun",
        "cargo",
        "go",
        "docker",
        "kubectl",
        "pip",
        "pip3",
        "uv",
        "poetry",
        "make",
        "gh",
        "brew",
        "apt",
        "apt-get",
        "dotnet",
        "mvn",
        "gradle",
        "gradlew",
        "mvnw",
        "rustup",
        "conda",
        "npx",
        "bunx",
        "pnpx",
        "deno",
        "terraform",
        "helm",
        "just",
        "tox",
        "nox",
        "hatch",
        "pdm",
        "rye",
        "sudo",
    }
)
# `npm run test`: keep the script name too.
_RUNNERS = frozenset({"run", "exec", "x", "run-script"})
_PYTHONS = frozenset({"python", "python3", "py"})


def _allowable_form(command: SimpleCommand) -> CommandForm | None:
    for form in reversed(command.forms):
        if form.allowable:
            return form
    return None


def bash_rule_for(command: SimpleCommand) -> str | None:
    """`Bash(<program> [subcommand]:*)` for a command, or None when no rule could allow it."""
    form = _allowable_form(command)
    if form is None or not form.words or not form.words[0].literal:
        return None
    words = form.words
    name = os.path.basename(words[0].text)

    def plain(i: int) -> bool:
        return i < len(words) and words[i].literal and not words[i].text.startswith("-") and bool(words[i].text)

    count = 1
    if name in _SUBCOMMAND_PROGRAMS and plain(1):
        count = 2
        if words[1].text in _RUNNERS and plain(2):
            count = 3
    elif name in _PYTHONS and len(words) > 2 and words[1].literal and words[1].text == "-m" and plain(2):
        count = 3
    prefix = " ".join(shlex.quote(w.text) for w in words[:count])
    if "*" in prefix:
        return None
    return f"Bash({prefix}:*)"


def path_rule_for(family: str, target: ResolvedPath, root: str, *, is_dir: bool) -> str:
    """`Read(./src/**)`-style rule for a file (its folder) or a folder (itself)."""
    path = target.real if is_dir else os.path.dirname(target.real)
    if is_within(target.real, root) and not is_dir and path == root:
        return f"{family}(./{os.path.relpath(target.real, root)})"
    home = real_dir(os.path.expanduser("~"))
    if not is_dir and path == home:
        return f"{family}(~/{os.path.basename(target.real)})"
    if is_within(path, root):
        rel = os.path.relpath(path, root)
        spelled = "./**" if rel == "." else f"./{rel}/**"
    elif is_within(path, home) and path != home:
        spelled = f"~/{os.path.relpath(path, home)}/**"
    elif path == os.sep:
        spelled = "//**"
    else:
        spelled = f"/{path}/**"
    return f"{family}({spelled})"


def web_fetch_rule_for(host: str) -> str:
    """`WebFetch(domain:<host>)`: the one host the call reaches (not its parent domain)."""
    return f"WebFetch(domain:{host})"

"""Turning a sandboxed command's error output into one line the model can act on.

The sandbox refuses silently from the program's point of view: a write fails with
"Read-only file system" (bubblewrap) or "Permission denied" (Landlock), a connection
with "Network is unreachable", a refused connection or a failed name lookup. When the
stderr of a sandboxed command shows such a refusal, the Bash tool appends
`blocked by the sandbox: ...` naming the path, so the model knows it met the wall
rather than a bug, and what setting would open it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from letta_code.tools.sandbox.policy import SandboxPolicy, within

_EROFS = "Read-only file system"
_EACCES = "Permission denied"
# Ways programs name the path they could not write, most specific first.
_PATH_FORMS = (
    r"['\u2018\"](?P<p>[^'\u2019\"\n]+)['\u2019\"][^\n]*?: {err}",  # touch: cannot touch '/x': ..., cp, mkdir
    r"{err}: ['\"](?P<p>[^'\"\n]+)['\"]",  # python: [Errno 30] Read-only file system: '/x'
    r"(?:^|: )(?P<p>[^:\n]+?): {err}",  # bash: /x: ..., git: could not lock config file /x: ...
)
_NETWORK = re.compile(
    r"Network is unreachable|Temporary failure in name resolution|Could not resolve host|"
    r"Name or service not known|No address associated with hostname|Connection refused|"
    r"getaddrinfo failed",
    re.IGNORECASE,
)
# Landlock refuses a TCP connect or bind with EACCES.
_LANDLOCK_NETWORK = re.compile(
    r"(?:connect|socket|bind)\w*[^\n]*(?:\n[^\n]*){0,2}Permission denied|Permission denied[^\n]*(?:connect|socket)",
    re.IGNORECASE,
)
_ALLOW = 'allow a folder with "sandbox": {"allowWrite": ["..."]}'
NETWORK_HINT = 'blocked by the sandbox: network is off; allow it with "sandbox": {"network": true}'


def _refused_paths(stderr: str, error: str) -> list[str]:
    found: list[str] = []
    for line in stderr.splitlines():
        if error not in line:
            continue
        for form in _PATH_FORMS:
            match = re.search(form.format(err=re.escape(error)), line)
            if match:
                path = match.group("p").strip()
                tail = re.search(r"(?:^|\s)([/.~][^\s]*)$", path)  # "cannot create /x" -> "/x"
                path = tail.group(1) if tail else path.split(": ")[-1]
                if path and path not in found:
                    found.append(path)
                break
    return found


def _describe(path: str, cwd: Path, policy: SandboxPolicy, *, landlock: bool) -> str | None:
    if path.startswith(("/dev/tcp/", "/dev/udp/")):
        return None  # bash's network pseudo-files: the network line says it
    full = os.path.realpath(os.path.join(cwd, os.path.expanduser(path)))
    if within(full, policy.read_masked):
        return f"blocked by the sandbox: {path} is hidden by a deny rule (it reads as empty and cannot be written)"
    if within(full, policy.write_protected):
        return f"blocked by the sandbox: {path} is write-protected (.git config and hooks, .letta, settings, Edit deny rules)"
    if not within(full, policy.writable):
        return f"blocked by the sandbox: write outside the project ({path}); {_ALLOW}"
    if landlock:
        return None  # a plain "Permission denied" inside the project is not the sandbox
    # A read-only file system inside the project: a relative path after `cd` elsewhere.
    return f"blocked by the sandbox: write outside the project ({path}: only the project, the temp folder and allowWrite are writable)"


def explain(stderr: str, cwd: Path, policy: SandboxPolicy, *, landlock: bool) -> list[str]:
    """The `blocked by the sandbox: ...` lines for this stderr (empty when nothing was blocked)."""
    lines: list[str] = []
    errors = [_EROFS, _EACCES] if landlock else [_EROFS]
    for error in errors:
        if error not in stderr:
            continue
        for path in _refused_paths(stderr, error):
            line = _describe(path, cwd, policy, landlock=landlock)
            if line and line not in lines:
                lines.append(line)
    network_refused = _NETWORK.search(stderr) or (landlock and _LANDLOCK_NETWORK.search(stderr))
    if not policy.network and network_refused:
        lines.append(NETWORK_HINT)
    return lines[:5]

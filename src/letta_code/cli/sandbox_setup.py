"""Choosing and building the Bash sandbox of a session: settings + deny rules -> policy -> backend.

On by default in every permission mode but bypassPermissions, where a settings file
must say `"sandbox": {"enabled": true}`; `"enabled": false` turns it off anywhere.
Writable: the workspace, the system temp folder and `allowWrite`. Read-only inside
them: `.git` config and hooks, `.letta`, the settings files, the letta home (its
database and history), `Edit(...)` deny rules. Masked: `Read(...)` deny rules. When no
backend works, one warning line and the permission analyzer alone.
`LETTA_SANDBOX_BACKEND=bubblewrap|landlock` forces a backend (tests, diagnosis).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping

from letta_code.config import paths
from letta_code.config.settings import Settings, SettingsError
from letta_code.permissions import PermissionChecker, PermissionMode
from letta_code.tools.sandbox import BACKENDS, Sandbox, SandboxPolicy, open_sandbox

BACKEND_ENV = "LETTA_SANDBOX_BACKEND"


def sandbox_enabled(settings: Settings, mode: PermissionMode) -> bool:
    said = settings.sandbox().enabled
    return said if said is not None else mode != PermissionMode.BYPASS_PERMISSIONS


def build_policy(settings: Settings, checker: PermissionChecker) -> SandboxPolicy:
    from letta_code.permissions.sandbox_paths import sandbox_paths

    box = settings.sandbox()
    found = sandbox_paths(checker.deny_rules, checker.workspace)
    settings_files = (
        paths.global_settings_path(),
        paths.project_settings_path(settings.cwd),
        paths.project_local_settings_path(settings.cwd),
    )
    return SandboxPolicy.build(
        writable=[*checker.workspace, tempfile.gettempdir(), *box.allow_write],
        write_protected=[
            *found.write_protected,
            paths.project_dir(settings.cwd),
            paths.letta_home(),
            *settings_files,
        ],
        read_masked=found.read_masked,
        network=box.network,
    )


def open_session_sandbox(
    settings: Settings,
    mode: PermissionMode,
    checker: PermissionChecker,
    env: Mapping[str, str],
    warn: Callable[[str], None],
) -> Sandbox | None:
    """The session's sandbox, or None (off by setting or mode, or no backend works here)."""
    if not sandbox_enabled(settings, mode):
        return None
    forced = env.get(BACKEND_ENV) or None
    if forced is not None and forced not in BACKENDS:
        raise SettingsError(f"{BACKEND_ENV}={forced}: use one of {', '.join(BACKENDS)}")
    sandbox = open_sandbox(build_policy(settings, checker), forced)
    if sandbox is None:
        how = f"{forced} does not work here" if forced else "neither bubblewrap nor Landlock works here"
        warn(f"the Bash sandbox is off ({how}; install bubblewrap): commands are checked by the permission rules only")
    return sandbox


def sandbox_state(sandbox: Sandbox | None) -> str:
    """`bubblewrap`, `landlock` or `off`: for the stream-json init event and the status line."""
    return sandbox.backend if sandbox is not None else "off"

"""`/logout`: remove the credentials stored in the global settings, and say what is left.

`clear_credentials()` removes the settings' `env` map (and older top-level keys).
Variables of the real environment are not ours to clear: when one of the removed
names is still set there, the user is told, since the next `letta` will use it.
"""

from __future__ import annotations

from collections.abc import Mapping

from letta_code.cli.tui.render import tilde
from letta_code.config import paths


def logout(environ: Mapping[str, str]) -> list[tuple[str, str]]:
    """Clear the stored credentials; the lines to show, as (text, style).

    `environ` is the process environment. It also holds what letta copied from the
    settings' `env` map at start, so a name counts as set by the user's environment
    only when its value there differs from the stored one.
    """
    from letta_code.config.settings import clear_credentials, read_json_file

    path = paths.global_settings_path()
    where = tilde(str(path))
    stored_env = read_json_file(path).get("env")
    stored = {str(k): str(v) for k, v in stored_env.items()} if isinstance(stored_env, dict) else {}
    removed = clear_credentials()
    if not removed:
        return [(f"Logged out: no stored credentials in {where}.", "dim")]
    lines = [(f"Logged out: removed {', '.join(removed)} from {where}.", "green")]
    kept = [n for n in removed if n in stored and n in environ and environ[n] != stored[n]]
    if kept:
        verb, it = ("is", "it") if len(kept) == 1 else ("are", "them")
        lines.append(
            (
                f"{', '.join(kept)} {verb} still set in your environment (letta did not put {it} there and "
                f"cannot clear {it}): the next letta will use {it}; unset {it} in your shell to log out completely.",
                "yellow",
            )
        )
    return lines

"""Where Letta Code keeps its files: the global home and the per-project folder."""

from __future__ import annotations

import os
from pathlib import Path


def letta_home() -> Path:
    """The global folder (`$LETTA_HOME`, default `~/.letta`)."""
    env = os.environ.get("LETTA_HOME")
    return Path(env).expanduser() if env else Path.home() / ".letta"


def global_settings_path() -> Path:
    return letta_home() / "settings.json"


def database_path() -> Path:
    return letta_home() / "letta.db"


def project_dir(cwd: Path | None = None) -> Path:
    """The project's `.letta` folder (in the working directory)."""
    return (cwd or Path.cwd()) / ".letta"


def project_settings_path(cwd: Path | None = None) -> Path:
    return project_dir(cwd) / "settings.json"


def project_local_settings_path(cwd: Path | None = None) -> Path:
    return project_dir(cwd) / "settings.local.json"

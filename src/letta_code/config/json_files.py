"""Reading and writing the JSON settings files safely (see `config/settings.py` for what they hold).

A malformed, empty or unreadable file raises `SettingsError` naming the file; writes go
through a flushed temp file and a rename, merging into what is on disk; the global file
(credentials) is written 0600.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from letta_code.config import paths
from letta_code.errors import UserError

PRIVATE_MODE = 0o600  # the global settings file: credentials
SHARED_MODE = 0o644  # a new project settings file (an existing one keeps its mode)


class SettingsError(UserError):
    """A settings file exists but cannot be used."""


def read_json_file(path: Path) -> dict[str, Any]:
    """Read a settings file; a missing file is an empty object, an empty one an error."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise SettingsError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise SettingsError(f"{path} is not UTF-8 text (byte {exc.start + 1}); it must hold a JSON object") from exc
    if not text.strip():
        raise SettingsError(
            f"{path} is empty; it must hold a JSON object: restore it, or write {{}} into it to start afresh"
        )
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SettingsError(f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    if not isinstance(data, dict):
        raise SettingsError(f"{path} must hold a JSON object, not {type(data).__name__}")
    return data


def update_json_file(path: Path, updates: dict[str, Any], remove: tuple[str, ...] = ()) -> dict[str, Any]:
    """Merge `updates` into the file at `path` (top-level keys) and write it atomically.

    The new text is written to a temp file in the same folder, flushed to disk, and
    renamed over the file (then the folder is flushed): a crash leaves the old file or
    the new one, never an empty or half-written one.
    """
    data = read_json_file(path)
    data.update(updates)
    for key in remove:
        data.pop(key, None)
    write_text_atomically(path, json.dumps(data, indent=2) + "\n", _mode_for(path))
    _fsync_dir(path.parent)
    return data


def write_text_atomically(path: Path, text: str, mode: int) -> None:
    """Write `path` through a flushed temp file in its folder (made when missing) and a
    rename: a reader, or a crash, sees the old text or the new one, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _mode_for(path: Path) -> int:
    """0600 for the global file (credentials); another file keeps its mode, a new one gets 0644."""
    if os.path.abspath(path) == os.path.abspath(paths.global_settings_path()):
        return PRIVATE_MODE
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        return SHARED_MODE


def _fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (best effort: some file systems cannot open a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

"""The three settings files: global, project (committed) and project-local (personal).

Each file is a JSON object. Reading a malformed, empty or unreadable file raises
`SettingsError` with the file name and the problem, so the CLI can print one clear
line; it is never taken for an empty object (that would drop the ids of the shared
memory blocks kept there, and the next write would save the loss). Writes are atomic
(temp file in the same folder, fsync, rename) and merge into what is on disk, so two
processes that write different keys do not lose each other's change. The global file
holds credentials (its `env` map): it is written with mode 0600.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from letta_code.config import paths

# Re-exported: callers reach the settings' error and the file helpers through this module.
from letta_code.config.json_files import SettingsError as SettingsError
from letta_code.config.json_files import read_json_file as read_json_file
from letta_code.config.json_files import update_json_file as update_json_file

# Top-level keys of the global file that hold credentials (older letta versions), besides `env`.
LEGACY_CREDENTIAL_KEYS = ("apiKey", "refreshToken", "tokenExpiresAt")


def clear_credentials() -> list[str]:
    """`/logout`: remove the stored credentials from the global settings file.

    Removes its `env` map (API keys, endpoints) and the credential keys older versions
    kept at the top level; every other setting stays. Returns the names removed (the
    `env` variables, then those keys), `[]` when there was nothing to remove. A file
    that cannot be read raises `SettingsError`.
    """
    path = paths.global_settings_path()
    data = read_json_file(path)
    env = data.get("env")
    names = list(env) if isinstance(env, dict) else []
    names += [key for key in LEGACY_CREDENTIAL_KEYS if key in data]
    if "env" in data or names:
        update_json_file(path, {}, remove=("env", *LEGACY_CREDENTIAL_KEYS))
    return names


# Keys whose value must be an object, wherever they appear.
OBJECT_KEYS = ("permissions", "globalSharedBlockIds", "localSharedBlockIds", "models", "env")
MODEL_KEYS = ("contextWindow",)


def check_types(data: dict[str, Any], source: Path) -> None:
    """Refuse a settings file whose known keys have the wrong type, naming the key."""
    for key in OBJECT_KEYS:
        if key in data and not isinstance(data[key], dict):
            raise SettingsError(f"{source}: '{key}' must be an object, not {type(data[key]).__name__}")
    check_sandbox(data, source)
    check_models(data, source)
    check_env(data, source)
    check_reflection(data, source)
    check_project_memory_file(data, source)


DEFAULT_REFLECTION_EVERY = 5


def check_reflection(data: dict[str, Any], source: Path) -> None:
    """`"reflection": {"every": N, "model": "provider/model"}`, nothing else."""
    if "reflection" not in data:
        return
    value = data["reflection"]
    if not isinstance(value, dict):
        raise SettingsError(f"{source}: 'reflection' must be an object, not {type(value).__name__}")
    for key, item in value.items():
        if key == "every":
            if not isinstance(item, int) or isinstance(item, bool) or item < 0:
                raise SettingsError(
                    f"{source}: 'reflection.every' must be a whole number of user turns (0 = off), "
                    f"not {json.dumps(item)}"
                )
        elif key == "model":
            if not isinstance(item, str) or not item.strip():
                raise SettingsError(f"{source}: 'reflection.model' must be a model handle (a string)")
        else:
            raise SettingsError(f"{source}: unknown key 'reflection.{key}' (known: every, model)")


@dataclass(frozen=True)
class ReflectionSettings:
    """The `reflection` object of the settings files, merged (later files win): a pass every
    `every` user turns (0: only on /reflect), on `model` (None: the agent's)."""

    every: int = DEFAULT_REFLECTION_EVERY
    model: str | None = None


DEFAULT_PROJECT_MEMORY_FILE = ".letta/project.md"


def check_project_memory_file(data: dict[str, Any], source: Path) -> None:
    """`"projectMemoryFile"`: a path inside the project, true (the default file) or false (no file)."""
    value = data.get("projectMemoryFile", True)
    text = value.strip() if isinstance(value, str) else ""
    inside = bool(text) and not Path(text).is_absolute() and ".." not in Path(text).parts and text[0] != "~"
    if not isinstance(value, bool) and not inside:
        raise SettingsError(
            f"{source}: 'projectMemoryFile' must be a path inside the project (a string) or false, "
            f"not {json.dumps(value)}"
        )


def check_env(data: dict[str, Any], source: Path) -> None:
    """`"env": {"NAME": "value", ...}`: environment variables (API keys, timeouts) for letta."""
    for name, value in (data.get("env") or {}).items():
        if not name or "=" in name or not name.replace("_", "a").isalnum():
            raise SettingsError(f"{source}: 'env' has a bad variable name {json.dumps(name)}")
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise SettingsError(f"{source}: 'env.{name}' must be a string or a number, not {json.dumps(value)}")


def settings_env() -> dict[str, str]:
    """The global settings file's `env` map, as strings (the seed: global settings hold credentials).

    Only the global file counts: a project's committed settings must not be able to point
    letta's model traffic or keys elsewhere.
    """
    path = paths.global_settings_path()
    data = read_json_file(path)
    check_types(data, path)
    return {name: str(value) for name, value in (data.get("env") or {}).items()}


def check_models(data: dict[str, Any], source: Path) -> None:
    """`"models": {"HANDLE or alias": {"contextWindow": positive int}}`, nothing else."""
    for handle, entry in (data.get("models") or {}).items():
        if not handle.strip():
            raise SettingsError(f"{source}: 'models' has an empty model name; use a handle like ollama/qwen3")
        if not isinstance(entry, dict):
            raise SettingsError(
                f"{source}: 'models.{handle}' must be an object like {{\"contextWindow\": 32768}}, "
                f"not {json.dumps(entry)}"
            )
        for key, value in entry.items():
            if key not in MODEL_KEYS:
                raise SettingsError(f"{source}: unknown key 'models.{handle}.{key}' (known: {', '.join(MODEL_KEYS)})")
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise SettingsError(
                    f"{source}: 'models.{handle}.{key}' must be a positive whole number of tokens, "
                    f"not {json.dumps(value)}"
                )


def check_sandbox(data: dict[str, Any], source: Path) -> None:
    """`"sandbox": {"enabled": bool, "network": bool, "allowWrite": [str, ...]}`, nothing else."""
    if "sandbox" not in data:
        return
    box = data["sandbox"]
    if not isinstance(box, dict):
        raise SettingsError(f"{source}: 'sandbox' must be an object, not {type(box).__name__}")
    for key, value in box.items():
        if key in ("enabled", "network"):
            if not isinstance(value, bool):
                raise SettingsError(f"{source}: 'sandbox.{key}' must be true or false, not {json.dumps(value)}")
        elif key == "allowWrite":
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise SettingsError(f"{source}: 'sandbox.allowWrite' must be a list of paths (strings)")
        else:
            raise SettingsError(f"{source}: unknown key 'sandbox.{key}' (known: enabled, network, allowWrite)")


@dataclass(frozen=True)
class SandboxSettings:
    """The `sandbox` object of the settings files, merged (later files win, lists add up).

    `enabled` is None when no file says: the CLI then decides by permission mode.
    `allow_write` holds absolute paths (`~` expanded, relative ones against the project).
    """

    enabled: bool | None = None
    network: bool = False
    allow_write: tuple[str, ...] = ()


@dataclass
class PermissionRules:
    """Permission rules gathered from every settings file (and later the CLI flags)."""

    allow: list[str] = field(default_factory=list)
    deny: list[str] = field(default_factory=list)
    ask: list[str] = field(default_factory=list)

    def extend_from(self, data: dict[str, Any], source: Path) -> None:
        perms = data.get("permissions")
        if perms is None:
            return
        if not isinstance(perms, dict):
            raise SettingsError(f"{source}: 'permissions' must be an object")
        for kind in ("allow", "deny", "ask"):
            rules = perms.get(kind, [])
            if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
                raise SettingsError(f"{source}: 'permissions.{kind}' must be a list of strings")
            getattr(self, kind).extend(rules)


@dataclass
class Settings:
    """All three files, read once at start-up."""

    global_: dict[str, Any]
    project: dict[str, Any]
    local: dict[str, Any]
    cwd: Path

    @classmethod
    def load(cls, cwd: Path | None = None) -> Settings:
        cwd = cwd or Path.cwd()
        files = {
            "global_": paths.global_settings_path(),
            "project": paths.project_settings_path(cwd),
            "local": paths.project_local_settings_path(cwd),
        }
        data = {name: read_json_file(path) for name, path in files.items()}
        for name, path in files.items():
            check_types(data[name], path)
        return cls(global_=data["global_"], project=data["project"], local=data["local"], cwd=cwd)

    def files(self) -> list[tuple[Path, dict[str, Any]]]:
        """Each file's path and contents: global, project, project-local."""
        return [
            (paths.global_settings_path(), self.global_),
            (paths.project_settings_path(self.cwd), self.project),
            (paths.project_local_settings_path(self.cwd), self.local),
        ]

    def unknown_keys(self) -> list[str]:
        """A warning line for each top-level key of the three files that letta does not know."""
        from letta_code.config.settings_keys import unknown_key_warnings

        return unknown_key_warnings(self.files())

    def permission_rules(self) -> PermissionRules:
        rules = PermissionRules()
        rules.extend_from(self.global_, paths.global_settings_path())
        rules.extend_from(self.project, paths.project_settings_path(self.cwd))
        rules.extend_from(self.local, paths.project_local_settings_path(self.cwd))
        return rules

    def sandbox(self) -> SandboxSettings:
        """The merged `sandbox` settings: global, then project, then project-local."""
        enabled: bool | None = None
        network = False
        allow: list[str] = []
        for data in (self.global_, self.project, self.local):
            box = data.get("sandbox") or {}
            enabled = box.get("enabled", enabled)
            network = box.get("network", network)
            for entry in box.get("allowWrite", []):
                path = os.path.join(self.cwd, os.path.expanduser(entry.strip()))
                allow.append(os.path.normpath(path))
        return SandboxSettings(enabled, network, tuple(dict.fromkeys(allow)))

    def reflection(self) -> ReflectionSettings:
        """The merged `reflection` settings: global, then project, then project-local."""
        merged: dict[str, Any] = {}
        for data in (self.global_, self.project, self.local):
            merged.update(data.get("reflection") or {})
        model = merged.get("model")
        return ReflectionSettings(int(merged.get("every", DEFAULT_REFLECTION_EVERY)), model.strip() if model else None)

    def project_memory_file(self) -> Path | None:
        """The committed file that holds the project block's text (`projectMemoryFile`: global, then
        project, then project-local; `.letta/project.md` unless one says otherwise), None when turned off."""
        value: object = True
        for data in (self.global_, self.project, self.local):
            value = data.get("projectMemoryFile", value)
        if value is False:
            return None
        return self.cwd / (value.strip() if isinstance(value, str) else DEFAULT_PROJECT_MEMORY_FILE)

    def model_windows(self) -> list[tuple[str, int]]:
        """`models.NAME.contextWindow` of the three files: global, project, then local.

        Names are as written (a handle or an alias); the caller matches them to a
        handle, and the last match wins (project files beat the global one).
        """
        return [
            (name.strip(), int(entry["contextWindow"]))
            for data in (self.global_, self.project, self.local)
            for name, entry in (data.get("models") or {}).items()
            if "contextWindow" in entry
        ]

    def save_global(self, **updates: Any) -> None:
        self.global_ = update_json_file(paths.global_settings_path(), updates)

    def save_project(self, **updates: Any) -> None:
        self.project = update_json_file(paths.project_settings_path(self.cwd), updates)

    def save_local(self, **updates: Any) -> None:
        path = paths.project_local_settings_path(self.cwd)
        ensure_local_settings_ignored(path.parent)
        self.local = update_json_file(path, updates)


def ensure_local_settings_ignored(letta_dir: Path) -> None:
    """Keep `settings.local.json` out of git without touching the user's own .gitignore."""
    letta_dir.mkdir(parents=True, exist_ok=True)
    ignore = letta_dir / ".gitignore"
    line = "settings.local.json"
    try:
        existing = ignore.read_text(encoding="utf-8")
    except FileNotFoundError:
        existing = ""
    if line not in existing.splitlines():
        prefix = "" if not existing or existing.endswith("\n") else "\n"
        with ignore.open("a", encoding="utf-8") as handle:
            handle.write(f"{prefix}{line}\n")

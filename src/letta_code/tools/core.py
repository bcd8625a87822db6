"""Shared plumbing for the concrete tools: argument checking, error capture, paths.

Every tool subclasses `Tool` and implements `execute(args, session)`. `Tool.run`
checks the arguments against the tool's JSON schema first (so `execute` can trust
the types), turns a `ToolError` into an error result and never lets an exception
escape: the model always gets a readable answer.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from letta_code.tools.base import ClientTool, ToolError, ToolResult, ToolSession


def _coerce(value: Any, spec: dict[str, Any], name: str) -> Any:
    """Check `value` against a (small subset of) JSON schema, coercing harmless mismatches."""
    where = f"'{name}'"
    kind = spec.get("type")
    if kind == "string":
        if not isinstance(value, str):
            raise ToolError(f"{where} must be a string, got {type(value).__name__}")
    elif kind == "integer":
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value.strip())
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ToolError(f"{where} must be an integer, got {value!r}")
        if "minimum" in spec and value < spec["minimum"]:
            raise ToolError(f"{where} must be >= {spec['minimum']}, got {value}")
    elif kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ToolError(f"{where} must be a number, got {value!r}")
    elif kind == "boolean":
        if isinstance(value, str) and value.lower() in ("true", "false"):
            value = value.lower() == "true"
        if not isinstance(value, bool):
            raise ToolError(f"{where} must be a boolean (true or false), got {value!r}")
    elif kind == "array":
        if not isinstance(value, list):
            raise ToolError(f"{where} must be an array, got {type(value).__name__}")
        item_spec = spec.get("items")
        if item_spec:
            value = [_coerce(v, item_spec, f"{name}[{i}]") for i, v in enumerate(value)]
    elif kind == "object":
        if not isinstance(value, dict):
            raise ToolError(f"{where} must be an object, got {type(value).__name__}")
        if "properties" in spec:
            value = validate_args(spec, value, prefix=f"{name}.")
    if "enum" in spec and value not in spec["enum"]:
        allowed = ", ".join(repr(v) for v in spec["enum"])
        raise ToolError(f"{where} must be one of {allowed}, got {value!r}")
    return value


def validate_args(schema: dict[str, Any], args: Any, prefix: str = "") -> dict[str, Any]:
    """Return `args` checked against `schema`; raise ToolError naming the bad argument."""
    if not isinstance(args, dict):
        raise ToolError(f"arguments must be a JSON object, got {type(args).__name__}")
    props: dict[str, Any] = schema.get("properties", {})
    missing = [k for k in schema.get("required", []) if args.get(k) is None]
    if missing:
        names = ", ".join(f"'{prefix}{k}'" for k in missing)
        raise ToolError(f"missing required argument{'s' if len(missing) > 1 else ''}: {names}")
    out: dict[str, Any] = {}
    for key, value in args.items():
        if value is None:
            continue  # treat explicit nulls as "not given"
        spec = props.get(key)
        out[key] = _coerce(value, spec, f"{prefix}{key}") if spec else value
    return out


class Tool(ClientTool):
    """A ClientTool with validated arguments and errors turned into results."""

    def run(self, args: dict[str, Any], session: ToolSession) -> ToolResult:
        try:
            checked = validate_args(self.parameters, args)
            return self.execute(checked, session)
        except ToolError as exc:
            return ToolResult(f"Error: {exc}", status="error")
        except OSError as exc:
            return ToolResult(f"Error: {describe_os_error(exc)}", status="error")
        except Exception as exc:  # a bug in a tool must not kill the turn
            return ToolResult(f"Error: {self.name} failed: {type(exc).__name__}: {exc}", "error")

    def execute(self, args: dict[str, Any], session: ToolSession) -> ToolResult:
        raise NotImplementedError


def describe_os_error(exc: OSError) -> str:
    """A short human message for an OSError (keeps the path, drops the errno noise)."""
    reason = exc.strerror or str(exc)
    if exc.filename is not None:
        return f"{reason}: {exc.filename}"
    return reason


def resolve_path(session: ToolSession, raw: str) -> Path:
    """An absolute path for `raw`: `~` expanded, relative paths against the session cwd.

    Symlinks are not resolved (a loop must not raise here); use `real_key` for that.
    With a `..` in it the path is resolved physically, as the kernel and the
    permission checker do: `link/../x` is next to where `link` points, not `./x`.
    """
    if not raw.strip():
        raise ToolError("path must not be empty")
    p = Path(os.path.expanduser(raw))
    if not p.is_absolute():
        p = Path(session.cwd) / p
    if ".." in p.parts:
        return Path(os.path.realpath(p))
    return Path(os.path.abspath(p))


def real_key(path: Path) -> str:
    """The key under which a file is tracked in `session.read_files` (symlinks resolved)."""
    return os.path.realpath(path)


def display_path(path: Path | str, session: ToolSession) -> str:
    """`path` relative to the session cwd when inside it (shorter for the model), else as is."""
    s = str(path)
    base = os.path.normpath(session.cwd).rstrip(os.sep) + os.sep
    return s[len(base) :] if s.startswith(base) else s


def newest_first(paths: list[str], base: str) -> list[str]:
    """`paths` (relative to `base`, or absolute) by modification time, newest first, then name.

    Stats run in a few threads for long lists: `os.stat` releases the GIL, and sorting
    100,000 files is otherwise dominated by the system calls.
    """
    if len(paths) < 2:
        return list(paths)
    fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY)
    try:

        def mtimes(chunk: list[str]) -> list[float]:
            out: list[float] = []
            stat = os.stat
            for p in chunk:
                try:
                    out.append(stat(p, dir_fd=fd).st_mtime)
                except OSError:
                    out.append(0.0)
            return out

        workers = min(8, os.cpu_count() or 1)
        if len(paths) < 4000 or workers == 1:
            times = mtimes(paths)
        else:
            from concurrent.futures import ThreadPoolExecutor

            size = -(-len(paths) // workers)
            chunks = [paths[i : i + size] for i in range(0, len(paths), size)]
            with ThreadPoolExecutor(workers) as pool:
                times = [t for part in pool.map(mtimes, chunks) for t in part]
    finally:
        os.close(fd)
    pairs = sorted(zip(times, paths, strict=True), key=lambda tp: (-tp[0], tp[1]))
    return [p for _, p in pairs]

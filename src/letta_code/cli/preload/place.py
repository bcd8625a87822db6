"""Where the preload server's socket lives and which processes may share one server.

The socket is `$XDG_RUNTIME_DIR/letta-preload/` (else `$TMPDIR` or `/tmp`, in a folder
`letta-preload-<uid>`), mode 0700, owned by the user. Its name carries a fingerprint of
what fixes a Python process at start and cannot be changed afterwards: the interpreter,
its flags, `sys.path`, and the `PYTHON*`, `LD_*` and locale variables. Two runs that differ in any
of these use different servers. Code changed on disk is caught by the server itself
(`server.stale_module`), which then refuses and exits.

Stdlib only and cheap: the client imports this before anything else.
"""

from __future__ import annotations

import os
import sys
import zlib

ENV_SWITCH = "LETTA_PRELOAD"
ENV_IDLE = "LETTA_PRELOAD_IDLE"
ENV_RUSAGE = "LETTA_PRELOAD_RUSAGE"
DEFAULT_IDLE_SECONDS = 900.0
# A Unix socket path must fit in sockaddr_un (108 bytes on Linux, with the NUL).
MAX_SOCKET_PATH = 107
_LOCALE = ("LANG", "LC_ALL", "LC_CTYPE")


def enabled(env: dict[str, str] | os._Environ[str] | None = None) -> bool:
    """On unless turned off; Linux only (the server watches its children with pidfds, checks
    its peer with SO_PEERCRED and compares namespaces and limits through /proc)."""
    if not sys.platform.startswith("linux") or not hasattr(os, "pidfd_open"):
        return False
    value = (os.environ if env is None else env).get(ENV_SWITCH, "1").strip().lower()
    return value not in ("0", "false", "no", "off")


# The commands that are not a headless run: they own a terminal or serve for a long time.
_SUBCOMMANDS = ("server", "ade", "memory", "mcp", "agents", "conversations", "messages")


def eligible(argv: list[str]) -> bool:
    """A headless run (`-p`), with preloading not turned off."""
    if not enabled() or argv[:1] and argv[0] in _SUBCOMMANDS:
        return False
    return any(a in ("-p", "--prompt") or a.startswith("--prompt=") for a in argv)


def startup_env(env: dict[str, str] | os._Environ[str]) -> dict[str, str]:
    """The variables that shape an interpreter at start (its import path, its loader, the
    encoding of its streams): a server must have been started with the same."""
    return {k: v for k, v in env.items() if k.startswith(("PYTHON", "LD_")) or k in _LOCALE}


def fingerprint() -> str:
    parts = [
        sys.executable,
        sys.version,
        repr(sys.flags),
        "\0".join(sys.path),  # the server takes the client's before it imports anything
        "\0".join(f"{k}={v}" for k, v in sorted(startup_env(os.environ).items())),
    ]
    return f"{zlib.crc32('|'.join(parts).encode('utf-8', 'surrogateescape')):08x}"


def folder() -> str:
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isdir(runtime):
        return os.path.join(runtime, "letta-preload")
    base = os.environ.get("TMPDIR") or "/tmp"
    return os.path.join(base, f"letta-preload-{os.getuid()}")


def socket_name() -> str:
    return f"{fingerprint()}.sock"


def socket_path() -> str | None:
    """The socket for this interpreter, or None when its path would be too long."""
    path = os.path.join(folder(), socket_name())
    return path if len(os.fsencode(path)) <= MAX_SOCKET_PATH else None


def private_folder(create: bool) -> bool:
    """The folder exists (made when `create`), is ours and is closed to everyone else."""
    where = folder()
    if create:
        try:
            os.mkdir(where, 0o700)
        except FileExistsError:
            pass
        except OSError:
            return False
    try:
        st = os.lstat(where)
    except OSError:
        return False
    import stat

    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and st.st_mode & 0o077 == 0


def identity() -> dict[str, str]:
    """What a forked child would inherit from the server rather than from the client: the
    two must agree, or the child would run with other namespaces, limits or privileges than
    the user's command (e.g. a `letta -p` inside a sandbox would leave the sandbox)."""
    import resource

    facts = {"uid": str(os.getuid()), "gid": str(os.getgid()), "groups": repr(sorted(os.getgroups()))}
    for ns in ("mnt", "pid", "net", "user", "ipc", "uts", "cgroup", "time"):
        try:
            facts[f"ns.{ns}"] = os.readlink(f"/proc/self/ns/{ns}")
        except OSError:
            facts[f"ns.{ns}"] = "?"
    for name in ("cgroup", "status"):
        try:
            with open(f"/proc/self/{name}", encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError:
            text = "?"
        if name == "status":  # the privilege lines only; the rest changes from moment to moment
            keep = ("NoNewPrivs", "Seccomp", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")
            text = "\n".join(line for line in text.splitlines() if line.startswith(keep))
        facts[name] = text
    for limit in sorted(n for n in dir(resource) if n.startswith("RLIMIT_")):
        facts[limit] = repr(resource.getrlimit(getattr(resource, limit)))
    return facts

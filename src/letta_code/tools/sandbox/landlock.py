"""The Landlock backend of the Bash sandbox: a kernel ruleset applied in the child after fork.

The ruleset is built once in the parent (`build_ruleset`): read and execute everywhere,
write (create, delete, rename, truncate) only beneath the writable roots and a few device
files, and — with ABI >= 4 and the network off — no TCP connect or bind at all. With
ABI >= 6 the sandboxed process also cannot signal processes outside it, nor (network off)
reach abstract unix sockets outside it. The child only sets `PR_SET_NO_NEW_PRIVS` and
calls `landlock_restrict_self` on the inherited ruleset fd (`restrict_self`), two
syscalls through ctypes, so nothing is imported or allocated between fork and exec.

What Landlock cannot do (the permission analyzer covers it): it only ever *adds*
rights beneath a directory, so it cannot hide one file inside a readable tree (a
`Read(.env)` deny rule) nor keep `.git/config` read-only inside a writable project.
It does not cover UDP, and path-named unix sockets are not filtered.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
from collections.abc import Iterable

_SYS_CREATE_RULESET = 444
_SYS_ADD_RULE = 445
_SYS_RESTRICT_SELF = 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

EXECUTE = 1 << 0
WRITE_FILE = 1 << 1
READ_FILE = 1 << 2
READ_DIR = 1 << 3
_ABI1_ALL = (1 << 13) - 1  # EXECUTE .. MAKE_SYM
REFER = 1 << 13  # ABI 2
TRUNCATE = 1 << 14  # ABI 3
IOCTL_DEV = 1 << 15  # ABI 5
NET_BIND_TCP = 1 << 0  # ABI 4
NET_CONNECT_TCP = 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0  # ABI 6
SCOPE_SIGNAL = 1 << 1

# Device files every shell writes to (`2>/dev/null`) or reads from.
DEVICE_FILES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty")
DEVICE_DIRS = ("/dev/shm", "/dev/pts")


class LandlockError(OSError):
    """The kernel refused to build the ruleset."""


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


@functools.cache
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


@functools.cache
def abi_version() -> int:
    """The Landlock ABI of the running kernel; 0 when it has none (or it is disabled)."""
    if not hasattr(os, "uname") or os.uname().sysname != "Linux":
        return 0
    try:
        syscall = _libc().syscall
    except (OSError, AttributeError):
        return 0
    syscall.restype = ctypes.c_long
    version = syscall(
        ctypes.c_long(_SYS_CREATE_RULESET), None, ctypes.c_size_t(0), ctypes.c_uint32(_CREATE_RULESET_VERSION)
    )
    return max(int(version), 0)


def _fs_rights(abi: int) -> int:
    rights = _ABI1_ALL
    if abi >= 2:
        rights |= REFER
    if abi >= 3:
        rights |= TRUNCATE
    if abi >= 5:
        rights |= IOCTL_DEV
    return rights


def _check(result: int, what: str) -> int:
    if result < 0:
        err = ctypes.get_errno()
        raise LandlockError(err, f"landlock: {what}: {os.strerror(err)}")
    return result


def _add_path(ruleset: int, path: str, access: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # a root that does not exist grants nothing
    try:
        if not os.path.isdir(path):
            access &= EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV
        attr = _PathBeneathAttr(allowed_access=access, parent_fd=fd)
        _check(
            _libc().syscall(
                ctypes.c_long(_SYS_ADD_RULE),
                ctypes.c_int(ruleset),
                ctypes.c_int(_RULE_PATH_BENEATH),
                ctypes.byref(attr),
                ctypes.c_uint32(0),
            ),
            f"cannot add a rule for {path}",
        )
    finally:
        os.close(fd)


def build_ruleset(writable: Iterable[str], *, network: bool) -> int:
    """Create the ruleset fd (kept open by the caller for every later spawn)."""
    abi = abi_version()
    if abi < 1:
        raise LandlockError(0, "landlock: not supported by this kernel")
    everything = _fs_rights(abi)
    attr = _RulesetAttr(handled_access_fs=everything)
    size = 8
    if abi >= 4:
        size = 16
        if not network:
            attr.handled_access_net = NET_BIND_TCP | NET_CONNECT_TCP
    if abi >= 6:
        size = 24
        attr.scoped = SCOPE_SIGNAL | (0 if network else SCOPE_ABSTRACT_UNIX_SOCKET)
    syscall = _libc().syscall
    syscall.restype = ctypes.c_long
    ruleset = _check(
        syscall(ctypes.c_long(_SYS_CREATE_RULESET), ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0)),
        "cannot create a ruleset",
    )
    try:
        read = EXECUTE | READ_FILE | READ_DIR | (IOCTL_DEV if abi >= 5 else 0)
        _add_path(ruleset, "/", read)
        for device in DEVICE_FILES:
            _add_path(ruleset, device, read | WRITE_FILE | (TRUNCATE if abi >= 3 else 0))
        for root in (*DEVICE_DIRS, *writable):
            _add_path(ruleset, root, everything)
    except BaseException:
        os.close(ruleset)
        raise
    os.set_inheritable(ruleset, False)
    return ruleset


def restrict_self(ruleset: int) -> None:
    """Enforce `ruleset` on the calling process (the child, between fork and exec)."""
    libc = _libc()
    _check(libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "cannot set no_new_privs")
    _check(
        libc.syscall(ctypes.c_long(_SYS_RESTRICT_SELF), ctypes.c_int(ruleset), ctypes.c_uint32(0)),
        "cannot enforce the ruleset",
    )


@functools.cache
def works() -> bool:
    """Can this process build a ruleset at all? (Probed once, in the parent: no fork.)"""
    if abi_version() < 1:
        return False
    try:
        fd = build_ruleset((), network=True)
    except OSError:
        return False
    with contextlib.suppress(OSError):
        os.close(fd)
    return True

"""Every path a repository's index or reachable history holds (for `Read(...)` rules).

`git show HEAD:.env`, `git log -p` or `git grep` print files from the object
store, not from disk. Before such a command may run while a `Read(...)` deny or
ask rule exists, the checker needs the names of all files git can show: the
index (`git ls-files`) and every path that ever changed in any commit reachable
from any ref or reflog entry (`git log --all --reflog -m --name-only`). A ref
that points straight at a blob or tree (`git tag x <blob>`) has no path, so it
makes the answer unknown. The scan has a timeout and a size bound; when it
cannot finish the answer is None ("assume it might"). Results are cached per
repository state (index, HEAD, refs, packed-refs and reflogs, by mtime and size).
"""

from __future__ import annotations

import os
import subprocess
from collections import OrderedDict

from letta_code.permissions.git_repo import Repo

_TIMEOUT = 5.0
_MAX_OUTPUT = 64 << 20
_CACHE: OrderedDict[tuple[object, ...], frozenset[str] | None] = OrderedDict()
_CACHE_SIZE = 16
# Run git without anything that could start a program (the config was checked before, too).
_SAFE = (
    "-c",
    "core.fsmonitor=false",
    "-c",
    "diff.external=",
    "-c",
    "log.showSignature=false",
    "--no-pager",
    "--no-optional-locks",
)


def _stamp(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _state(repo: Repo) -> tuple[object, ...]:
    parts: list[object] = [repo.git_dir, repo.common_dir, repo.work_tree]
    for name in ("index", "HEAD", "packed-refs", "shallow", "commondir"):
        for d in (repo.git_dir, repo.common_dir):
            parts.append(_stamp(os.path.join(d, name)))
    for top in ("refs", "logs"):
        for dirpath, dirnames, filenames in os.walk(os.path.join(repo.common_dir, top)):
            dirnames.sort()
            parts.append((dirpath, _stamp(dirpath)))
            parts.extend((n, _stamp(os.path.join(dirpath, n))) for n in sorted(filenames))
    return tuple(parts)


def _git(repo: Repo, *args: str) -> bytes | None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["GIT_DIR"] = repo.git_dir
    if repo.work_tree:
        env["GIT_WORK_TREE"] = repo.work_tree
    try:
        done = subprocess.run(
            ["git", *_SAFE, *args],
            capture_output=True,
            timeout=_TIMEOUT,
            env=env,
            cwd=repo.work_tree or repo.git_dir,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0 or len(done.stdout) > _MAX_OUTPUT:
        return None
    return done.stdout


def _scan(repo: Repo) -> frozenset[str] | None:
    refs = _git(repo, "for-each-ref", "--format=%(objecttype) %(*objecttype)")
    if refs is None or any(t in (b"blob", b"tree") for t in refs.split()):
        return None
    index = _git(repo, "ls-files", "-z", "--cached")
    if index is None:
        return None
    paths = {p for p in index.decode("utf-8", "surrogateescape").split("\0") if p}
    if not refs.strip() and not os.path.exists(os.path.join(repo.common_dir, "logs", "HEAD")):
        return frozenset(paths)  # no commits yet
    history = _git(
        repo,
        "log",
        "--all",
        "--reflog",
        "--no-renames",
        "--name-only",
        "--format=",
        "-m",
        "--root",
        "-z",
        "--no-textconv",
        "--no-ext-diff",
    )
    if history is None:
        return None
    text = history.decode("utf-8", "surrogateescape")
    paths.update(p.strip("\n") for p in text.split("\0") if p.strip("\n"))
    return frozenset(paths)


def history_paths(repo: Repo) -> frozenset[str] | None:
    """Repository-relative paths of every file git can show, or None when unknown."""
    key = _state(repo)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    result = _scan(repo)
    _CACHE[key] = result
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return result

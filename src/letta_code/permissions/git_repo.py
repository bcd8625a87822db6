"""Git's repository discovery, redone by hand, and whether a repository's config is safe.

A "read-only" git command still runs programs its repository's config names
(`core.fsmonitor` runs on `git status`, `diff.*.textconv` on `git diff`,
`core.pager`, `filter.*`, ...). The agent can write such a config: a fake bare
repository (`sub/HEAD`, `sub/config`, `sub/objects/`, `sub/refs/`) is found by
`cd sub && git status` as git walks up from the folder it runs in. So before a
git command counts as read-only, `repo_safe(folder)` walks up the same way git
does, looking at `D/.git` (a folder, or a `gitdir:` file) and at `D` itself as
a bare repository, and reads the config of every repository it meets until the
first valid one (plus `commondir`, `config.worktree` and `include` /
`includeIf` files). The config may only hold keys known not to run programs
(an allow-list; an unknown key or a line we cannot parse counts as unsafe).
Variables such as `GIT_DIR` or `GIT_CONFIG_*` in the environment make every
git command unsafe (they change which repository or config is used). The user's
own configs (`~/.gitconfig`, `~/.config/git/config`, `/etc/gitconfig`) are
trusted except for the few keys a read-only command acts on (`core.fsmonitor`,
`filter.*` other than git-lfs, `diff.external`, `diff.*.textconv`, ...).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

_UNSAFE_ENV_PREFIXES = ("GIT_CONFIG",)


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


_UNSAFE_ENV = _names(
    "GIT_DIR GIT_WORK_TREE GIT_COMMON_DIR GIT_EXEC_PATH GIT_INDEX_FILE GIT_OBJECT_DIRECTORY "
    "GIT_ALTERNATE_OBJECT_DIRECTORIES GIT_EXTERNAL_DIFF GIT_NAMESPACE GIT_SSH GIT_SSH_COMMAND "
    "GIT_ASKPASS GIT_REPLACE_REF_BASE GIT_ATTR_SOURCE"
)
# Sections where no key runs a program.
_SAFE_SECTIONS = _names(
    "branch user color init pull push fetch status advice gc pack index feature rerere "
    "lfs http url maintenance worktree rebase commit tag help column blame checkout clone am "
    "apply grep protocol"
)
# Sections where only these keys are known not to run programs.
_SAFE_KEYS: dict[str, frozenset[str]] = {
    "core": _names(
        "repositoryformatversion filemode bare logallrefupdates ignorecase precomposeunicode "
        "symlinks autocrlf eol safecrlf quotepath checkstat trustctime abbrev compression "
        "loosecompression sharedrepository splitindex untrackedcache preloadindex "
        "multipackindex commitgraph longpaths protecthfs protectntfs whitespace "
        "warnambiguousrefs bigfilethreshold hookspath excludesfile attributesfile hidedotfiles "
        "sparsecheckout sparsecheckoutcone fscache packedgitwindowsize packedgitlimit "
        "deltabasecachelimit createobject notesref checkroundtripencoding fsync fsyncmethod "
        "filesreftimeout packedrefstimeout fsmonitorhookversion"
    ),
    "extensions": _names("objectformat worktreeconfig refstorage noop preciousobjects"),
    "remote": _names("url pushurl fetch push tagopt prune prunetags mirror skipdefaultupdate skipfetchall"),
    "submodule": _names("url active path branch fetchrecursesubmodules ignore shallow recurse"),
    "log": _names(
        "abbrevcommit date decorate initialdecorationset excludedecoration diffmerges follow "
        "graphcolors showroot mailmap"
    ),
}
_NO_SUBSECTION_UNSAFE = {"diff": frozenset({"external", "tool", "guitool"}), "merge": frozenset({"tool", "guitool"})}
_ALIAS_UNSAFE = (
    "-c",
    "--config-env",
    "--exec-path",
    "--git-dir",
    "--work-tree",
    "--output",
    "--ext-diff",
    "--textconv",
    "-O",
    "--open-files-in-pager",
    "--upload-pack",
    "-p",
    "--paginate",
)
_FALSE = frozenset({"", "false", "no", "off", "0"})
_SECTION = re.compile(r'\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\\n]|\\.)*)")?\s*\](.*)')
_KEY = re.compile(r"([A-Za-z][A-Za-z0-9-]*)\s*(?:=(.*))?")
_MAX_INCLUDE_DEPTH = 5
_MAX_CONFIG_BYTES = 1 << 20


@dataclass(frozen=True)
class Repo:
    """A repository git would use: its git dir, the common dir and the work tree (None if bare)."""

    git_dir: str
    common_dir: str
    work_tree: str | None


def env_unsafe() -> bool:
    """Does the environment point git at another repository or config?"""
    return any(k in _UNSAFE_ENV or k.startswith(_UNSAFE_ENV_PREFIXES) for k in os.environ)


# What git needs to take a folder for a repository.
GIT_DIR_MARKERS: frozenset[str] = frozenset({"HEAD", "objects", "refs"})


def looks_like_git_dir(path: str) -> bool:
    """HEAD, objects and refs: what git needs to take a folder for a repository."""
    return all(os.path.lexists(os.path.join(path, n)) for n in GIT_DIR_MARKERS)


def _valid_git_dir(path: str) -> bool:
    if not (os.path.isdir(os.path.join(path, "objects")) and os.path.isdir(os.path.join(path, "refs"))):
        return False
    head = os.path.join(path, "HEAD")
    if os.path.islink(head):
        try:
            return os.readlink(head).startswith("refs/")
        except OSError:
            return False
    try:
        with open(head, encoding="utf-8", errors="replace") as f:
            text = f.read(256).strip()
    except OSError:
        return False
    return text.startswith("ref: refs/") or bool(re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", text))


def _gitfile(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read(4096).strip()
    except OSError:
        return None
    if not text.startswith("gitdir:"):
        return None
    target = os.path.expanduser(text[len("gitdir:") :].strip())
    return os.path.realpath(os.path.join(os.path.dirname(path), target))


def _common_dir(git_dir: str) -> str:
    try:
        with open(os.path.join(git_dir, "commondir"), encoding="utf-8", errors="replace") as f:
            rel = f.read(4096).strip()
    except OSError:
        return git_dir
    return os.path.realpath(os.path.join(git_dir, rel))


def discover(start: str) -> tuple[list[Repo], Repo | None] | None:
    """Every repository candidate git may use from `start`, and the one it will use.

    None when discovery cannot be followed (an unreadable `.git` file).
    """
    candidates: list[Repo] = []
    current = os.path.realpath(start)
    while True:
        dotgit = os.path.join(current, ".git")
        found: list[tuple[str, str | None]] = []
        if os.path.isdir(dotgit):
            found.append((dotgit, current))
        elif os.path.lexists(dotgit):
            target = _gitfile(dotgit)
            if target is None:
                return None
            found.append((target, current))
        if looks_like_git_dir(current):
            found.append((current, None))
        for git_dir, work_tree in found:
            repo = Repo(git_dir, _common_dir(git_dir), work_tree)
            candidates.append(repo)
            if _valid_git_dir(git_dir):
                return candidates, repo
        parent = os.path.dirname(current)
        if parent == current:
            return candidates, None
        current = parent


def _config_safe(path: str, depth: int = 0, *, strict: bool = True) -> bool:
    if depth > _MAX_INCLUDE_DEPTH:
        return False
    try:
        with open(path, "rb") as f:
            data = f.read(_MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    if len(data) > _MAX_CONFIG_BYTES:
        return False
    section: str | None = None
    subsection: str | None = None
    continued = False
    for raw in data.decode("utf-8", errors="replace").splitlines():
        line = raw.strip()
        if continued:
            continued = line.endswith("\\")
            continue
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            match = _SECTION.fullmatch(line)
            if match is None:
                return False
            name, subsection, line = match.group(1).lower(), match.group(2), match.group(3).strip()
            if "." in name:  # old-style [section.subsection]
                name, subsection = name.split(".", 1)
            section = name
            if not line or line.startswith(("#", ";")):
                continue
        match = _KEY.fullmatch(line)
        if match is None or section is None:
            return False
        key, value = match.group(1).lower(), (match.group(2) or "").strip()
        continued = value.endswith("\\")
        if not _key_safe(section, subsection, key, value, path, depth, strict):
            return False
    return True


def _unquote(value: str) -> str:
    value = re.split(r"\s[#;]", value, maxsplit=1)[0].strip()
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value


def _key_safe(section: str, subsection: str | None, key: str, value: str, path: str, depth: int, strict: bool) -> bool:
    if key == "path" and section in ("include", "includeif"):
        target = os.path.expanduser(_unquote(value))
        return _config_safe(os.path.join(os.path.dirname(path), target), depth + 1, strict=strict)
    if not strict:
        return not _runs_in_read_only_git(section, subsection, key, _unquote(value))
    if section == "alias":
        # `!cmd` runs a shell; options such as `-c` or `--output` would slip past the checks.
        tokens = _unquote(value).split()
        return bool(tokens) and not tokens[0].startswith("!") and not any(t.startswith(_ALIAS_UNSAFE) for t in tokens)
    if section == "core" and key == "fsmonitor":
        return _unquote(value).lower() in _FALSE | {"true", "yes", "on", "1"}
    if section in _SAFE_SECTIONS:
        return True
    if section in _NO_SUBSECTION_UNSAFE:
        return subsection is None and key not in _NO_SUBSECTION_UNSAFE[section]
    return key in _SAFE_KEYS.get(section, frozenset())


def _runs_in_read_only_git(section: str, subsection: str | None, key: str, value: str) -> bool:
    """Keys of the user's own config that a read-only git command would act on."""
    if section == "core":
        return (key == "fsmonitor" and value.lower() not in _FALSE | {"true", "yes", "on", "1"}) or (
            key == "alternaterefscommand"
        )
    if section == "filter":
        return key in ("clean", "smudge", "process") and not value.startswith("git-lfs ")
    if section == "diff":
        return (subsection is None and key == "external") or (subsection is not None and key in ("textconv", "command"))
    return section == "interactive" and key == "difffilter"


def _user_configs() -> list[str]:
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return ["/etc/gitconfig", os.path.join(xdg, "git", "config"), os.path.expanduser("~/.gitconfig")]


def user_config_safe() -> bool:
    """The user's global and system configs: trusted, except for keys that make read-only
    commands run programs (the agent might have written them in an earlier call)."""
    return all(_config_safe(p, strict=False) for p in _user_configs())


def repo_config_safe(repo: Repo) -> bool:
    """Is nothing in this repository's config able to make git run a program?"""
    files = {os.path.join(d, n) for d in (repo.git_dir, repo.common_dir) for n in ("config", "config.worktree")}
    return all(_config_safe(f) for f in sorted(files))


def repo_safe(start: str) -> bool:
    """May a read-only git command run from `start` (see the module docstring)?"""
    if env_unsafe() or not user_config_safe():
        return False
    found = discover(start)
    if found is None:
        return False
    return all(repo_config_safe(r) for r in found[0])


def find_repo(start: str) -> Repo | None:
    """The repository git uses from `start` (None when there is none)."""
    found = discover(start)
    return found[1] if found is not None else None

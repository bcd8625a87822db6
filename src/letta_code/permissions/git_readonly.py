"""Which git invocations are read-only, and how they use the repository.

A git command is read-only only when its global options are on a short list
(`-C DIR` is read as a `cd`; `-c`, `--git-dir`, `--work-tree`, `--exec-path`,
`--config-env`, `--bare`, `-p` are not) and every option of its subcommand is on
that subcommand's allow-list (`--output`, `--ext-diff`, `--textconv`, `-O`,
`--submodule`, `--show-signature`, `--stdin`, `--batch` and anything unknown ask).

`GitUse` records what the checker still has to verify at the moment of the
check: the repository found from the folder the command runs in must not be
configured to run programs (`git_repo`), and a command that can print file
*contents* from the object store or the index (`content`) must not reach a file
a `Read(...)` rule denies (`deep_reads`), including through the object names in
its arguments (`HEAD:.env`, `:.env`, raw ids).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from letta_code.permissions.options import Parsed, parse, spec
from letta_code.permissions.words import Word

_HERE = Word(".")
# Option tables read best as paragraphs: the formatter leaves them so.
# fmt: off
_GLOBAL_OK = frozenset(
    ["--no-pager", "-P", "--no-optional-locks", "--literal-pathspecs", "--glob-pathspecs", "--noglob-pathspecs", "--icase-pathspecs", "--no-replace-objects", "--no-advice"]
)
_GLOBAL_OTHER_REPO = ("--git-dir", "--work-tree", "--bare", "--namespace", "--super-prefix")
_GLOBAL_PROGRAMS = ("-c", "--config-env", "--exec-path")
OBJECT_ID = re.compile(r"[0-9a-fA-F]{4,64}")

_DIFF = (
    "-p -u -s -z -R -a -b -w -W -D -t --patch --no-patch --raw --patch-with-raw "
    "--patch-with-stat --stat=? --numstat --shortstat --dirstat=? --compact-summary --summary "
    "--name-only --name-status --cumulative --full-index --binary --abbrev=? -U= --unified= "
    "--color=? --no-color --color-moved=? --no-color-moved --color-moved-ws= --word-diff=? "
    "--word-diff-regex= --color-words=? --no-renames --rename-empty --no-rename-empty -M=? "
    "--find-renames=? -C=? --find-copies=? --find-copies-harder -B=? --break-rewrites=? "
    "--irreversible-delete -l=? --relative=? --no-relative --text --ignore-cr-at-eol "
    "--ignore-space-at-eol --ignore-space-change --ignore-all-space --ignore-blank-lines "
    "-I= --ignore-matching-lines= --inter-hunk-context= --function-context --exit-code "
    "--quiet --no-ext-diff --no-textconv --ignore-submodules=? --src-prefix= --dst-prefix= "
    "--no-prefix --default-prefix --line-prefix= --ita-invisible-in-index "
    "--ita-visible-in-index --minimal --patience --histogram --anchored= --diff-algorithm= "
    "--stat-width= --stat-name-width= --stat-graph-width= --stat-count= --check "
    "--ws-error-highlight= --diff-filter= -S= -G= --pickaxe-all --pickaxe-regex "
    "--find-object= --indent-heuristic --no-indent-heuristic --merge-base --cached --staged "
    "--no-index -1 -2 -3 --base --ours --theirs -0"
)
_LOG = (
    "# -n= -i -E -F -P -g -m -c --max-count= --skip= --since= --after= --until= --before= "
    "--since-as-filter= --author= --committer= --grep= --grep-reflog= --all-match "
    "--invert-grep --regexp-ignore-case --basic-regexp --extended-regexp --fixed-strings "
    "--perl-regexp --remove-empty --merges --no-merges --min-parents= --max-parents= "
    "--no-min-parents --no-max-parents --first-parent --exclude-first-parent-only --not "
    "--all --branches=? --tags=? --remotes=? --glob= --exclude= --reflog --single-worktree "
    "--ignore-missing --cherry-mark --cherry-pick --left-only --right-only --cherry "
    "--walk-reflogs --merge --boundary --simplify-by-decoration --full-history --dense "
    "--sparse --simplify-merges --ancestry-path=? --show-pulls --date-order "
    "--author-date-order --topo-order --reverse --no-walk=? --do-walk --pretty=? --format= "
    "--abbrev-commit --no-abbrev-commit --oneline --encoding= --expand-tabs=? "
    "--no-expand-tabs --notes=? --no-notes --show-notes=? --relative-date --date= --parents "
    "--children --left-right --graph --show-linear-break=? --decorate=? --no-decorate "
    "--decorate-refs= --decorate-refs-exclude= --clear-decorations --source --mailmap "
    "--no-mailmap --use-mailmap --no-use-mailmap --full-diff --log-size -L= --follow "
    "--no-follow --cc --dd --diff-merges= --no-diff-merges --combined-all-paths --root "
    "--no-show-signature"
)
_NAMES_ONLY = ("--stat", "--numstat", "--shortstat", "--name-only", "--name-status", "--dirstat",
               "--summary", "--compact-summary", "--quiet", "--exit-code", "--raw", "-s", "--no-patch")
_PATCH = ("-p", "-u", "--patch", "-U", "--unified", "--patch-with-raw", "--patch-with-stat", "-L",
          "-S", "-G", "-m", "-c", "--cc", "--dd", "--diff-merges", "--word-diff", "--color-words",
          "--binary", "--check", "-W", "--function-context", "--full-diff")

# subcommand -> (options, does it print file contents: "yes", "no" or "patch" (with -p etc.))
_SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "status": ("-s --short -b --branch --porcelain=? --long -u=? --untracked-files=? "
               "--ignore-submodules=? --ignored=? -z --column=? --no-column --ahead-behind "
               "--no-ahead-behind --renames --no-renames --find-renames=? --show-stash "
               "--no-show-stash --no-optional-locks", "no"),
    "diff": (_DIFF, "diff"),
    "log": (_LOG + " " + _DIFF, "patch"),
    "whatchanged": (_LOG + " " + _DIFF, "patch"),
    "show": (_LOG + " " + _DIFF, "yes"),
    "blame": ("-b --root --show-stats -f --show-name -n --show-number -s -e --show-email -w "
              "-l -t -p --porcelain --line-porcelain --incremental --minimal -M=? -C=? -L= "
              "--since= --reverse= --first-parent --abbrev=? -c --color-lines --color-by-age "
              "--no-progress --ignore-rev= --ignore-revs-file@ --date= --encoding= "
              "--contents@ -S@", "yes"),
    "grep": ("# -a -i -I -r -w -v -h -H -E -G -P -F -n -l -L -z -o -c -p -W -q --text "
             "--no-textconv --ignore-case --max-depth= --recursive --no-recursive "
             "--word-regexp --invert-match --full-name --extended-regexp --basic-regexp "
             "--perl-regexp --fixed-strings --line-number --column --files-with-matches "
             "--name-only --files-without-match --null --only-matching --count --color=? "
             "--no-color --break --heading --show-function -A= -B= -C= --after-context= "
             "--before-context= --context= --function-context -m= --max-count= --threads= "
             "-f@ -e= --and --or --not --all-match --quiet --cached --no-index --untracked "
             "--no-exclude-standard --exclude-standard", "yes"),
    "cat-file": ("-t -s -e -p --allow-unknown-type --use-mailmap --no-use-mailmap", "yes"),
    "ls-files": ("-c -d -o -i -s -u -k -m -z -t -v -f --cached --deleted --others --ignored "
                 "--stage --unmerged --killed --modified --directory --no-empty-directory --eol "
                 "--full-name --abbrev=? --debug --deduplicate --exclude= -x= --exclude-standard "
                 "--error-unmatch --sparse --format= --resolve-undo --with-tree= -X@ "
                 "--exclude-from@ --exclude-per-directory=", "no"),
    "ls-tree": ("-d -r -t -l -z --long --name-only --name-status --object-only --full-name "
                "--full-tree --abbrev=? --format=", "no"),
    "rev-parse": ("-q --verify --quiet --short=? --abbrev-ref=? --symbolic --symbolic-full-name "
                  "--all --branches=? --tags=? --remotes=? --glob= --exclude= --show-toplevel "
                  "--show-prefix --show-cdup --git-dir --git-common-dir --absolute-git-dir "
                  "--is-inside-git-dir --is-inside-work-tree --is-bare-repository "
                  "--is-shallow-repository --show-superproject-working-tree "
                  "--show-object-format=? --show-ref-format --sq --not --default= --revs-only "
                  "--no-revs --flags --no-flags --git-path= --path-format= --local-env-vars "
                  "--since= --after= --until= --before=", "no"),
    "describe": ("--all --tags --contains --abbrev=? --candidates= --exact-match --debug --long "
                 "--match= --exclude= --always --first-parent --dirty=? --broken=?", "no"),
    "shortlog": (_LOG + " -s -e -w=? --numbered --summary --email --committer --group=", "no"),
    "show-ref": ("-d -s -q --head --branches --tags --heads --dereference --hash=? --verify "
                 "--abbrev=? --quiet --exists", "no"),
    "merge-base": ("-a --all --octopus --independent --is-ancestor --fork-point", "no"),
    "rev-list": (_LOG + " --objects --objects-edge --count --no-object-names --object-names "
                 "--in-commit-order --indexed-objects --unpacked --timestamp --disk-usage=?", "no"),
    "count-objects": ("-v -H --verbose --human-readable", "no"),
    "name-rev": ("--tags --refs= --exclude= --all --name-only --no-undefined --always", "no"),
    "check-ignore": ("-q -v -n -z --quiet --verbose --non-matching --no-index", "no"),
    "version": ("--build-options", "no"),
    "help": ("-a -g --all --guides", "no"),
    "reflog": (_LOG + " " + _DIFF, "patch"),
}
_STASH_SHOW = _DIFF + " -u --include-untracked --only-untracked --no-include-untracked"
_BRANCH_OK = frozenset(
    ["-a", "--all", "-r", "--remotes", "-v", "-vv", "--verbose", "--show-current", "--no-color", "-l", "--list"]
)
_CONFIG_GET = frozenset({"--get", "--get-all", "--get-regexp", "--get-urlmatch", "--list", "-l"})
_CONFIG_OPTS = (
    "--get --get-all --get-regexp --get-urlmatch --list -l --name-only --show-origin "
    "--show-scope -z --null --type= --bool --int --bool-or-int --path --expiry-date --default= "
    "--local --global --system --worktree --includes --no-includes"
)
# Subcommands that never print file contents (unless asked to show patches).
_QUIET_SUBCOMMANDS = frozenset(
    ["add", "commit", "push", "fetch", "pull", "init", "clone", "switch", "checkout", "branch", "merge", "rebase", "reset", "restore", "rm", "mv", "remote", "status", "rev-parse", "ls-files", "ls-tree", "rev-list", "show-ref", "describe", "name-rev", "merge-base", "count-objects", "check-ignore", "version", "gc", "prune", "worktree", "clean", "cherry-pick", "revert", "tag", "config", "fsck", "maintenance", "sparse-checkout"]
)
# fmt: on


@dataclass(frozen=True)
class GitUse:
    """How a git command uses the repository (see the module docstring).

    `repo_dirs`: `-C` folders it runs in; `other_repo`: `--git-dir`, `--work-tree` and the
    like point it somewhere unknown; `programs`: `-c` and the like can make it run anything;
    `content`: it can print file contents; `objects`: arguments naming objects (`rev:path`,
    raw ids); `unknown_objects`: objects named at run time (stdin, `$X`); `deep`: folders
    outside the repository's tracking whose files it reads (`--no-index`, `--untracked`).
    """

    repo_dirs: tuple[Word, ...] = ()
    other_repo: bool = False
    programs: bool = False
    content: bool = False
    objects: tuple[str, ...] = ()
    unknown_objects: bool = False
    deep: tuple[Word, ...] = field(default=())


@dataclass(frozen=True)
class GitRead:
    """A read-only git command: paths to check, folders read deeply, its `GitUse`, `-C` dir."""

    paths: tuple[Word, ...]
    deep: tuple[Word, ...]
    use: GitUse
    cd_target: Word | None


def _globals(args: tuple[Word, ...]) -> tuple[int, list[Word], bool, bool, bool]:
    """Skip git's global options: (index of the subcommand, -C dirs, ok, other repo, programs)."""
    i, ok, other, programs = 0, True, False, False
    dirs: list[Word] = []
    while i < len(args) and args[i].text.startswith("-"):
        word = args[i]
        text = word.text
        i += 1
        if not word.literal:
            return i, dirs, False, True, True
        if text in _GLOBAL_OK:
            continue
        if text == "-C" and i < len(args):
            dirs.append(args[i])
            i += 1
            continue
        ok = False
        name = text.split("=", 1)[0]
        if name in _GLOBAL_OTHER_REPO:
            other = True
        elif name in _GLOBAL_PROGRAMS or text.startswith("-c"):
            programs = True
        if "=" not in text and name in (*_GLOBAL_OTHER_REPO[:2], *_GLOBAL_PROGRAMS, "--namespace"):
            i += 1  # the option's value
    return i, dirs, ok, other, programs


_REV_SEPARATORS = re.compile(r"\.\.\.?|[\^~][0-9]*|@\{[^}]*\}|[!@{}]")


def raw_ids(text: str) -> list[str]:
    """Hex object ids in a revision (`abc123`, `abc123..HEAD`, `^abc123~2`)."""
    return [p for p in _REV_SEPARATORS.split(text) if OBJECT_ID.fullmatch(p)]


def _objects(words: list[Word]) -> tuple[str, ...]:
    return tuple(w.text for w in words if ":" in w.text or raw_ids(w.text))


def _content(sub: str, parsed: Parsed, kind: str) -> bool:
    if kind == "yes":
        return True
    if kind == "patch":
        return parsed.has(*_PATCH)
    if kind == "diff":
        return parsed.has(*_PATCH) or not parsed.has(*_NAMES_ONLY)
    return sub == "status" and parsed.has("-v", "--verbose")


def git_info(args: tuple[Word, ...]) -> GitRead | None:
    """A read-only git command's paths and `GitUse`; None when it is not read-only."""
    i, dirs, ok, _, _ = _globals(args)
    if not ok or len(dirs) > 1 or i >= len(args) or not args[i].literal:
        return None
    if any(not w.literal for w in args[i:]):
        return None
    sub, rest = args[i].text, args[i + 1 :]
    texts = [w.text for w in rest]
    cd = dirs[0] if dirs and dirs[0].text else None
    use = GitUse(repo_dirs=tuple(dirs))
    if sub == "branch":
        return GitRead((), (), use, cd) if all(t in _BRANCH_OK for t in texts) else None
    if sub == "remote":
        return GitRead((), (), use, cd) if all(t in ("-v", "--verbose") for t in texts) else None
    if sub == "tag":
        parsed = parse(
            spec(
                "-l --list -n=? --contains= --no-contains= --merged= --no-merged= "
                "--points-at= --sort= --format= --column=? --no-column -i "
                "--ignore-case --color=?"
            ),
            rest,
        )
        listing = parsed.has("-l", "--list") or not parsed.positional
        return GitRead((), (), use, cd) if parsed.ok and listing else None
    if sub == "config":
        parsed = parse(spec(_CONFIG_OPTS), rest)
        reading = any(t in _CONFIG_GET for t in texts) or texts[:1] in (["get"], ["list"])
        return GitRead((), (), use, cd) if parsed.ok and reading else None
    if sub == "stash":
        if texts == ["list"] or texts[:1] == ["list"]:
            sub, rest, options, kind = "log", rest[1:], _LOG, "no"
        elif texts[:1] == ["show"]:
            sub, rest, options, kind = "stash show", rest[1:], _STASH_SHOW, "diff"
        else:
            return None
    elif sub in _SUBCOMMANDS:
        options, kind = _SUBCOMMANDS[sub]
    else:
        return None
    parsed = parse(spec(options), rest)
    if not parsed.ok:
        return None
    if sub == "help" and parsed.positional:
        return None  # `git help CMD` runs man (and its pager)
    positional = list(parsed.positional)
    content = _content(sub, parsed, kind)
    line_ranges = [Word(v.rsplit(":", 1)[-1]) for v in parsed.values("-L") if ":" in v]
    deep: tuple[Word, ...] = ()
    if parsed.has("--no-index", "--untracked") and sub in ("diff", "grep"):
        deep = (_HERE, *positional) if sub == "grep" else tuple(positional)
    use = GitUse(repo_dirs=tuple(dirs), content=content, objects=_objects(positional) if content else (), deep=deep)
    return GitRead((_HERE, *positional, *parsed.paths, *line_ranges), deep, use, cd)


def git_possible(args: tuple[Word, ...]) -> GitUse:
    """For a git command that is not read-only: how it may still read the repository."""
    i, dirs, _, other, programs = _globals(args)
    rest = args[i + 1 :]
    sub = args[i].text if i < len(args) and args[i].literal else None
    texts = {w.text for w in rest}
    quiet = sub in _QUIET_SUBCOMMANDS and not texts & {
        "-p",
        "--patch",
        "-v",
        "--verbose",
        "-i",
        "--interactive",
        "-e",
        "--edit",
    }
    opaque = any(not w.literal for w in args)
    return GitUse(
        repo_dirs=tuple(dirs),
        other_repo=other or opaque,
        programs=programs,
        content=not quiet,
        objects=_objects(list(rest)),
        unknown_objects=opaque or "--stdin" in texts or any(t.startswith("--batch") for t in texts),
        deep=(_HERE,) if texts & {"--no-index", "--untracked"} else (),
    )

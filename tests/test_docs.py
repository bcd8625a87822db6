"""The documentation stays true to the repository, and the modules stay small and explained.

- Every relative link (`[text](path)`, `[text](path#anchor)`, images, reference
  definitions) in README.md, ARCHITECTURE.md, CONTRIBUTING.md and docs/*.md points at a
  file or folder inside this repository (a link out of it, such as `../shared/...`,
  breaks in every clone). Anchors are not checked.
- Every path ARCHITECTURE.md and CONTRIBUTING.md name in backticks (`cli/main.py`,
  `tests/fakes/`) exists, relative to the repository root or to `src/letta_code/`.
- Every module under src/letta_code is at most 400 lines and starts with a real
  docstring (not empty, not a bare "Package.").
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "letta_code"
MAX_LINES = 400
MAPS = ("ARCHITECTURE.md", "CONTRIBUTING.md")

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,}).*?^ {0,3}\1[ \t]*$", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)
# [text](target) and ![alt](target); target may be <...> and may carry a "title".
_INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*(<[^>]*>|[^\s()]+(?:\([^\s()]*\)[^\s()]*)*)")
_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)", re.MULTILINE)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_PATH_LIKE = re.compile(r"[A-Za-z0-9_][\w.-]*(?:/[\w.-]+)*(?:\.(?:py|md|toml|ini|txt|json)|/)")


def documents() -> list[Path]:
    return [ROOT / "README.md", *(ROOT / name for name in MAPS), *sorted((ROOT / "docs").glob("*.md"))]


def relative_links(markdown: str) -> list[str]:
    """The link targets of `markdown` that point at a path (no URLs, no bare #anchors),
    outside fenced code blocks and code spans, anchors and queries cut off."""
    prose = _CODE_SPAN.sub("", _FENCE.sub("", markdown))
    targets = [m.group(1) for m in _INLINE_LINK.finditer(prose)] + [m.group(1) for m in _REFERENCE.finditer(prose)]
    paths = []
    for raw in targets:
        target = raw[1:-1] if raw.startswith("<") else raw
        if not target or target.startswith("#") or _SCHEME.match(target):
            continue
        paths.append(unquote(re.split(r"[#?]", target, maxsplit=1)[0]))
    return [p for p in paths if p]


def dead_links(doc: Path, root: Path = ROOT) -> list[str]:
    """`doc: target` for every relative link of `doc` that leaves `root` or points nowhere."""
    dead = []
    for target in relative_links(doc.read_text(encoding="utf-8")):
        base = root if target.startswith("/") else doc.parent
        resolved = (base / target.lstrip("/")).resolve()
        if not resolved.is_relative_to(root):
            dead.append(f"{doc.relative_to(root)}: {target} (outside the repository)")
        elif not resolved.exists():
            dead.append(f"{doc.relative_to(root)}: {target}")
    return dead


def named_paths(markdown: str) -> list[str]:
    """Paths written in code spans (`cli/main.py`, `tests/fakes/`): a slash, a file ending or a
    trailing slash, no placeholders (`<name>`), globs, `~`, `$` or leading `.`/`/`."""
    return [m.group(2) for m in _CODE_SPAN.finditer(_FENCE.sub("", markdown)) if _is_path(m.group(2))]


def _is_path(text: str) -> bool:
    return "/" in text and _PATH_LIKE.fullmatch(text) is not None


def missing_paths(doc: Path) -> list[str]:
    bases = (ROOT, PACKAGE, ROOT / "src")
    return [
        f"{doc.name}: `{path}`"
        for path in named_paths(doc.read_text(encoding="utf-8"))
        if not any((base / path).exists() for base in bases)
    ]


def module_problems(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    name = str(path.relative_to(ROOT))
    problems = []
    lines = len(text.splitlines())
    if lines > MAX_LINES:
        problems.append(f"{name}: {lines} lines (at most {MAX_LINES})")
    doc = ast.get_docstring(ast.parse(text, filename=name))
    if doc is None or not doc.strip():
        problems.append(f"{name}: no module docstring")
    elif doc.strip().rstrip(".").lower() == "package":
        problems.append(f'{name}: the docstring only says "{doc.strip()}"')
    return problems


def test_the_link_finder_sees_links_and_only_links() -> None:
    sample = (
        'See [the map](ARCHITECTURE.md), [a section](docs/headless.md#json "title"), '
        "![img](docs/a%20b.png), [out](../shared/DESIGN.md), [web](https://example.com/x.md), "
        "[here](#top), <https://example.com>, `[not](code.md)`.\n\n"
        "```md\n[not either](fenced.md)\n```\n\n[ref]: docs/ref.md\n"
    )
    assert relative_links(sample) == [
        "ARCHITECTURE.md",
        "docs/headless.md",
        "docs/a b.png",
        "../shared/DESIGN.md",
        "docs/ref.md",
    ]


def test_a_missing_file_and_a_link_out_of_the_repository_are_dead(tmp_path: Path) -> None:
    repo = (tmp_path / "repo").resolve()
    (repo / "docs").mkdir(parents=True)
    (repo / "docs" / "guide.md").write_text("# Guide\n")
    (tmp_path / "DESIGN.md").write_text("# outside the repository\n")
    readme = repo / "README.md"
    readme.write_text(
        "[guide](docs/guide.md#intro) [docs](docs/) [root](/docs/guide.md) "
        "[gone](docs/gone.md) [design](../DESIGN.md)\n"
    )
    assert dead_links(readme, repo) == [
        "README.md: docs/gone.md",
        "README.md: ../DESIGN.md (outside the repository)",
    ]


def test_every_relative_link_in_the_docs_resolves() -> None:
    docs = documents()
    missing_docs = [str(d.relative_to(ROOT)) for d in docs if not d.exists()]
    assert missing_docs == [], f"documents missing: {missing_docs}"
    links = {d.name: relative_links(d.read_text(encoding="utf-8")) for d in docs}
    assert len(links["README.md"]) >= 5 and links["ARCHITECTURE.md"], links  # the finder found them
    dead = [line for doc in docs for line in dead_links(doc)]
    assert dead == [], "dead links:\n" + "\n".join(dead)


def test_the_architecture_and_contributing_pages_name_only_paths_that_exist() -> None:
    assert _is_path("cli/main.py") and _is_path("tests/fakes/")
    assert not any(map(_is_path, ("tools/<name>.py", "~/.letta/settings.json", "docs/*.md", "openai/gpt-4.1")))
    named = {name: named_paths((ROOT / name).read_text(encoding="utf-8")) for name in MAPS}
    assert all(len(paths) > 10 for paths in named.values()), named
    missing = [line for name in MAPS for line in missing_paths(ROOT / name)]
    assert missing == [], "paths that do not exist:\n" + "\n".join(missing)


def test_every_module_is_small_and_says_what_it_is_for() -> None:
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 100
    problems = [line for path in modules for line in module_problems(path)]
    assert problems == [], "\n".join(problems)


def test_every_script_of_the_ade_is_small_and_says_what_it_is_for() -> None:
    """The same rule for the browser's ES modules: at most 400 lines, opening with a comment."""
    scripts = sorted((PACKAGE / "server" / "ade" / "static").glob("*.js"))
    assert len(scripts) > 10
    problems = []
    for path in scripts:
        lines = path.read_text(encoding="utf-8").splitlines()
        if len(lines) > MAX_LINES:
            problems.append(f"{path.name}: {len(lines)} lines (at most {MAX_LINES})")
        if not lines or not lines[0].startswith("// ") or len(lines[0]) < 30:
            problems.append(f"{path.name}: does not open with a comment saying what it is for")
    assert problems == [], "\n".join(problems)

"""`letta_code` has no import cycle, counting every import of every module: module-level,
inside functions and under `TYPE_CHECKING` (a cycle hidden in a function is still one:
it breaks as soon as someone moves the import to the top).

The graph is built from the source with `ast`, over every module of every subpackage,
with relative imports resolved at any level. An import names the module it reaches:
`from pkg import sub` is an edge to the submodule `pkg.sub`, `from pkg import name` (a
name defined in `pkg/__init__.py`) an edge to `pkg`, as import-linter's graph counts
them. The package's `__init__` is not counted for every import below it: Python runs
it first whatever the spelling, so it is no edge of the importing module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import letta_code

PACKAGE = "letta_code"


def package_modules(folder: Path, package: str) -> dict[str, Path]:
    """Every module under `folder` by dotted name; a (sub)package is its `__init__.py`."""
    modules: dict[str, Path] = {}
    for path in sorted(folder.rglob("*.py")):
        parts = path.relative_to(folder).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join((package, *parts))] = path
    return modules


def _relative_base(module: str, is_package: bool, level: int, package: str) -> str:
    """The package `from .{level dots}` means inside `module`: one dot is its own package."""
    parts = module.split(".") if is_package else module.split(".")[:-1]
    base = parts[: len(parts) - (level - 1)]
    name = ".".join(base)
    if level - 1 >= len(parts) or not (name == package or name.startswith(package + ".")):
        raise ValueError(f"{module}: relative import of level {level} reaches above {package}")
    return name


def import_graph(folder: Path, package: str) -> dict[str, set[str]]:
    """Each module of the package -> the modules of the package it imports, anywhere in it."""
    modules = package_modules(folder, package)

    def nearest(name: str) -> str | None:
        """The module `name` is or lies in (`a.b.C` -> `a.b`); None outside the package."""
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        is_package = path.name == "__init__.py"
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                edges.update(t for t in (nearest(a.name) for a in node.names) if t)
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # `from . import x`, `from ..x import y`
                    base = _relative_base(module, is_package, node.level, package)
                    source = f"{base}.{node.module}" if node.module else base
                else:
                    source = node.module or ""
                for alias in node.names:
                    submodule = f"{source}.{alias.name}"
                    target = submodule if submodule in modules else nearest(source)
                    if target:
                        edges.add(target)
        edges.discard(module)
        graph[module] = edges
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle (its modules, the first repeated at the end), or None."""
    done: set[str] = set()
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        if module in path:
            return [*path[path.index(module) :], module]
        if module in done:
            return None
        path.append(module)
        for target in sorted(graph.get(module, ())):
            found = visit(target)
            if found is not None:
                return found
        path.pop()
        done.add(module)
        return None

    for module in sorted(graph):
        found = visit(module)
        if found is not None:
            return found
    return None


def test_letta_code_has_no_import_cycle() -> None:
    folder = Path(letta_code.__file__).parent
    graph = import_graph(folder, PACKAGE)
    # The graph sees real imports, in subpackages and below.
    assert f"{PACKAGE}.permissions.bash_check" in graph[f"{PACKAGE}.permissions.checker"]
    assert f"{PACKAGE}.service.store.db" in graph
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_a_cycle_through_a_function_level_or_type_checking_import_is_found(tmp_path: Path) -> None:
    (tmp_path / "__init__.py").write_text("from pkg.a import A\n")
    (tmp_path / "a.py").write_text("A = 1\ndef f():\n    from pkg.b import g\n    return g\n")
    (tmp_path / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import A\n")
    (tmp_path / "c.py").write_text("from . import b\n")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "__init__.py").write_text("def load():\n    from .. import a\n")
    (sub / "d.py").write_text(
        "import os\nfrom .. import c\nfrom ..a import A\nfrom . import e\nimport pkg.sub.e as e2\n"
    )
    (sub / "e.py").write_text("from .. import sub\nfrom ..sub.d import nothing\n")
    graph = import_graph(tmp_path, "pkg")
    assert graph == {
        "pkg": {"pkg.a"},
        "pkg.a": {"pkg.b"},
        "pkg.b": {"pkg"},  # a name from pkg/__init__.py
        "pkg.c": {"pkg.b"},  # a submodule: the edge is to it, not to pkg/__init__.py
        "pkg.sub": {"pkg.a"},  # two dots in a package's __init__: the parent package
        "pkg.sub.d": {"pkg.c", "pkg.a", "pkg.sub.e"},  # two dots in a module: the package above its own
        "pkg.sub.e": {"pkg.sub", "pkg.sub.d"},
    }
    assert find_cycle(graph) == ["pkg", "pkg.a", "pkg.b", "pkg"]
    del graph["pkg.b"]
    assert find_cycle(graph) == ["pkg.sub.d", "pkg.sub.e", "pkg.sub.d"]
    graph["pkg.sub.e"].discard("pkg.sub.d")
    assert find_cycle(graph) is None


def test_a_relative_import_above_the_package_is_refused(tmp_path: Path) -> None:
    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "a.py").write_text("from .. import elsewhere\n")
    with pytest.raises(ValueError, match="above pkg"):
        import_graph(tmp_path, "pkg")

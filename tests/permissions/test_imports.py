"""The permission package has no import cycle, counting every import: module-level,
inside functions and under `TYPE_CHECKING` (a cycle hidden in a function is still
one: it breaks as soon as someone moves the import to the top)."""

from __future__ import annotations

import ast
from pathlib import Path

import letta_code.permissions

PACKAGE = "letta_code.permissions"


def import_graph(folder: Path, package: str) -> dict[str, set[str]]:
    """Each module of the package -> the modules of the package it imports, anywhere."""
    modules = {f.stem: f for f in sorted(folder.glob("*.py"))}

    def name(stem: str) -> str:
        return package if stem == "__init__" else f"{package}.{stem}"

    graph: dict[str, set[str]] = {}
    for stem, path in modules.items():
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                edges.update(a.name for a in node.names if a.name == package or a.name.startswith(package + "."))
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: `from . import x`, `from .x import y`
                    target = package if stem == "__init__" or node.level == 1 else None
                    assert target is not None, f"{path}: relative import above the package"
                    target = f"{target}.{node.module}" if node.module else target
                else:
                    target = node.module or ""
                if target == package:  # `from package import submodule` imports the submodule too
                    edges.update(name(a.name) for a in node.names if a.name in modules)
                    edges.add(package)
                elif target.startswith(package + "."):
                    edges.add(target)
        edges.discard(name(stem))
        graph[name(stem)] = edges
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


def test_the_permissions_package_has_no_import_cycle() -> None:
    folder = Path(letta_code.permissions.__file__).parent
    graph = import_graph(folder, PACKAGE)
    assert f"{PACKAGE}.bash_check" in graph[f"{PACKAGE}.checker"]  # the graph sees real imports
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_a_cycle_through_a_function_level_or_type_checking_import_is_found(tmp_path: Path) -> None:
    (tmp_path / "__init__.py").write_text("from pkg.a import A\n")
    (tmp_path / "a.py").write_text("def f():\n    from pkg.b import g\n    return g\n")
    (tmp_path / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import a\n")
    (tmp_path / "c.py").write_text("from . import b\n")
    graph = import_graph(tmp_path, "pkg")
    assert graph == {"pkg": {"pkg.a"}, "pkg.a": {"pkg.b"}, "pkg.b": {"pkg", "pkg.a"}, "pkg.c": {"pkg", "pkg.b"}}
    assert find_cycle(graph) == ["pkg", "pkg.a", "pkg.b", "pkg"]
    del graph["pkg.b"]
    assert find_cycle(graph) is None

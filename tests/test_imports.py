"""The house's import rules, read from the source with ``ast``: no import cycle (imports at module
level, under ``TYPE_CHECKING`` and inside functions all count), and the pipeline never imports a
view — data flow read → normalise → load → match → compare → indicators → explain → checks →
history → views, never back."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "eduwb"
# What may import the views: the views themselves, the applications, and the facade.
VIEW_USERS = ("eduwb.views", "eduwb.cli", "eduwb.batch", "eduwb")


def module_files() -> dict[str, Path]:
    """Every module of eduwb by dotted name (a package by its ``__init__``)."""
    names = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def imports_of(name: str, path: Path, modules: set[str]) -> set[str]:
    """The eduwb modules ``name`` imports anywhere in its source; ``from P import x`` is the
    submodule ``P.x`` when there is one, else ``P``."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in modules else base)
    return {m for m in found if m in modules and m != name}


def import_graph() -> dict[str, set[str]]:
    files = module_files()
    return {name: imports_of(name, path, set(files)) for name, path in files.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first = last), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_the_graph_sees_every_kind_of_import() -> None:
    graph = import_graph()
    assert "eduwb.history.db" in graph["eduwb.history.progress"]  # from eduwb.history import db
    assert "eduwb.checks.rules" in graph["eduwb.checks.run"]  # module level
    assert "eduwb.tracking" in graph["eduwb.store"]  # inside a method
    assert "eduwb.pipeline" in graph["eduwb.store"]


def test_find_cycle_finds_one() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


@pytest.mark.parametrize("module", sorted(import_graph()))
def test_the_pipeline_never_imports_a_view(module: str) -> None:
    if module in VIEW_USERS or module.startswith("eduwb.views."):
        return
    views = sorted(m for m in import_graph()[module] if m == "eduwb.views" or
                   m.startswith("eduwb.views."))
    assert views == [], f"{module} imports the views {views}"

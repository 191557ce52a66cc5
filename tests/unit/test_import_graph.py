"""No import circle among app/, integrations/ and workers/.

Every import counts, a function-level one too (it is a circle the moment the function runs);
imports under ``if TYPE_CHECKING:`` do not (they never run). ``from pkg import mod`` is an
import of ``pkg.mod``; ``from mod import name`` of ``mod``. A package's ``__init__`` that
gathers its own submodules (``app.models``) is not a circle with them: Python runs the parent
first by design. Composition roots (the app factory ``app.create_app``, ``wsgi.py``,
``workers/__main__.py``) may import everything; nothing imports them back.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "integrations", "workers")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return getattr(test, "id", None) == "TYPE_CHECKING" or getattr(test, "attr", None) == (
        "TYPE_CHECKING"
    )


def _imported(node: ast.AST, name: str, is_package: bool, modules: dict) -> set[str]:
    found: set[str] = set()
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child):
            for branch in child.orelse:
                found |= _imported(branch, name, is_package, modules)
            continue
        if isinstance(child, ast.Import):
            found |= {alias.name for alias in child.names}
        elif isinstance(child, ast.ImportFrom):
            base = child.module or ""
            if child.level:
                here = name.split(".") if is_package else name.split(".")[:-1]
                here = here[: len(here) - (child.level - 1)]
                base = ".".join([*here, *([child.module] if child.module else [])])
            for alias in child.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
        found |= _imported(child, name, is_package, modules)
    return found


def _resolve(imported: str, modules: dict) -> str | None:
    parts = imported.split(".")
    while parts and ".".join(parts) not in modules:
        parts.pop()
    return ".".join(parts) or None


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        imported = _imported(ast.parse(path.read_text()), name, path.name == "__init__.py", modules)
        targets = {_resolve(i, modules) for i in imported} - {None, name}
        graph[name] = {t for t in targets if t is not None}
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while (member := stack.pop()) != node:
                component.append(member)
            component.append(node)
            if len(component) > 1:
                circles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return circles


def test_the_checker_finds_a_circle() -> None:
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_circle() -> None:
    graph = _graph()
    described = [
        "\n".join(f"  {m} -> {', '.join(sorted(graph[m] & set(c)))}" for m in c)
        for c in _circles(graph)
    ]
    assert not described, "import circles:\n" + "\n\n".join(described)

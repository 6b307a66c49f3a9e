"""The layers of the code: what may import what.

The Home Assistant layer (`custom_components/lcars/*.py` and its packages
`actions/` and `runtime/`) is wiring. The domain packages below it, and the
simulator, never import Home Assistant, so each can be read and tested alone.
No module imports, directly or round about, a module that imports it back:
imports read only for type checking count too, since a circle of types is a
circle of ideas.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / "lcars"
SIMULATOR = ROOT / "simulator"

# The Home Assistant layer: the integration's own files and these packages.
HOME_ASSISTANT_PACKAGES = frozenset({"actions", "runtime"})


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for top in (INTEGRATION, SIMULATOR)
        for path in sorted(top.rglob("*.py"))
    }


def _imported(module: str, path: Path, modules: Collection[str]) -> Iterator[str]:
    """Every module name an import statement of the file names, resolved."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            # `from . import reasons` imports the module `reasons`, and the
            # package only as every module of it does.
            submodules = [
                f"{target}.{alias.name}"
                for alias in node.names
                if f"{target}.{alias.name}" in modules
            ]
            yield from submodules or [target]


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {
        module: {name for name in _imported(module, path, modules) if name in modules}
        - {module}
        for module, path in modules.items()
    }


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph[module]):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                circles.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return circles


def _is_home_assistant_layer(module: str) -> bool:
    parts = module.split(".")
    if parts[:2] != ["custom_components", "lcars"]:
        return False
    inside = parts[2:]
    # A file of the integration itself, or one of its wiring packages.
    return len(inside) <= 1 or inside[0] in HOME_ASSISTANT_PACKAGES


def test_the_walk_sees_every_kind_of_import() -> None:
    """The walk finds relative, absolute, package and type-only imports."""
    graph = _graph()
    assert (
        "custom_components.lcars.cleanup.policy"
        in graph["custom_components.lcars.cleanup"]
    )
    assert (
        "custom_components.lcars.clients.models"
        in graph["custom_components.lcars.cleanup.candidates"]
    )
    assert "custom_components.lcars.const" in graph["custom_components.lcars"]
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [
        ["a", "b", "c"]
    ]


def test_no_import_circles() -> None:
    """No module imports, however round about, a module that imports it."""
    assert _circles(_graph()) == []


@pytest.mark.parametrize(
    "module",
    [module for module in _modules() if not _is_home_assistant_layer(module)],
)
def test_domain_code_never_imports_home_assistant(module: str) -> None:
    """The domain packages and the simulator stand on their own."""
    path = _modules()[module]
    imported = set(_imported(module, path, _modules()))
    assert not {
        name
        for name in imported
        if name == "homeassistant" or name.startswith("homeassistant.")
    }

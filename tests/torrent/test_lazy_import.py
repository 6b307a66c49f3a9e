"""libtorrent is only imported when the engine starts."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[2] / "custom_components" / "lcars"


def _module_level_imports(tree: ast.Module) -> list[str]:
    """Return the modules imported outside functions and TYPE_CHECKING blocks."""
    found: list[str] = []
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
        elif isinstance(node, ast.If):
            if ast.unparse(node.test) != "TYPE_CHECKING":
                pending.extend(node.body)
            pending.extend(node.orelse)
        elif isinstance(node, ast.Try):
            pending.extend([*node.body, *node.orelse, *node.finalbody])
            for handler in node.handlers:
                pending.extend(handler.body)
        elif isinstance(node, ast.ClassDef | ast.With):
            pending.extend(node.body)
    return found


def test_no_module_level_libtorrent_import() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in sorted(PACKAGE.rglob("*.py"))
        if any(
            name.split(".")[0] == "libtorrent"
            for name in _module_level_imports(ast.parse(path.read_text()))
        )
    ]
    assert offenders == []


def test_the_check_sees_a_module_level_import() -> None:
    tree = ast.parse(
        "import os\ntry:\n    import libtorrent as lt\nexcept ImportError:\n    pass\n"
    )
    assert "libtorrent" in _module_level_imports(tree)
    tree = ast.parse("def load():\n    import libtorrent\n")
    assert _module_level_imports(tree) == []

"""The layering rule: `domain/` never depends on the user interface."""

from __future__ import annotations

import ast
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[2] / "domain"
FORBIDDEN = ("textual", "tui")


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, (ast.Attribute, ast.Name))
            and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def test_domain_never_imports_textual_or_tui() -> None:
    files = sorted(DOMAIN.rglob("*.py"))
    assert len(files) > 20, "the walk must see the whole domain package"
    offenders = [
        f"{path.relative_to(DOMAIN.parent)}:{line} imports {module}"
        for path in files
        for line, module in _imported_modules(path)
        if module.split(".")[0] in FORBIDDEN
    ]
    assert offenders == []


def test_import_scanner_catches_every_import_form(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import textual.app\n"
        "from tui.screens import login\n"
        "def f():\n"
        "    import importlib\n"
        "    importlib.import_module('tui.cli')\n"
        "from . import sibling\n"
    )
    modules = [m for _, m in _imported_modules(sample)]
    assert {"textual.app", "tui.screens", "tui.cli"} <= set(modules)

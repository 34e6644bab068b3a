"""The TUI's layers: controllers are plain classes that screens own, so they test without a UI."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from tui.app import SkillHubApp

CONTROLLERS = Path(__file__).resolve().parents[2] / "tui" / "controllers"
# What a controller may not reach, even through another module: the UI toolkits and the
# TUI's own views (screens, widgets, the app and its sections).
UI_MODULES = ("textual", "rich", "tui.screens", "tui.widgets", "tui.app", "tui.sections")


def test_no_controller_imports_textual_or_a_view_even_indirectly() -> None:
    names = sorted(path.stem for path in CONTROLLERS.glob("*.py") if path.stem != "__init__")
    assert len(names) > 10, "the walk must see every controller"
    code = (
        "import importlib, json, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module('tui.controllers.' + name)\n"
        f"ui = {UI_MODULES!r}\n"
        "print(json.dumps(sorted(m for m in sys.modules if any(m == u or m.startswith(u + '.') for u in ui))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert json.loads(done.stdout) == []



def _styling_of_classes(path: Path) -> list[str]:
    """`Class.NAME` for each CSS class variable (CSS_PATH, CSS, DEFAULT_CSS) a module's classes set."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ClassDef):
            for statement in node.body:
                targets = statement.targets if isinstance(statement, ast.Assign) else (
                    [statement.target] if isinstance(statement, ast.AnnAssign) else [])
                found += [f"{node.name}.{t.id}" for t in targets
                          if isinstance(t, ast.Name) and t.id in ("CSS_PATH", "CSS", "DEFAULT_CSS")]
    return found


def test_the_app_loads_every_stylesheet_once_and_only_widgets_bring_their_own_css() -> None:
    """One CSS strategy: the app loads tui/styles/*.tcss; screens and dialogs have no CSS of their own,
    and DEFAULT_CSS is for the reusable widgets of tui/widgets/ only."""
    tui = CONTROLLERS.parent
    stylesheets = sorted(f"styles/{path.name}" for path in (tui / "styles").glob("*.tcss"))
    assert len(stylesheets) > 3
    assert _styling_of_classes(tui / "app.py") == ["SkillHubApp.CSS_PATH"]
    assert sorted(SkillHubApp.CSS_PATH) == stylesheets
    modules = [path for path in tui.rglob("*.py") if path.parent.name != "widgets" and path.name != "app.py"]
    assert [styled for path in modules for styled in _styling_of_classes(path)] == []
    widgets = [styled for path in (tui / "widgets").glob("*.py") for styled in _styling_of_classes(path)]
    assert widgets and all(styled.endswith(".DEFAULT_CSS") for styled in widgets)

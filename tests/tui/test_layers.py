"""The TUI's layers: controllers are plain classes that screens own, so they test without a UI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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

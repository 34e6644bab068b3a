"""Guard: no widget or notification in tui/ can read a person's text as markup (tui/text.py).

An AST scan of every module of tui/: a forgotten `.notify(`, a `Static` or `Label` with
markup on, a `Select` fed plain strings or a DataTable row added around `fill_table`
fails here, by file and line, before any user meets a `[/]`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

TUI = Path(__file__).resolve().parents[2] / "tui"
# Widgets whose text is read as markup unless they are told otherwise.
MARKUP_WIDGETS = {"Static", "Label", "OptionList"}
ROW_METHODS = {"add_row", "add_rows", "update_cell", "update_cell_at"}
# The one place each of these may appear.
NOTIFY_HELPER = "text.py"
TABLE_HELPER = "widgets/tables.py"
# route_error's unexpected-error branch belongs to the logging lane (issue 9, point 5); its
# message names an exception class, never user text. A new message there must use the helper.
ALLOWED_NOTIFY = {("screens/base.py", "Something went wrong: ")}


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Subscript):
        func = func.value
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _is_call_to(node: ast.expr | None, name: str) -> bool:
    return isinstance(node, ast.Call) and _name(node.func) == name


def _first_text(call: ast.Call) -> str:
    """The constant start of a call's first argument (an f-string's first part), for the allow-list."""
    first = call.args[0] if call.args else None
    if isinstance(first, ast.JoinedStr) and first.values and isinstance(first.values[0], ast.Constant):
        return str(first.values[0].value)
    if isinstance(first, ast.Constant):
        return str(first.value)
    return ""


def problems(source: str, where: str) -> Iterator[str]:
    """Every way `source` (the module at `where`, relative to tui/) could show text as markup."""
    calls = sorted((n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call)),
                   key=lambda n: (n.lineno, n.col_offset))
    for node in calls:
        name, line = _name(node.func), f"{where}:{node.lineno}"
        keywords = {k.arg: k.value for k in node.keywords}
        if name == "notify" and isinstance(node.func, ast.Attribute):
            if where != NOTIFY_HELPER and (where, _first_text(node)) not in ALLOWED_NOTIFY:
                yield f"{line}: .notify( reads markup: use tui.text.notify_literal"
        elif name in MARKUP_WIDGETS and isinstance(node.func, ast.Name | ast.Subscript):
            markup = keywords.get("markup")
            if not (isinstance(markup, ast.Constant) and markup.value is False):
                yield f"{line}: {name}(...) without markup=False"
        elif name == "Select" and isinstance(node.func, ast.Name | ast.Subscript):
            options = node.args[0] if node.args else keywords.get("options")
            if not (_is_call_to(options, "literal_options") or (isinstance(options, ast.List) and not options.elts)):
                yield f"{line}: Select options not built with literal_options"
        elif name == "set_options":
            if not (node.args and _is_call_to(node.args[0], "literal_options")):
                yield f"{line}: set_options(...) not built with literal_options"
        elif name == "Selection" and isinstance(node.func, ast.Name):
            if not (node.args and _is_call_to(node.args[0], "literal")):
                yield f"{line}: Selection prompt not built with literal"
        elif name in ROW_METHODS and where != TABLE_HELPER:
            yield f"{line}: DataTable.{name} outside fill_table reads str cells as markup"
        elif name == "from_markup":
            yield f"{line}: from_markup parses text as markup"


def test_no_widget_or_notification_in_tui_reads_text_as_markup() -> None:
    found = [problem for path in sorted(TUI.rglob("*.py"))
             for problem in problems(path.read_text(encoding="utf-8"), path.relative_to(TUI).as_posix())]
    assert found == []


def test_the_guard_catches_each_kind_of_slip() -> None:
    slips = '''
self.notify(f"Created {row.label}.")
app.notify(message, markup=False)
yield Static(view.title)
yield Label(name, markup=True)
yield OptionList(id="choices")
yield Select([(c.title, c.id) for c in choices])
select.set_options((c.title, c.id) for c in choices)
learners.add_options(Selection(f"{c.name}", c.id) for c in choices)
table.add_row(title, trainer)
Content.from_markup(title)
'''
    assert [p.split(": ", 1)[1] for p in problems(slips, "screens/example.py")] == [
        ".notify( reads markup: use tui.text.notify_literal",
        ".notify( reads markup: use tui.text.notify_literal",
        "Static(...) without markup=False",
        "Label(...) without markup=False",
        "OptionList(...) without markup=False",
        "Select options not built with literal_options",
        "set_options(...) not built with literal_options",
        "Selection prompt not built with literal",
        "DataTable.add_row outside fill_table reads str cells as markup",
        "from_markup parses text as markup",
    ]
    fine = '''
notify_literal(self, f"Created {row.label}.")
yield Static(view.title, markup=False)
yield Select(literal_options((c.title, c.id) for c in choices), id="x")
yield Select[str]([], prompt="Loading…")
select.set_options(literal_options((c.title, c.id) for c in choices))
fill_table(table, rows)
'''
    assert list(problems(fine, "screens/example.py")) == []

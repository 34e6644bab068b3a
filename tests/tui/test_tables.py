"""fill_table: a table's columns are sized before its rows go in, not on its next idle."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from tui.widgets.tables import fill_table


class _TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable()


async def test_columns_are_sized_before_the_table_measures_its_rows() -> None:
    app = _TableApp()
    async with app.run_test(size=(80, 10)) as pilot:
        table = app.query_one(DataTable)
        table.add_columns("Learner", "Score")
        fill_table(table, [((Text("Lea Dubois (you)"), "285"), "7"), ((Text("Anonymous learner"), "70"), "8")])
        # No await in between: a frame drawn now (and cached by the table) already has these widths.
        assert [c.content_width for c in table.ordered_columns] == [len("Anonymous learner"), len("Score")]
        # A str cell goes in as a literal Text (DataTable would read a str as markup).
        assert [str(table.get_row("7")[0]), table.get_row("8")[1]] == ["Lea Dubois (you)", Text("70")]
        await pilot.pause()
        # The table's own measurement on idle agrees.
        assert [c.content_width for c in table.ordered_columns] == [len("Anonymous learner"), len("Score")]

        fill_table(table, [((Text("Ines"), "1"), "9")])
        assert table.row_count == 1 and list(table.rows) == ["9"]


async def test_a_multi_line_cell_counts_its_longest_line() -> None:
    app = _TableApp()
    async with app.run_test(size=(80, 10)):
        table = app.query_one(DataTable)
        table.add_columns("Note")
        fill_table(table, [((Text("short\na much longer line"),), None)])
        assert table.ordered_columns[0].content_width == len("a much longer line")


async def test_a_str_cell_is_shown_as_written_never_read_as_markup() -> None:
    app = _TableApp()
    async with app.run_test(size=(80, 10)) as pilot:
        table = app.query_one(DataTable)
        table.add_columns("Title", "Trainer")
        fill_table(table, [(("Sort [/] waste", "Paul [Intern]"), "1")])
        await pilot.pause()
        assert [table.ordered_columns[0].content_width, table.ordered_columns[1].content_width] == [14, 13]
        assert table.render_line(1).text.split() == ["Sort", "[/]", "waste", "Paul", "[Intern]"]

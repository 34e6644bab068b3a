"""Filling a DataTable so that its very first frame has the right column widths, and reading its cursor."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from rich.text import Text
from textual.widgets import DataTable

from tui.text import literal
from tui.widgets.fit_table import FitTable

Cell = Text | str
Row = TypeVar("Row")


def fill_table(table: DataTable[Any], rows: Iterable[tuple[Sequence[Cell], str | None]],
               select: str | None = None) -> None:
    """Replace the rows of `table` with `rows` (cells, key), sizing its columns first; then put
    the cursor on the row whose key is `select`, if it is there (else on the first row).

    A `str` cell is shown as written: DataTable would read it as markup (tui/text.py). A
    line cut by its column's width ends with an ellipsis.

    DataTable measures new rows on its own idle, and what it draws before then is cached
    with the header widths until the table next changes (Textual 8.2): on a busy machine
    a page could stay squeezed to its headers. Measured here, before the rows go in, the
    first frame is already right (the idle measurement then finds the same widths)."""
    materialised = [(tuple(_cut_with_ellipsis(cell) for cell in cells), key) for cells, key in rows]
    table.clear()
    if isinstance(table, FitTable):
        table.measure(cells for cells, _ in materialised)
    else:
        columns = table.ordered_columns
        for cells, _ in materialised:
            for column, cell in zip(columns, cells, strict=False):
                if column.auto_width:
                    column.content_width = max(column.content_width, _width(cell))
    for cells, key in materialised:
        table.add_row(*cells, key=key)
    keys = [key for _, key in materialised]
    if select is not None and select in keys:
        table.move_cursor(row=keys.index(select))


def row_at_cursor(table: DataTable[Any], rows: Sequence[Row]) -> Row | None:
    """The row of `rows` (the table's rows, in order) under the table's cursor; None when there is none."""
    index = table.cursor_row
    return rows[index] if 0 <= index < len(rows) else None


def _cut_with_ellipsis(cell: Cell) -> Text:
    text = literal(cell) if isinstance(cell, str) else cell.copy()
    text.no_wrap = True
    text.overflow = "ellipsis"
    return text


def _width(cell: Text) -> int:
    return max((line.cell_len for line in cell.split(allow_blank=True)), default=0)

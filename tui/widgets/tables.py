"""Filling a DataTable so that its very first frame has the right column widths."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable

Cell = Text | str


def fill_table(table: DataTable[Any], rows: Iterable[tuple[Sequence[Cell], str | None]]) -> None:
    """Replace the rows of `table` with `rows` (cells, key), sizing its columns first.

    DataTable measures new rows on its own idle, and what it draws before then is cached
    with the header widths until the table next changes (Textual 8.2): on a busy machine
    a page could stay squeezed to its headers. Measured here, before the rows go in, the
    first frame is already right (the idle measurement then finds the same widths)."""
    materialised = [(tuple(cells), key) for cells, key in rows]
    table.clear()
    columns = table.ordered_columns
    for cells, _ in materialised:
        for column, cell in zip(columns, cells, strict=False):
            if column.auto_width:
                column.content_width = max(column.content_width, _width(cell))
    for cells, key in materialised:
        table.add_row(*cells, key=key)


def _width(cell: Cell) -> int:
    if isinstance(cell, Text):
        return max((line.cell_len for line in cell.split(allow_blank=True)), default=0)
    return cell_len(cell)

"""FitTable: a DataTable whose flexible columns (titles, names, reasons, details) share the width."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

# A flexible column is never squeezed below this (or its natural width, when smaller):
# under it a title says nothing; the table scrolls sideways instead.
MIN_FLEX_WIDTH = 10


def share(space: int, natural: Mapping[ColumnKey, int], minimum: int = MIN_FLEX_WIDTH) -> dict[ColumnKey, int]:
    """Split `space` cells between columns that would like `natural` cells each, in priority order.

    Each column first gets `minimum` (or its natural width when smaller); what is left then
    goes to the columns in the order of `natural`, each up to its natural width."""
    widths = {key: min(wanted, minimum) for key, wanted in natural.items()}
    left = space - sum(widths.values())
    for key, wanted in natural.items():
        extra = max(0, min(wanted - widths[key], left))
        widths[key] += extra
        left -= extra
    return widths


class FitTable(DataTable[str]):
    """A row-cursor table that uses the terminal's width: the columns named in `flexible` take
    their full width when it fits and share what the fixed ones leave when it does not (the
    first named served first), their long values ending with an ellipsis; recomputed on every
    resize and every new page.

    The values stay whole in the table (`row_in_full`): a screen shows them on a key. Home and
    End go to the first and last row (a paged screen overrides them to go to the first and last
    page as well)."""

    BINDINGS = [
        Binding("i", "show_row", "Full row", id="table-full-row"),
        Binding("home", "first_row", "First row", show=False),
        Binding("end", "last_row", "Last row", show=False),
    ]

    class EdgeReached(Message):
        """Home or End was pressed: a paged screen goes on to the first or last page."""

        def __init__(self, table: FitTable, last: bool) -> None:
            super().__init__()
            self.table = table
            self.last = last

    class RowShown(Message):
        """`i` on a row: the shell opens a dialog with the row's fields in full."""

        def __init__(self, table: FitTable, fields: list[tuple[str, Text]]) -> None:
            super().__init__()
            self.table = table
            self.fields = fields

    def __init__(self, *, flexible: Iterable[str] = (), id: str | None = None, show_cursor: bool = True,
                 full_row: bool = True) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True, show_cursor=show_cursor)
        self.flexible = tuple(flexible)
        # False where the screen shows a row in full its own way on `i` (the catalogue's workshop detail).
        self.full_row = full_row

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "show_row" and not self.full_row:
            return False
        return super().check_action(action, parameters)

    def measure(self, rows: Iterable[Iterable[Text]]) -> None:
        """Size every column to `rows` (the rows about to go in), then fit the flexible ones."""
        columns = self.ordered_columns
        for column in columns:
            column.content_width = column.label.cell_len
        for cells in rows:
            for column, cell in zip(columns, cells, strict=False):
                column.content_width = max(column.content_width, _width(cell))
        self.fit()

    def fit(self) -> None:
        """Give the flexible columns the width the others leave (always leaving room for the scrollbar)."""
        width = self.size.width - self.styles.scrollbar_size_vertical
        named = {column.label.plain: column for column in self.ordered_columns}
        flexible = [named[label] for label in self.flexible if label in named]
        if width <= 0 or not flexible:
            return
        padding = 2 * self.cell_padding
        fixed = sum(column.get_render_width(self) for column in self.ordered_columns if column not in flexible)
        space = width - fixed - padding * len(flexible)
        widths = share(space, {column.key: column.content_width for column in flexible})
        changed = False
        for column in flexible:
            changed |= column.auto_width or column.width != widths[column.key]
            column.auto_width = False
            column.width = widths[column.key]
        if changed:
            # Textual 8.2 caches rendered cells and lines by width: drawn again at the new widths.
            self._clear_caches()
            self._require_update_dimensions = True
            self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self.fit()

    def row_in_full(self) -> list[tuple[str, Text]]:
        """Each column's label and the highlighted row's value in it, uncut."""
        if not 0 <= self.cursor_row < self.row_count:
            return []
        cells = self.get_row_at(self.cursor_row)
        return [(column.label.plain, cell if isinstance(cell, Text) else Text(str(cell)))
                for column, cell in zip(self.ordered_columns, cells, strict=False)]

    def action_show_row(self) -> None:
        fields = self.row_in_full()
        if fields:
            self.post_message(self.RowShown(self, fields))

    def action_first_row(self) -> None:
        self.move_cursor(row=0)
        self.post_message(self.EdgeReached(self, last=False))

    def action_last_row(self) -> None:
        self.move_cursor(row=self.row_count - 1)
        self.post_message(self.EdgeReached(self, last=True))


def _width(cell: Text) -> int:
    return max((line.cell_len for line in cell.split(allow_blank=True)), default=0)

"""Ticks that read without colour: TickList (☑ ticked, ☐ not) and MarkButton (◉ chosen, ○ not)."""

from __future__ import annotations

from typing import Generic, TypeVar

from rich.segment import Segment
from textual.content import Content
from textual.strip import Strip
from textual.style import Style
from textual.widgets import RadioButton, SelectionList
from textual.widgets.option_list import OptionDoesNotExist

TICKED = "☑"
UNTICKED = "☐"
CHOSEN = "◉"
NOT_CHOSEN = "○"

SelectionType = TypeVar("SelectionType")


class TickList(SelectionList[SelectionType], Generic[SelectionType]):
    """SelectionList tells ticked from not by colour alone (the same X in two colours): here
    the box itself says it, for a monochrome terminal or a reader who does not see the colours."""

    def render_line(self, y: int) -> Strip:
        line = super().render_line(y)
        try:
            selection = self.get_option_at_index(self.scroll_offset.y + y)
        except OptionDoesNotExist:
            return line
        segments = list(line)
        # The button is three segments (left edge, inner mark, right edge) before the prompt.
        if len(segments) < 3:
            return line
        inner = segments[1]
        segments[1] = Segment(TICKED if selection.value in self._selected else UNTICKED, inner.style)
        return Strip(segments, line.cell_length)


class MarkButton(RadioButton):
    """A RadioButton whose dot says whether it is the chosen one (◉ / ○), not only its colour."""

    @property
    def _button(self) -> Content:
        # As ToggleButton._button (Textual 8.2), with the inner mark depending on the value.
        button_style = self.get_visual_style("toggle--button")
        side_style = Style(foreground=button_style.background, background=self.background_colors[1])
        mark = CHOSEN if self.value else NOT_CHOSEN
        return Content.assemble((self.BUTTON_LEFT, side_style), (mark, button_style), (self.BUTTON_RIGHT, side_style))

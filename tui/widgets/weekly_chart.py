"""Points per week as a small sparkline with week labels, 48 columns wide (fits 80)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Sparkline, Static

COLUMNS_PER_WEEK = 4
# A label every third week: "15 Sep" takes 6 of its 12 columns.
LABEL_EVERY = 3


def week_labels(weeks: Sequence[date]) -> str:
    """The line under the bars: the date of every third Monday at its week's column, "now" last."""
    width = len(weeks) * COLUMNS_PER_WEEK
    line = [" "] * width
    for index in range(0, len(weeks), LABEL_EVERY):
        label = f"{weeks[index].day} {weeks[index]:%b}"
        start = index * COLUMNS_PER_WEEK
        line[start:start + len(label)] = label
    if weeks and (len(weeks) - 1) % LABEL_EVERY:
        start = (len(weeks) - 1) * COLUMNS_PER_WEEK
        line[start:start + 3] = "now"
    return "".join(line[:width]).rstrip()


class WeeklyChart(Widget):
    """A caption, a two-line sparkline (one bar group per week, oldest first) and week labels."""

    DEFAULT_CSS = """
    WeeklyChart {
        layout: vertical;
        width: auto;
        height: auto;

        & > .weekly-chart--caption { color: $text-muted; width: auto; }
        & > Sparkline { height: 2; width: 48; }
        & > .weekly-chart--labels { color: $text-muted; width: auto; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Static("Points per week", classes="weekly-chart--caption", markup=False)
        yield Sparkline([], summary_function=max)
        yield Static("", classes="weekly-chart--labels", markup=False)

    def show(self, weeks: Sequence[date], points: Sequence[int]) -> None:
        """Draw `points[i]` for the week starting on `weeks[i]`."""
        total, best = sum(points), max(points, default=0)
        # At most 48 columns, like the bars: the chart must leave room for the score beside it.
        caption = f"Points a week, last {len(weeks)} weeks: {total}"
        self.query_one(".weekly-chart--caption", Static).update(caption + (f", best {best}" if best else ""))
        sparkline = self.query_one(Sparkline)
        sparkline.styles.width = len(points) * COLUMNS_PER_WEEK
        sparkline.data = list(points)
        self.query_one(".weekly-chart--labels", Static).update(week_labels(weeks))

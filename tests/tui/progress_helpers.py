"""What the progress module's Pilot tests read off the screen."""

from __future__ import annotations

from textual.widgets import DataTable, Static

from tui.app import SkillHubApp


def text_of(app: SkillHubApp, selector: str) -> str:
    """The text a Static of the current screen shows."""
    return str(app.screen.query_one(selector, Static).render())


def notifications(app: SkillHubApp) -> list[str]:
    return [n.message for n in app._notifications]


def rows(app: SkillHubApp, selector: str) -> list[list[str]]:
    """The cells of a DataTable of the current screen, as text without padding."""
    table = app.screen.query_one(selector, DataTable)
    return [[str(cell).strip() for cell in table.get_row_at(i)] for i in range(table.row_count)]

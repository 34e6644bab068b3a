"""Issue 13, points 1, 2 and 6: layouts that use the terminal, a complete palette and footer,
attendance ticks readable without colour."""

from __future__ import annotations

from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, Static

from domain.models.users import Principal, Role
from domain.services.container import Services
from tests.conftest import make_user
from tests.tui.conftest import build_app, log_in, settle
from tests.tui.workshops_data import learners, register, schedule
from tui.palette import screen_commands
from tui.screens.login import LoginScreen
from tui.screens.row_in_full import RowInFullDialog
from tui.screens.too_small import TooSmallScreen
from tui.screens.workshop_form import WorkshopFormDialog
from tui.screens.workshops import WorkshopsScreen
from tui.widgets.fit_table import FitTable, share
from tui.widgets.shell_footer import ShellFooter
from tui.widgets.tick_list import TICKED, UNTICKED, MarkButton, TickList

LONG_TITLE = "Advanced PostgreSQL query planning and indexing for data analysts"


def footer_keys(screen: object) -> list[str]:
    """The keys the footer of `screen` shows, as displayed (`del`, `/`, `^s`…)."""
    footer = screen.query_one(ShellFooter)  # type: ignore[attr-defined]
    return [key.key_display for key in footer.query("FooterKey")]


def cells(table: DataTable[str], row: int) -> list[str]:
    """What each cell of `row` shows on screen, padding stripped."""
    line = table.render_line(table.header_height + row - int(table.scroll_y)).text
    return [part.strip() for part in line.split("  ") if part.strip()]


async def open_workshops(pilot: Pilot[None], email: str = "admin@example.org") -> WorkshopsScreen:
    await log_in(pilot, email)
    await pilot.press("2")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, WorkshopsScreen)
    return screen


def seed_long_titles(services: Services, admin: Principal, trainer: Principal) -> None:
    schedule(services, trainer, "Writing clean SQL", days=3)
    schedule(services, trainer, LONG_TITLE, days=4)
    schedule(services, admin, "Introduction to accessible design systems for terminal applications", days=6,
             trainer=make_user(services, "camille.martin@example.org", Role.TRAINER, "Camille Martin"))


# -- 1. tables use the width ------------------------------------------------------------------

def test_flexible_columns_get_their_natural_width_first_then_share_in_order() -> None:
    assert share(60, {"a": 20, "b": 30}) == {"a": 20, "b": 30}
    assert share(30, {"a": 14, "b": 80}) == {"a": 14, "b": 16}
    # Never below the minimum (10), whatever the space: the table then scrolls sideways.
    assert share(12, {"a": 14, "b": 80}) == {"a": 10, "b": 10}
    assert share(12, {"a": 4, "b": 80}) == {"a": 4, "b": 10}


async def test_a_long_title_is_whole_at_120_columns_and_cut_with_an_ellipsis_at_80(
        services: Services, admin: Principal, trainer: Principal) -> None:
    seed_long_titles(services, admin, trainer)
    app = build_app(services)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_workshops(pilot)
        table = screen.table
        assert LONG_TITLE in cells(table, 1)
        assert table.virtual_size.width <= table.size.width

        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        shown = cells(table, 1)
        title = next(cell for cell in shown if cell.startswith("Advanced"))
        assert title.endswith("…") and LONG_TITLE.startswith(title[:-1])
        # Every column still readable: the trainer's name is whole, no sideways scrolling.
        assert "Tom Trainer" in shown and "0/10" in shown
        assert table.virtual_size.width <= table.size.width

        # The full value is one key away.
        await pilot.press("down", "i")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, RowInFullDialog)
        assert ("Title", LONG_TITLE) in [(label, value.plain) for label, value in dialog.fields]
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen


async def test_hostile_text_in_a_title_stays_literal_and_is_cut_to_the_column(
        services: Services, admin: Principal, trainer: Principal) -> None:
    hostile = "[@click=app.quit]x[/] " + "[/]" * 30
    schedule(services, trainer, hostile, days=3)
    app = build_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_workshops(pilot)
        shown = cells(screen.table, 0)
        assert shown[1].startswith("[@click=app.quit]x[/]") and shown[1].endswith("…")
        assert app.is_running


async def test_activity_details_are_shown_whole_under_the_table_at_80_columns(
        services: Services, admin: Principal, trainer: Principal) -> None:
    schedule(services, trainer, LONG_TITLE, days=3)
    app = build_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "admin@example.org")
        await pilot.press("7")
        await settle(pilot)
        table = app.screen.query_one("#activity-table", FitTable)
        assert table.virtual_size.width <= table.size.width
        detail = str(app.screen.query_one("#activity-detail", Static).render())
        assert LONG_TITLE in " ".join(detail.split())
        assert "trainer@example.org · workshop.create · workshop" in detail


async def test_below_80x24_a_notice_replaces_the_screens_and_a_half_typed_form_comes_back(
        services: Services, admin: Principal) -> None:
    app = build_app(services)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_workshops(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, WorkshopFormDialog)
        await pilot.press(*"Half typed")

        await pilot.resize_terminal(60, 20)
        await settle(pilot)
        assert isinstance(app.screen, TooSmallScreen)
        notice = str(app.screen.query_one("#too-small-notice", Static).render())
        assert notice == "SkillHub needs at least 80×24 — now 60×20"
        # The shell's keys do nothing behind the notice.
        await pilot.press("1", "escape")
        await settle(pilot)
        assert isinstance(app.screen, TooSmallScreen)

        await pilot.resize_terminal(79, 30)
        await settle(pilot)
        assert "now 79×30" in str(app.screen.query_one("#too-small-notice", Static).render())

        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert app.screen is form
        assert form.query_one("#workshop-title", Input).value == "Half typed"


async def test_the_notice_under_a_dialog_leaves_once_the_dialog_closes_in_a_large_terminal(
        services: Services) -> None:
    from tui.screens.confirm import ConfirmDialog

    app = build_app(services)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TooSmallScreen)
        # What a worker's answer does while the notice shows: a dialog opens over it.
        await app.push_screen(ConfirmDialog("Question", "Go on?", "Yes"))
        await pilot.resize_terminal(100, 30)
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)


async def test_the_app_started_in_a_small_terminal_shows_the_notice_at_once(services: Services) -> None:
    app = build_app(services)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TooSmallScreen)
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)


async def test_the_login_card_does_not_scroll_at_80x24_even_after_a_failed_login(
        services: Services, admin: Principal) -> None:
    app = build_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        # The fullest card: the "You have logged out." notice and a failed login's message.
        await log_in(pilot, "admin@example.org")
        await pilot.press("ctrl+l")
        await settle(pilot)
        await log_in(pilot, "admin@example.org", "not the password at all")
        screen = app.screen
        assert isinstance(screen, LoginScreen)
        assert str(screen.query_one("#login-error", Static).render())
        assert str(screen.query_one("#login-notice", Static).render()) == "You have logged out."
        box = screen.query_one("#login-box")
        assert screen.max_scroll_y == 0 and box.max_scroll_y == 0
        # Between the header (row 0) and the footer (row 23), borders included.
        assert box.region.y >= 1 and box.region.bottom <= 23


async def test_form_buttons_stay_visible_when_every_field_shows_an_error(
        services: Services, admin: Principal) -> None:
    app = build_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_workshops(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        dialog = app.screen
        save = dialog.query_one("#workshop-save")
        assert save.region.height and save.region.bottom <= 24 - 1
        assert dialog.query_one("#workshop-form").region.contains_region(save.region)


async def test_a_long_form_scrolls_its_fields_and_keeps_its_buttons_in_view(
        services: Services, admin: Principal, learner: Principal) -> None:
    app = build_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "admin@example.org")
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        # Four errors (as in the challenge form snapshot): more than 24 rows hold.
        await pilot.press(*"ab", "tab", "tab", "tab", *"2000", "tab", "tab", *"12,5", "ctrl+s")
        await settle(pilot)
        dialog = app.screen.query_one("#challenge-form")
        assert dialog.max_scroll_y > 0, (dialog.region, dialog.virtual_size)
        for button in ("#challenge-save", "#challenge-cancel"):
            region = app.screen.query_one(button).region
            assert region.height and dialog.region.contains_region(region) and region.bottom <= 23
        dialog.scroll_end(animate=False)
        await pilot.pause()
        assert dialog.region.contains_region(app.screen.query_one("#challenge-save").region)


# -- 2. palette and footer --------------------------------------------------------------------

async def test_the_workshops_footer_shows_its_main_keys_at_80_columns(
        services: Services, admin: Principal, trainer: Principal) -> None:
    seed_long_titles(services, admin, trainer)
    app = build_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_workshops(pilot)
        keys = footer_keys(screen)
        assert {"⏎", "n", "e", "x", "del", "/", "f", "o", "?"} <= set(keys)
        await pilot.resize_terminal(160, 30)
        await settle(pilot)
        assert {"[", "]", "esc", "^l", "^q", "i"} <= set(footer_keys(screen))


async def test_a_dialog_footer_shows_the_dialog_keys(services: Services, admin: Principal) -> None:
    app = build_app(services)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_workshops(pilot)
        await pilot.press("n")
        await settle(pilot)
        keys = footer_keys(app.screen)
        assert "^s" in keys and "esc" in keys
        assert not {"n", "e", "x", "del"} & set(keys)


async def test_the_palette_lists_every_action_of_the_screen_with_its_key(
        services: Services, admin: Principal, trainer: Principal) -> None:
    seed_long_titles(services, admin, trainer)
    app = build_app(services)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_workshops(pilot)
        listed = {command.title: command.help for command in screen_commands(screen)}
        for title, key in [("Open", "⏎"), ("New", "n"), ("Edit", "e"), ("Cancel", "x"), ("Delete", "del"),
                           ("Search", "/"), ("Filter", "f"), ("Sort", "o"), ("Full row", "i"),
                           ("First row", "home"), ("Last row", "end")]:
            assert listed[title].startswith(key), (title, listed)
        # A palette command runs the action as its key would.
        await next(c for c in screen_commands(screen) if c.title == "Full row").run()  # type: ignore[misc]
        await settle(pilot)
        assert isinstance(app.screen, RowInFullDialog)


async def test_the_palette_works_on_the_login_screen(services: Services) -> None:
    app = build_app(services)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        titles = [command.title for command in app.palette_commands()]
        assert {"Help", "Change theme", "Quit"} <= set(titles)
        assert not any(title.startswith("Go to") for title in titles)
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert app.screen.__class__.__name__ == "CommandPalette"


async def test_every_filter_key_opens_its_list_of_values(services: Services, admin: Principal) -> None:
    app = build_app(services)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_workshops(pilot)
        for key, select in (("f", "#workshops-scope"), ("o", "#workshops-sort")):
            await pilot.press(key)
            await pilot.pause()
            assert screen.query_one(select, Select).expanded
            await pilot.press("escape")
            await pilot.pause()
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is screen and screen.focused is screen.table
        await pilot.press("escape", "4")
        await settle(pilot)
        for key, select in (("c", "#leaderboard-category-filter"), ("p", "#leaderboard-period-filter")):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen.query_one(select, Select).expanded
            await pilot.press("escape", "escape")
            await pilot.pause()
        # With no value chosen, the list opens on its "all" line: down picks the first category.
        await pilot.press("c", "down", "enter")
        await settle(pilot)
        assert app.screen.query_one("#leaderboard-category-filter", Select).value == "energy"


async def test_home_and_end_reach_the_first_and_last_row_of_the_whole_list(
        services: Services, admin: Principal, trainer: Principal) -> None:
    for day in range(55):
        schedule(services, trainer, f"Workshop {day:02d}", days=day + 1)
    app = build_app(services)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_workshops(pilot)
        assert screen.page_info is not None and screen.page_info.pages == 2
        await pilot.press("end")
        await settle(pilot)
        assert screen.page_number == 2
        assert screen.selected is not None and screen.selected.title == "Workshop 54"
        await pilot.press("home")
        await settle(pilot)
        assert screen.page_number == 1 and screen.table.cursor_row == 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert screen.table.cursor_row > 0


# -- 6. attendance ticks --------------------------------------------------------------------------

async def test_attendance_ticks_read_without_colour(services: Services, admin: Principal,
                                                    trainer: Principal) -> None:
    # Ten minutes from the tests' now: attendance may be marked a quarter of an hour before the start.
    workshop = schedule(services, trainer, "Writing clean SQL", days=10 / 1440)
    register(services, workshop, *learners(services, 2))
    app = build_app(services)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_workshops(pilot, "trainer@example.org")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        ticks = app.screen.query_one(TickList)
        ticks.focus()
        assert ticks.render_line(0).text.count(UNTICKED) == 1
        await pilot.press("space")
        await pilot.pause()
        assert ticks.render_line(0).text.count(TICKED) == 1
        marks = [str(button.render()) for button in app.screen.query(MarkButton)]
        assert marks[0].startswith("▐◉") or "◉" in marks[0]
        assert all("○" in mark for mark in marks[1:])


async def test_a_cut_cell_ends_with_an_ellipsis_and_keeps_its_whole_value() -> None:
    from textual.app import App, ComposeResult

    from tui.widgets.tables import fill_table

    class TableApp(App[None]):
        def compose(self) -> ComposeResult:
            yield FitTable(id="t", flexible=("Title",))

    app = TableApp()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(FitTable)
        table.add_columns("Title", "Seats")
        fill_table(table, [(("A title far longer than forty columns [/] here", "3/4"), "1")])
        await pilot.pause()
        line = table.render_line(1).text
        assert "…" in line and "3/4" in line
        assert isinstance(table.get_row_at(0)[0], Text)
        assert table.row_in_full()[0] == ("Title", Text("A title far longer than forty columns [/] here"))


async def test_every_list_footer_shows_its_search_and_filter_keys_at_80_columns(
        services: Services, admin: Principal, learner: Principal) -> None:
    app = build_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "admin@example.org")
        for section, keys in (("5", {"n", "/", "?"}), ("7", {"/", "f", "c", "?"}), ("4", {"c", "p", "?"})):
            await pilot.press(section)
            await settle(pilot)
            assert keys <= set(footer_keys(app.screen)), (section, footer_keys(app.screen))
        await pilot.press("ctrl+l")
        await settle(pilot)
        await log_in(pilot, "learner@example.org")
        await pilot.press("2")
        await settle(pilot)
        assert {"r", "c", "o", "f", "/", "?"} <= set(footer_keys(app.screen))

"""One workshop's registrations (the brief's protected /workshops/:id/registrations).

The heading is the workshop from PostgreSQL; the four lists (confirmed with attendance,
waitlist in order, cancelled, comments) and the selected registration's history come from
MongoDB. The service refuses anyone who does not manage the workshop: the screen then
says so in place of the lists.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Header, Static, TabbedContent, TabPane, Tabs

from domain.errors import NotFound, PermissionDenied, SkillHubError
from domain.models.workshops import RegistrationStatus
from tui.controllers.bulk import MARK, MARK_CHOICES, UNDO_HINT, BulkController, RowSelection, SelectAll, rows_word
from tui.controllers.choices import Choice, chosen_id
from tui.controllers.registrations import (
    CANCEL_NEEDS_A_REGISTRATION,
    COLUMNS,
    EMPTY_LISTS,
    ENTER_READS_COMMENTS,
    STILL_LOADING_SHEET,
    TAB_TITLES,
    CommentRow,
    ExportDone,
    Outcome,
    RegistrationRow,
    RegistrationsController,
    RegistrationsSheet,
    SheetView,
)
from tui.refusals import GreysRefusedActions
from tui.screens.attendance import AttendanceDialog
from tui.screens.base import ShellScreen, deliver
from tui.screens.comment import CommentDialog
from tui.screens.comment_reader import CommentReader
from tui.screens.confirm import ConfirmDialog
from tui.screens.export import ExportDialog
from tui.screens.paged_list import PAGES
from tui.screens.picker import PickerDialog
from tui.screens.read_ahead import ReadAhead
from tui.screens.reason import ReasonDialog
from tui.screens.register_learner import RegisterLearnerDialog
from tui.screens.selection import SELECTION_ACTIONS, SelectsRows, selection_bindings, selection_status
from tui.text import notify_literal
from tui.widgets.fit_table import FitTable
from tui.widgets.shell_footer import ShellFooter
from tui.widgets.tables import fill_table, row_at_cursor

VIEWS = list(SheetView)
# The screen's own actions: all greyed until the sheet has loaded (and for good after a refusal).
SHEET_ACTIONS = frozenset({"register", "cancel_registration", "attendance", "comment", "promote", "export",
                           "next_view", "previous_view", "read_comment", "previous_page", "next_page"})


class RegistrationsScreen(ReadAhead, SelectsRows, GreysRefusedActions, ShellScreen):
    """The registrations sheet of one workshop, with every registration action."""

    TITLE = "Registrations"
    SELECTION_NOUN = "learner"

    # At 80 columns the footer holds four keys next to the global ones; the others are in
    # the hint line under the lists, and help (?) lists them all.
    BINDINGS = [
        Binding("r", "register", "Register", id="registrations-register"),
        Binding("c", "cancel_registration", "Cancel", id="registrations-cancel"),
        Binding("a", "attendance", "Attendance", id="registrations-attendance"),
        Binding("m", "comment", "Comment", id="registrations-comment"),
        Binding("p", "promote", "Promote", show=False, id="registrations-promote"),
        Binding("s", "export", "Export CSV", show=False, id="registrations-export"),
        # tab moves between the four lists (each list is the only focusable thing on its tab).
        Binding("tab", "next_view", "Next list", show=False, id="registrations-next-view"),
        Binding("shift+tab", "previous_view", "Previous list", key_display="⇧tab", show=False,
                id="registrations-previous-view"),
        Binding("enter", "read_comment", "Read comment", show=False, id="registrations-read"),
        Binding("left_square_bracket", "previous_page", "Previous page", key_display="[", show=False,
                id="registrations-previous-page", group=PAGES),
        Binding("right_square_bracket", "next_page", "Next page", key_display="]", show=False,
                id="registrations-next-page", group=PAGES),
        # -- bulk selection and undo (issue 14): on the confirmed list and the waitlist, c, a
        # and p act on the selected learners when there are any --
        *selection_bindings("registrations"),
    ]

    def __init__(self, controller: RegistrationsController, bulk: BulkController | None = None) -> None:
        super().__init__()
        self.init_selection(bulk)
        self._selections = {SheetView.CONFIRMED: RowSelection(), SheetView.WAITLIST: RowSelection()}
        self.controller = controller
        self.sheet: RegistrationsSheet | None = None
        # What the service said when it refused the sheet (the reason every key is greyed).
        self.refused: str | None = None
        self.view = SheetView.CONFIRMED
        self.pages: dict[SheetView, int] = {view: 1 for view in SheetView}

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="sheet-heading"):
            yield Static("Loading…", id="sheet-title", markup=False)
            yield Static("", id="sheet-details", markup=False)
            yield Static("", id="sheet-seats", markup=False)
            yield Static("", id="sheet-note", markup=False)
        yield Static("", id="sheet-refused", markup=False)
        with TabbedContent(id="sheet-tabs", initial=SheetView.CONFIRMED.value):
            for view in SheetView:
                with TabPane(TAB_TITLES[view], id=view.value):
                    yield FitTable(id=f"sheet-{view.value}", flexible=("Learner", "Email", "Reason", "Author", "Comment"))
        yield Static("tab next list · p promote · s export CSV · [ ] pages · ? all keys", id="sheet-hint",
                     classes="hint", markup=False)
        with Horizontal(id="sheet-detail-bar"):
            yield Static("", id="sheet-detail-title", markup=False)
            yield Static("", id="sheet-page", classes="list-page", markup=False)
        with VerticalScroll(id="sheet-detail", can_focus=False):
            yield Static("", id="sheet-detail-body", markup=False)
        yield selection_status()
        yield ShellFooter()

    def on_mount(self) -> None:
        # The tab bar shows where you are; tab / shift+tab switch lists, so it never needs the focus.
        self.query_one("#sheet-tabs Tabs", Tabs).can_focus = False
        for view in SheetView:
            self.table(view).add_columns(*COLUMNS[view])
        self.table(self.view).focus()
        if not self.show_read_ahead():
            self.reload()

    def table(self, view: SheetView) -> DataTable[Text]:
        return self.query_one(f"#sheet-{view.value}", DataTable)

    # -- loading ---------------------------------------------------------------------------------

    def reload(self) -> None:
        """Load the sheet again (after a change, or for another page)."""
        self.fetch(dict(self.pages))

    @work(thread=True, exclusive=True, exit_on_error=False, group="sheet")
    def fetch(self, pages: dict[SheetView, int]) -> None:
        deliver(self, self.show_sheet, self.controller.sheet(pages))

    def read_first(self) -> Callable[[], None]:
        return partial(self.show_sheet, self.controller.sheet(dict(self.pages)))

    def show_sheet(self, sheet: RegistrationsSheet) -> None:
        self.sheet = sheet
        heading = sheet.heading
        self.sub_title = heading.title
        self.query_one("#sheet-title", Static).update(heading.title)
        self.query_one("#sheet-details", Static).update(heading.details)
        self.query_one("#sheet-seats", Static).update(heading.seats)
        note = " · ".join(part for part in (heading.cancelled_note, sheet.sync_note) if part)
        self.query_one("#sheet-note", Static).update(note)
        self.query_one("#sheet-note", Static).display = bool(note)
        tabs = self.query_one("#sheet-tabs", TabbedContent)
        for view in SheetView:
            self._fill(view, sheet)
            tabs.get_tab(view.value).label = f"{TAB_TITLES[view]} {sheet.total(view)}"
            self.pages[view] = sheet.pages[view].number
        self._show_detail()
        self.refresh_bindings()

    def _fill(self, view: SheetView, sheet: RegistrationsSheet) -> None:
        table = self.table(view)
        keep = table.cursor_row
        # Names, reasons and comments are user text: shown as typed, never read as markup.
        fill_table(table, [(self._cells(view, row), row.comment_id if isinstance(row, CommentRow) else row.registration_id)
                           for row in sheet.rows(view)])
        if table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1))

    def show_error(self, error: SkillHubError) -> None:
        if self.sheet is None and isinstance(error, (PermissionDenied, NotFound)):
            self._refuse("Not allowed" if isinstance(error, PermissionDenied) else "Not found", error.message)
            return
        notify_literal(self, error.message, severity="error")

    def _refuse(self, title: str, message: str) -> None:
        self.refused = message
        self.sub_title = title.lower()
        self.query_one("#sheet-title", Static).update(title)
        self.query_one("#sheet-refused", Static).update(f"{message}\n\nPress escape to go back.")
        self.set_class(True, "-refused")
        self.refresh_bindings()

    # -- lists, selection, detail -----------------------------------------------------------------

    @property
    def selected_registration(self) -> RegistrationRow | None:
        """The registration under the cursor of the list shown (None on the comments list)."""
        row = self._selected_row()
        return row if isinstance(row, RegistrationRow) else None

    @property
    def selected_comment(self) -> CommentRow | None:
        row = self._selected_row()
        return row if isinstance(row, CommentRow) else None

    def _selected_row(self) -> RegistrationRow | CommentRow | None:
        if self.sheet is None:
            return None
        rows: Sequence[RegistrationRow | CommentRow] = self.sheet.rows(self.view)
        return row_at_cursor(self.table(self.view), rows)

    @on(DataTable.RowHighlighted)
    def _row_changed(self) -> None:
        self._show_detail()
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#sheet-comments")
    def _comment_chosen(self) -> None:
        self.action_read_comment()

    @on(TabbedContent.TabActivated, "#sheet-tabs")
    def _tab_changed(self, event: TabbedContent.TabActivated) -> None:
        self.view = SheetView(event.pane.id or "")
        self.table(self.view).focus()
        self._show_detail()
        self.selection_changed()

    def _show_detail(self) -> None:
        title, body = "", ""
        if self.sheet is not None:
            registration, comment = self.selected_registration, self.selected_comment
            if registration is not None:
                title = f"History of {registration.name}"
                lines = [*self.sheet.history.get(registration.registration_id, ()), registration.attendance_note]
                body = "\n".join(line for line in lines if line) or "No change recorded."
            elif comment is not None:
                title = f"Comment by {comment.author} · enter to read it whole"
                body = comment.body
            else:
                title = EMPTY_LISTS[self.view]
            self.query_one("#sheet-page", Static).update(self.sheet.pages[self.view].label)
        self.query_one("#sheet-detail-title", Static).update(title)
        self.query_one("#sheet-detail-body", Static).update(body)

    def _switch(self, step: int) -> None:
        self.query_one("#sheet-tabs", TabbedContent).active = VIEWS[(VIEWS.index(self.view) + step) % len(VIEWS)]

    def action_next_view(self) -> None:
        self._switch(1)

    def action_previous_view(self) -> None:
        self._switch(-1)

    def action_next_page(self) -> None:
        self.pages[self.view] += 1
        self.reload()

    def action_previous_page(self) -> None:
        self.pages[self.view] = max(1, self.pages[self.view] - 1)
        self.reload()

    def action_read_comment(self) -> None:
        comment = self.selected_comment
        if comment is not None:
            self.app.push_screen(CommentReader(comment))

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        sheet = self.sheet
        if action in SELECTION_ACTIONS:
            return super().why_not(action, parameters)
        if sheet is None:
            # Nothing to act on until the sheet is loaded, and never after a refusal.
            return (self.refused or STILL_LOADING_SHEET) if action in SHEET_ACTIONS else None
        page = sheet.pages[self.view]
        refusals = {
            "register": lambda: sheet.register_refusal,
            "cancel_registration": self._cancel_refusal,
            "promote": lambda: sheet.promote_refusal,
            # The time rule is asked at each press: attendance opens while the screen is open.
            "attendance": lambda: sheet.attendance_refusal or self.controller.attendance_refusal(sheet.heading),
            "read_comment": lambda: None if self.selected_comment is not None else (
                EMPTY_LISTS[SheetView.COMMENTS] if self.view is SheetView.COMMENTS else ENTER_READS_COMMENTS),
            "next_page": lambda: page.next_refusal,
            "previous_page": lambda: page.previous_refusal,
        }
        return refusals[action]() if action in refusals else None

    def _cancel_refusal(self) -> str | None:
        if self.selection:
            return None
        registration = self.selected_registration
        if registration is not None:
            return registration.cancel_refusal
        return CANCEL_NEEDS_A_REGISTRATION if self.view is SheetView.COMMENTS else EMPTY_LISTS[self.view]

    # -- changes --------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="sheet-change")
    def apply_change(self, change: Callable[[], Outcome], undoable: bool = False) -> None:
        outcome = change()
        batch = self.bulk.latest_batch() if undoable and self.bulk is not None else None
        deliver(self, self._report, outcome, batch)

    def _report(self, outcome: Outcome | None, batch: str | None = None) -> None:
        if outcome is None:
            return
        message = f"{outcome.message}\n{UNDO_HINT}" if batch else outcome.message
        notify_literal(self, message, title="Registrations",
                       severity="information" if outcome.synced else "warning")
        self.offer_undo(batch)
        self.reload()

    def action_register(self) -> None:
        if self.sheet is None:
            return

        def chosen(learner: Choice | None) -> None:
            if learner is not None:
                learner_id = chosen_id(learner.value, "learner_id", "Pick a learner.")
                self.apply_change(lambda: self.controller.register(learner_id))

        self.app.push_screen(RegisterLearnerDialog(self.controller, self.sheet.heading.title), chosen)

    def action_cancel_registration(self) -> None:
        if self.selection:
            self.cancel_selected()
            return
        registration = self.selected_registration
        if registration is None:
            return
        seat = "Their seat goes to the first learner on the waitlist." if self.view is SheetView.CONFIRMED else ""
        explanation = f"{registration.label} will lose their registration. {seat}".strip()

        def reason_given(reason: str | None) -> None:
            if reason is None:
                return

            def answered(yes: bool | None) -> None:
                if yes:
                    self.apply_change(lambda: self.controller.cancel(registration.learner_id, reason),
                                      undoable=True)

            why = f" Reason: {reason}" if reason else ""
            question = f"Cancel the registration of {registration.label}?{why}"
            self.app.push_screen(ConfirmDialog("Cancel registration", question, "Cancel it"), answered)

        self.app.push_screen(ReasonDialog("Cancel registration", explanation, required=False), reason_given)

    def action_promote(self) -> None:
        if self.selection and self.view is SheetView.WAITLIST:
            self.promote_selected()
            return
        # On the waitlist, the learner under the cursor; elsewhere, the first in line.
        registration = self.selected_registration if self.view is SheetView.WAITLIST else None
        learner_id = registration.learner_id if registration is not None else None
        self.apply_change(lambda: self.controller.promote(learner_id), undoable=True)

    def action_attendance(self) -> None:
        if self.selection and self.view is SheetView.CONFIRMED:
            self.mark_selected()
            return

        def marked(outcome: Outcome | None) -> None:
            self._report(outcome)
            if outcome is not None and self.bulk is not None:
                self.fetch_undo_offer()

        if self.bulk is not None:
            self.note_latest_batch()
        self.app.push_screen(AttendanceDialog(self.controller), marked)

    def action_comment(self) -> None:
        if self.sheet is not None:
            self.app.push_screen(CommentDialog(self.controller, self.sheet.heading.title), self._report)

    def action_export(self) -> None:
        def exported(done: ExportDone | None) -> None:
            if done is not None:
                notify_literal(self, done.message, title="Attendance sheet")

        self.app.push_screen(ExportDialog(self.controller), exported)

    # -- bulk selection and undo (issue 14) ----------------------------------------------------

    @property
    def selection(self) -> RowSelection:
        # One selection per list; the cancelled list and the comments select nothing.
        chosen = self._selections.get(self.view)
        return chosen if chosen is not None else RowSelection()

    def key_under_cursor(self) -> int | None:
        registration = self.selected_registration
        if registration is None or self.view not in self._selections:
            return None
        return registration.learner_id

    def selection_table_focused(self) -> bool:
        return self.view in self._selections and self.focused is self.table(self.view)

    def redraw_marks(self) -> None:
        if self.sheet is not None:
            self._fill(self.view, self.sheet)

    def _cells(self, view: SheetView, row: RegistrationRow | CommentRow) -> list[Text]:
        cells = [Text(cell) for cell in row.cells]
        chosen = self._selections.get(view)
        if chosen is not None and isinstance(row, RegistrationRow) and row.learner_id in chosen:
            cells[0] = Text(MARK) + cells[0]
        return cells

    def select_all_keys(self) -> SelectAll:
        assert self.bulk is not None
        status = RegistrationStatus.CONFIRMED if self.view is SheetView.CONFIRMED else RegistrationStatus.WAITLISTED
        return self.bulk.all_learners(self.controller.workshop_id, status)

    _batch_before_dialog: str | None = None

    @work(thread=True, exclusive=True, exit_on_error=False, group="undo-offer")
    def note_latest_batch(self) -> None:
        """Before the attendance dialog: the caller's last batch, so that only a new one is offered after it."""
        assert self.bulk is not None
        self._batch_before_dialog = self.bulk.latest_batch()

    @work(thread=True, exclusive=True, exit_on_error=False, group="undo-offer")
    def fetch_undo_offer(self) -> None:
        """After the attendance dialog: the marks it saved (if it saved any) are what `u` takes back now."""
        assert self.bulk is not None
        latest = self.bulk.latest_batch()
        deliver(self, self._offer_marks_undo, latest if latest != self._batch_before_dialog else None)

    def _offer_marks_undo(self, batch: str | None) -> None:
        if batch is not None:
            self.offer_undo(batch)
            notify_literal(self, f"Attendance saved. {UNDO_HINT}", title="Attendance")

    def cancel_selected(self) -> None:
        bulk, keys, wid = self.bulk, self.selection.keys, self.controller.workshop_id
        if bulk is None or not keys:
            return
        count = rows_word(len(keys), "registration")
        seats = " Freed seats go to the waitlist, first in line first." if self.view is SheetView.CONFIRMED else ""
        explanation = f"{count} will be cancelled, with one reason (optional).{seats}"

        def reason_given(reason: str | None) -> None:
            if reason is None:
                return

            def answered(yes: bool | None) -> None:
                if yes:
                    self.run_batch(lambda: bulk.cancel_registrations(wid, keys, reason), "Registrations")

            why = f" Reason: {reason}" if reason else ""
            question = f"Cancel {count}?{why}"
            self.app.push_screen(ConfirmDialog("Cancel registrations", question, "Cancel them"), answered)

        self.app.push_screen(ReasonDialog("Cancel registrations", explanation, required=False), reason_given)

    def mark_selected(self) -> None:
        bulk, keys, wid = self.bulk, self.selection.keys, self.controller.workshop_id
        if bulk is None or not keys:
            return
        count = rows_word(len(keys), "learner")

        def chosen(choice: Choice | None) -> None:
            if choice is None:
                return

            def answered(yes: bool | None) -> None:
                if yes:
                    self.run_batch(lambda: bulk.mark_attendance(wid, keys, choice.value), "Attendance")

            question = f"Mark {count} {choice.label.lower()}? A mark they already have is left as it is."
            self.app.push_screen(ConfirmDialog("Mark attendance", question, "Mark them"), answered)

        self.app.push_screen(PickerDialog(f"Mark {count} as", "present, late, excused or absent",
                                          lambda search: list(MARK_CHOICES), "No such mark."), chosen)

    def promote_selected(self) -> None:
        bulk, keys, wid = self.bulk, self.selection.keys, self.controller.workshop_id
        if bulk is None or not keys:
            return
        count = rows_word(len(keys), "learner")

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_batch(lambda: bulk.promote(wid, keys), "Registrations")

        question = f"Promote {count} from the waitlist, in the order selected, while seats are free?"
        self.app.push_screen(ConfirmDialog("Promote learners", question, "Promote"), answered)

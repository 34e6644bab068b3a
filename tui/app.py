"""SkillHubApp: the composition root of the TUI.

It receives the services, keeps the session token, owns global navigation (digit keys,
help, back, log out, quit, the command palette) and shows what screens report: a session
that ends while the user works in a section asks for the password again over the screen
and then finishes what was refused (on Home, or when the account was deactivated, the user
goes back to the login screen), an unreachable database opens a panel naming it, a bug
opens a dialog with the id it was logged under.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.actions import parse as parse_action
from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.driver import Driver
from textual.screen import Screen
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from domain.clock import Clock, utc_now
from domain.errors import SkillHubError
from domain.infrastructure.logfile import current_log_path, log_unexpected
from domain.models.users import Principal
from tui.controllers.login import DemoAccounts, LoginController, ReauthController
from tui.controllers.session import SessionKeeper
from tui.messages import DatabaseDown, OpenSection, SessionEnded, UnexpectedError
from tui.palette import NavigationCommands, PaletteCommand, ScreenCommands
from tui.refusals import reason_for, refused_key
from tui.screens.base import ReportsBugs, deliver, report_unexpected, route_error
from tui.screens.login import LoginScreen
from tui.screens.read_ahead import ReadAhead
from tui.screens.too_small import TooSmallScreen, too_small
from tui.sections import HOME_KEY, SECTION_BY_KEY, SECTIONS, Section, ShellContext
from tui.startup import ServicesStartup
from tui.text import notify_literal

# The services and their libraries (SQLAlchemy, pymongo) are imported behind the login screen.
# So are the dialogs and widgets the login screen does not show (imported where they are
# first used): the first frame waits for no module it does not draw.
if TYPE_CHECKING:
    from domain.services.auth import Session
    from domain.services.container import Services
    from tui.screens.help import HelpEntry
    from tui.screens.reauth import ReauthDialog, ReauthOutcome
    from tui.widgets.fit_table import FitTable

LOGGED_OUT = "You have logged out."
SWITCH_USER = "Logged out of {old}: log in as {new}."
# The stack under a section screen: Textual's default screen, then Home (or Login).
BASE_DEPTH = 2

log = logging.getLogger("skillhub.tui")


class SkillHubApp(ReportsBugs, App[None]):
    """SkillHub's terminal back-office; `SkillHubApp(services).run()`."""

    TITLE = "SkillHub"
    # The app's whole styling, loaded once: a stylesheet per area in tui/styles/, each in
    # commented sections. Screens and dialogs bring no CSS of their own; only the reusable
    # widgets of tui/widgets/ carry theirs (DEFAULT_CSS).
    CSS_PATH = [f"styles/{area}.tcss" for area in ("shell", "forms", "lists", "workshops", "progress", "backups")]
    # Only SkillHub's own commands: the current screen's actions, then navigation (not Textual's
    # screenshot or maximize tools; the theme is one of the navigation commands).
    COMMANDS = {ScreenCommands, NavigationCommands}

    BINDINGS = [
        Binding("question_mark", "help", "Help", key_display="?", id="help"),
        Binding("f1", "help", "Help", show=False, id="help-f1"),
        Binding("escape", "back", "Back", id="back"),
        # Inside a text field backspace deletes: the field's own binding comes first, and
        # action_back refuses too, so backspace goes back only from tables and lists.
        Binding("backspace", "back(True)", "Back", show=False, id="back-backspace"),
        Binding("ctrl+l", "logout", "Log out", id="logout"),
        Binding("ctrl+q", "quit", "Quit", priority=True, id="quit"),
        *(Binding(s.key, f"section('{s.key}')", s.title, show=False, id=f"section-{s.key}") for s in SECTIONS),
    ]

    def __init__(self, services: Services | ServicesStartup, *, clock: Clock | None = None, cursor_blink: bool = True,
                 driver_class: type[Driver] | None = None, session: Session | None = None,
                 demo: Callable[[], DemoAccounts | None] | None = None) -> None:
        super().__init__(driver_class=driver_class)
        # Given a ServicesStartup, the login screen shows first and the services are prepared
        # behind it, in a worker; a login sent meanwhile waits for them.
        self._startup = services if isinstance(services, ServicesStartup) else ServicesStartup.ready_with(services)
        # The id of the error that stopped the app, if one did (the CLI prints it).
        self.crash_id: str | None = None
        self.clock = clock or utc_now
        # Snapshot tests turn blinking off so a screenshot never catches the cursor half-way.
        self.cursor_blink = cursor_blink
        self.session = SessionKeeper(lambda: self.services.auth)
        # The section whose screen is open (None on Home), to re-check it when the role changed.
        self._section: Section | None = None
        # While the session is asked for again: the dialog, and the refused work to start again.
        self._reauth: ReauthDialog | None = None
        self._pending: list[Callable[[], object]] = []
        # Given a session (an SSH login authenticated the person already), the app opens on Home,
        # has no login screen, and ends when that session ends: it never serves a second person.
        self._given_session = session
        # What to tell the person once the app has ended (why it ended), printed by whoever ran it.
        self.farewell: str | None = None
        # Finds a first run's demo accounts: the login screen says where they are until someone logs in.
        self._demo = demo

    @property
    def services(self) -> Services:
        """The services; blocks until they are ready, so only workers call it before login."""
        return self._startup.wait()

    @cached_property
    def context(self) -> ShellContext:
        """What section screens are built from (used once logged in: the services are ready)."""
        return ShellContext(self.services, self.session.current, lambda: self.session.principal, self.clock)

    def on_mount(self) -> None:
        # Text printed to sys.stdout / sys.stderr while the app runs goes to the log file. Only
        # when there is one: without it, logging's last resort would print the record to
        # stderr, which would be captured again, without end.
        if current_log_path() is not None:
            self.begin_capture_print(self)
        if self._given_session is not None:
            self.session.begin(self._given_session)
            principal = self._given_session.principal
            self.sub_title = f"{principal.full_name} · {principal.role.value}"
            self.push_screen(SECTION_BY_KEY[HOME_KEY].build(self.context))
        else:
            self.push_screen(self._login_screen())
            if not self._startup.ready:
                self.call_after_refresh(self._prepare_services)
        self.call_after_refresh(self._fit_terminal)

    @work(thread=True, exit_on_error=False, group="startup")
    def _prepare_services(self) -> None:
        self._startup.run()
        # A first run's demo data exists from now on: the login screen can say where its credentials are.
        deliver(self, self._services_ready)

    def _services_ready(self) -> None:
        if isinstance(self.screen, LoginScreen):
            self.screen.look_for_first_run()

    def _demo_accounts(self) -> DemoAccounts | None:
        """A first run's demo accounts, once the services are ready (None before, and once someone logged in here)."""
        return self._demo() if self._demo is not None and self._startup.ready else None

    def _startup_failed(self, error: SkillHubError) -> None:
        """Say on the login screen why the services could not start (a login tries again)."""
        if isinstance(self.screen, LoginScreen):
            self.screen.show_problem(error.message)
        else:
            notify_literal(self, error.message, severity="error")

    # -- a terminal below 80x24: one notice over every screen, until it is large enough ------

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self._fit_terminal)

    def _fit_terminal(self) -> None:
        covered = isinstance(self.screen, TooSmallScreen)
        if too_small(self.size) and not covered:
            self.push_screen(TooSmallScreen())
        elif covered and not too_small(self.size):
            self.pop_screen()

    def on_print(self, event: events.Print) -> None:
        if event.text.strip():
            log.warning("printed to %s while the TUI runs: %s", "stderr" if event.stderr else "stdout",
                        event.text.rstrip())

    def _login_screen(self, notice: str = "") -> LoginScreen:
        return LoginScreen(LoginController(lambda: self.services.auth, self.session, self._demo_accounts), notice)

    # -- session -------------------------------------------------------------------------

    async def on_login_screen_signed_in(self, message: LoginScreen.SignedIn) -> None:
        self._demo = None
        self.sub_title = f"{message.welcome.name} · {message.welcome.role}"
        await self.switch_screen(SECTION_BY_KEY[HOME_KEY].build(self.context))
        self.refresh_bindings()

    async def on_session_ended(self, message: SessionEnded) -> None:
        """Ask for the password over the current screen when there is work to keep, else log out."""
        from tui.screens.reauth import ReauthDialog

        if not self.session.logged_in:
            # Already over (workers of screens closing on the way to the login screen).
            return
        if not message.error.resumable or self.session.principal is None or not self._keeps_work():
            await self._to_login(message.reason)
            return
        if message.retry is not None:
            self._pending.append(message.retry)
        if self._reauth is None:
            self._reauth = ReauthDialog(ReauthController(self.session), message.reason)
            await self.push_screen(self._reauth, self._after_reauth)
            self.refresh_bindings()

    def _keeps_work(self) -> bool:
        """A dialog is open, or a section's screen: something typed or chosen would be lost."""
        full_screens = [screen for screen in self.screen_stack if not screen.is_modal]
        return self.screen.is_modal or len(full_screens) > BASE_DEPTH

    async def _after_reauth(self, outcome: ReauthOutcome | None) -> None:
        from tui.screens.reauth import ReauthOutcome

        dialog, self._reauth = self._reauth, None
        pending, self._pending = self._pending, []
        if outcome is ReauthOutcome.SWITCH_USER and dialog is not None:
            await self._end_session(SWITCH_USER.format(old=dialog.controller.email, new=dialog.switched_to))
            return
        principal = self.session.principal
        if outcome is not ReauthOutcome.RESUMED or principal is None:
            await self.action_logout()
            return
        self.sub_title = f"{principal.full_name} · {principal.role.value}"
        self.refresh_bindings()
        # After a role change the section may no longer be theirs: Home says why; otherwise the
        # refused work starts again and the services check it against the role they now have.
        section = self._section if self._keeps_work() else None
        if section is not None and not section.allows(principal):
            await self._pop_to_base()
            self._section = None
            self._refuse(section)
            return
        for retry in pending:
            retry()

    async def action_logout(self) -> None:
        await self._end_session(LOGGED_OUT)

    async def _end_session(self, notice: str) -> None:
        """Log out: forget and revoke the session, show the login screen with `notice`."""
        token = self.session.forget()
        await self._to_login(notice)
        # A given session is revoked by whoever gave it, once the app has ended.
        if token is not None and self._given_session is None:
            self._revoke(token)

    @work(thread=True, exit_on_error=False, group="logout")
    def _revoke(self, token: str) -> None:
        self.session.revoke(token)

    async def _to_login(self, notice: str) -> None:
        """Forget the session locally and show the login screen with `notice`."""
        self.session.forget()
        self._reauth, self._pending, self._section = None, [], None
        if self._given_session is not None:
            self.farewell = notice
            self.exit()
            return
        self.sub_title = ""
        await self._pop_to_base()
        await self.switch_screen(self._login_screen(notice))
        self.refresh_bindings()

    # -- navigation ----------------------------------------------------------------------

    def action_section(self, key: str) -> None:
        section = SECTION_BY_KEY.get(key)
        principal = self.session.principal
        if section is None or principal is None:
            return
        # Refused keys stay active (not greyed) so that pressing one says why; Home and
        # help grey them, and the services refuse anyway.
        if not section.allows(principal):
            self._refuse(section)
            return
        if section.key == HOME_KEY:
            # Home shows who you are and the sections, nothing a service holds: it is shown at
            # once, and the session check this key makes runs beside it. Its verdict applies
            # as on any key (an ended session goes to the login screen, as it does from Home),
            # and _show_section then shows the role the database holds.
            self._section = None
            self.call_next(self._pop_to_base)
            self._open(section, None)
            return
        # Built here (its module is imported on first use), shown by _show_section once its
        # first data has been read in the opening worker (see tui/screens/read_ahead.py).
        self._open(section, section.build(self.context))

    def on_open_section(self, message: OpenSection) -> None:
        self.action_section(message.key)

    @work(thread=True, exclusive=True, exit_on_error=False, group="navigation")
    def _open(self, section: Section, screen: Screen[None] | None) -> None:
        # Opening a section is an action: the token is checked again (expiry, deny-list, role)
        # before its screen is shown (Home, already shown, only takes the role it returns).
        principal = self.session.current()
        if isinstance(screen, ReadAhead) and section.allows(principal):
            screen.read_ahead()
        deliver(self, self._show_section, section, principal, screen)

    async def _show_section(self, section: Section, principal: Principal, screen: Screen[None] | None) -> None:
        # The role comes fresh from the database: a promotion or demotion shows at once.
        self.sub_title = f"{principal.full_name} · {principal.role.value}"
        self.refresh_bindings()
        if not section.allows(principal):
            self._refuse(section)
            return
        self._section = None
        if section.key == HOME_KEY:
            await self._pop_to_base()
            return
        # The open section's screen is replaced by the new one: Home under it is not shown
        # (resumed, restyled, painted) on the way from one section to another.
        await self._pop_to_base(above=1)
        screen = screen or section.build(self.context)
        if len(self.screen_stack) > BASE_DEPTH:
            await self.switch_screen(screen)
        else:
            await self.push_screen(screen)
        self._section = section

    def _refuse(self, section: Section) -> None:
        notify_literal(self, f"{section.title} is for {section.roles_label()} only.", title="Not for your role",
                       severity="warning")

    async def _pop_to_base(self, above: int = 0) -> None:
        """Close screens until only the base (and `above` full screens over it) are left."""
        while len(self.screen_stack) > BASE_DEPTH + above or (above and self.screen.is_modal):
            await self.pop_screen()

    def _can_go_back(self) -> bool:
        # Dialogs close themselves (escape): "back" is about the screens under them.
        full_screens = [screen for screen in self.screen_stack if not screen.is_modal]
        return self.session.logged_in and len(full_screens) > BASE_DEPTH

    async def action_back(self, from_backspace: bool = False) -> None:
        from textual.widgets import TextArea

        if from_backspace and isinstance(self.focused, (Input, TextArea)):
            return
        if self._can_go_back() and not self.screen.is_modal:
            await self.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if isinstance(self.screen, TooSmallScreen) and action != "quit":
            return False
        if action == "section":
            # Not while the password is asked again: leaving would drop the work it keeps.
            return self.session.logged_in and self._reauth is None
        if action == "logout":
            return self.session.logged_in
        if action == "back":
            return self._can_go_back()
        return True

    # -- help and palette ----------------------------------------------------------------

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        screen = self.screen
        self.push_screen(HelpScreen(str(screen.title or self.title), self._screen_keys(screen), self._global_keys()))

    def _screen_keys(self, screen: Screen[object]) -> list[HelpEntry]:
        """The screen's own keys (not Textual's focus keys), greyed when its check_action says so."""
        bindings: list[Binding] = []
        for cls in type(screen).__mro__:
            if cls.__module__.startswith("textual."):
                break
            bindings.extend(Binding.make_bindings(cls.__dict__.get("BINDINGS", [])))
        return _merge_keys(self, screen, bindings)

    def _global_keys(self) -> list[HelpEntry]:
        from tui.screens.help import HelpEntry

        bindings = [b for b in Binding.make_bindings(type(self).BINDINGS) if not b.action.startswith("section")]
        entries = _merge_keys(self, self, bindings)
        palette = Binding(self.COMMAND_PALETTE_BINDING, "command_palette", "Command palette")
        entries.append(HelpEntry(self.get_key_display(palette), palette.description))
        principal = self.session.principal
        if principal is not None:
            for section in SECTIONS:
                allowed = section.allows(principal)
                note = "" if allowed else f"{section.roles_label()} only"
                if allowed and not section.available:
                    note = "not available yet"
                entries.append(HelpEntry(section.key, section.title, allowed, note))
        return entries

    def palette_commands(self) -> list[PaletteCommand]:
        """Navigation for the command palette: only what the current user may open."""
        principal = self.session.principal
        commands = [
            PaletteCommand(f"Go to {s.title}", f"{s.key} · {s.summary}", partial(self.action_section, s.key))
            for s in SECTIONS
            if principal is not None and s.allows(principal)
        ]
        if principal is not None:
            commands.append(PaletteCommand("Log out", "ctrl+l · end the session and revoke its token",
                                           self.action_logout))
        commands.append(PaletteCommand("Help", "? · the keys of the current screen", self.action_help))
        commands.append(PaletteCommand("Change theme", "colours of the whole app", self.action_change_theme))
        commands.append(PaletteCommand("Quit", "ctrl+q · leave SkillHub", self.exit))
        return commands

    def on_fit_table_row_shown(self, message: FitTable.RowShown) -> None:
        from tui.screens.row_in_full import RowInFullDialog

        self.push_screen(RowInFullDialog(f"{self.screen.title or self.title}: the row in full", message.fields))

    # -- what screens report --------------------------------------------------------------

    def on_database_down(self, message: DatabaseDown) -> None:
        from tui.screens.database_down import DatabaseDownDialog

        if not isinstance(self.screen, DatabaseDownDialog):
            self.push_screen(DatabaseDownDialog(message.error))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.node is self:
            error = event.worker.error
            # A start that failed is said on the login screen's error line, an unreachable
            # database included (named, with its hint): a panel would take the keys being typed.
            if event.worker.group == "startup" and isinstance(error, SkillHubError):
                self._startup_failed(error)
                return
            route_error(self, error, self._notify_error, event.worker)

    def _notify_error(self, error: SkillHubError) -> None:
        notify_literal(self, error.message, severity="error")

    async def on_event(self, event: events.Event) -> None:
        # Each key, click or paste is a new action: the session token is checked again on its
        # first service call, and only once whatever that action opens (see SessionKeeper).
        if isinstance(event, (events.Key, events.MouseDown, events.Paste)) and not event.is_forwarded:
            self.session.next_action()
        await super().on_event(event)

    def on_key(self, event: events.Key) -> None:
        # Runs before the bindings: Textual does not run a greyed key's action, so say why.
        refusal = refused_key(self.screen, event.key)
        if refusal is not None:
            notify_literal(self, refusal.why, title=refusal.what, severity="warning")

    # -- bugs: logged with an id, shown, never painted over the terminal ----------------------

    def on_unexpected_error(self, message: UnexpectedError) -> None:
        from tui.screens.unexpected_error import UnexpectedErrorDialog

        if isinstance(self.screen, UnexpectedErrorDialog):
            self.screen.add(message.error_id)
        else:
            self.push_screen(UnexpectedErrorDialog(message.error_id, current_log_path()))

    async def _dispatch_action(self, namespace: DOMNode, action_name: str, params: Any) -> bool:
        # Every key binding, palette command and clicked action runs through here, whatever
        # widget's message loop it runs in: a bug in an action is reported, the app goes on.
        try:
            return await super()._dispatch_action(namespace, action_name, params)
        except Exception as error:  # noqa: BLE001 - reported with an id, see report_unexpected
            report_unexpected(namespace, error, f"in action {action_name!r}")
            return True

    def _handle_exception(self, error: Exception) -> None:
        # Reached only where Textual cannot go on: building a screen (compose, mount), layout,
        # rendering, Textual's own widgets. Textual then closes the app and prints a Rich
        # traceback with local variables (a typed password among them) over the terminal.
        # The app still closes, but the traceback goes to the log file under an id the CLI prints.
        if self.crash_id is None:
            self.crash_id = log_unexpected(error, "that stopped the TUI", log)
        super()._handle_exception(error)
        self._exit_renderables.clear()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if not self.cursor_blink and isinstance(event.widget, Input):
            event.widget.cursor_blink = False


def _merge_keys(app: App[None], node: DOMNode, bindings: list[Binding]) -> list[HelpEntry]:
    """One help line per action (`esc ⌫  Back`), skipping hidden actions, greying disabled ones with their reason."""
    from tui.screens.help import HelpEntry

    merged: dict[str, tuple[list[str], str, bool | None, str]] = {}
    for binding in bindings:
        if not binding.description:
            continue
        _, name, parameters = parse_action(binding.action)
        state = node.check_action(name, parameters)
        if state is False:
            continue
        note = "" if state else reason_for(node, name, parameters) or "not now"
        keys, _, _, _ = merged.setdefault(name, ([], binding.description, state, note))
        keys.append(app.get_key_display(binding))
    return [HelpEntry(" ".join(keys), description, bool(state), note)
            for keys, description, state, note in merged.values()]

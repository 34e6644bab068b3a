"""The sections of the shell, one line each: digit key, title, who may open it, how to build it.

A module plugs its screen in by giving its section a factory instead of None: a function
that receives the ShellContext and returns the screen (with its controller), e.g.

    Section("2", "Workshops", EVERYONE, "Workshops, registrations and waitlists", workshops_screen),
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.screen import Screen

from domain.clock import Clock
from domain.models.users import Principal, Role
from tui.controllers.session import PrincipalSource

# A section's screen and controller are imported when it is first opened, not when the app
# starts: the login screen shows without them (and without the services' libraries).
if TYPE_CHECKING:
    from domain.services.container import Services
    from tui.controllers.backups import VerifiedArchives
    from tui.controllers.bulk import BulkController


def _verified_archives() -> VerifiedArchives:
    from tui.controllers.backups import VerifiedArchives

    return VerifiedArchives()


@dataclass(frozen=True)
class ShellContext:
    """What a section's screen factory receives."""

    services: Services
    # Re-validates the session token, once per action of the person (blocking): call it from
    # a worker, and pass it to controllers so every action is checked.
    principal: PrincipalSource
    # Who was validated last, without a database round trip: for greying keys in
    # check_action, never for authorisation (the services do that).
    last_known: Callable[[], Principal | None]
    clock: Clock
    # Verification outcomes outlive one visit to the Backups screen: kept for the app's lifetime.
    verified_archives: VerifiedArchives = field(default_factory=_verified_archives)


ScreenFactory = Callable[[ShellContext], Screen[None]]

EVERYONE = frozenset(Role)
ADMINS = frozenset({Role.ADMIN})


@dataclass(frozen=True)
class Section:
    """One entry of the shell's navigation."""

    key: str
    title: str
    roles: frozenset[Role]
    summary: str
    # None while the module is not installed: the shell shows "not available yet".
    factory: ScreenFactory | None

    @property
    def available(self) -> bool:
        return self.factory is not None

    def allows(self, principal: Principal) -> bool:
        return principal.role in self.roles

    def roles_label(self) -> str:
        return " and ".join(f"{role.value}s" for role in Role if role in self.roles)

    def build(self, context: ShellContext) -> Screen[None]:
        """The section's screen, or the screen that says it is not available yet."""
        if self.factory is None:
            from tui.screens.not_available import NotAvailableScreen

            return NotAvailableScreen(self.key, self.title, self.summary)
        return self.factory(context)


def ssh_keys_screen(context: ShellContext, user_id: int | None = None, owner: str = "") -> Screen[None]:
    """The SSH keys of the person logged in (`user_id` None) or, for an admin, of anyone."""
    from tui.controllers.ssh_keys import SshKeysController
    from tui.screens.ssh_keys import SshKeysScreen

    return SshKeysScreen(SshKeysController(context.services.ssh_keys, context.principal, user_id, owner))


def home_screen(context: ShellContext) -> Screen[None]:
    from tui.controllers.home import HomeController
    from tui.screens.home import HomeScreen

    return HomeScreen(HomeController(context.principal, SECTIONS, context.clock),
                      open_keys=lambda: ssh_keys_screen(context))


def bulk_controller(context: ShellContext) -> BulkController:
    """Selections, bulk actions and undo (issue 14), for the Workshops, Registrations, Users and Activity screens."""
    from tui.controllers.bulk import BulkController

    services = context.services
    return BulkController(services.bulk, services.undo, context.principal, services.workshops)


def users_screen(context: ShellContext) -> Screen[None]:
    from tui.controllers.users import UsersController
    from tui.screens.users import UsersScreen

    return UsersScreen(UsersController(context.services.users, context.principal),
                       open_keys=lambda user_id, owner: ssh_keys_screen(context, user_id, owner),
                       bulk=bulk_controller(context))


def workshops_screen(context: ShellContext) -> Screen[None]:
    """Trainers and admins manage workshops; learners get the catalog and their own registrations."""
    from tui.controllers.catalog import CatalogController
    from tui.controllers.registrations import RegistrationsController
    from tui.controllers.workshops import WorkshopsController
    from tui.screens.catalog import CatalogScreen
    from tui.screens.workshops import WorkshopsScreen

    services = context.services
    # The shell has just re-validated the token before building the section, so the role is fresh;
    # the services check it again on every call anyway.
    principal = context.last_known()
    if principal is None or not principal.is_staff:
        return CatalogScreen(CatalogController(services.workshops, services.registrations, context.principal,
                                               context.clock))

    def registrations(workshop_id: int) -> RegistrationsController:
        return RegistrationsController(services.registrations, context.principal, workshop_id, clock=context.clock)

    return WorkshopsScreen(WorkshopsController(services.workshops, context.principal, context.clock), registrations,
                           bulk=bulk_controller(context))


def activity_screen(context: ShellContext) -> Screen[None]:
    from tui.controllers.activity import ActivityController
    from tui.screens.activity import ActivityScreen

    return ActivityScreen(ActivityController(context.services.activity, context.principal),
                          bulk=bulk_controller(context))


def backups_screen(context: ShellContext) -> Screen[None]:
    from tui.controllers.backups import BackupsController
    from tui.screens.backups import BackupsScreen

    return BackupsScreen(BackupsController(context.services.backups, context.principal, context.verified_archives))


def progress_screen(context: ShellContext) -> Screen[None]:
    """A learner's own progress; for staff, a learner picker leading to the same screen."""
    from tui.controllers.badges import BadgesController
    from tui.controllers.challenges import ChallengesController
    from tui.controllers.progress import LearnerFinder, ProgressController
    from tui.screens.badges import BadgesScreen
    from tui.screens.challenges import ChallengesScreen
    from tui.screens.progress import ProgressScreen
    from tui.screens.progress_learners import ProgressLearnersScreen

    services, viewer = context.services, context.last_known()

    def progress_of(learner_id: int | None) -> ProgressScreen:
        controller = ProgressController(services.scores, services.progress, services.challenges, services.badges,
                                        context.principal, learner_id)
        return ProgressScreen(controller, context.last_known)

    if viewer is not None and viewer.role is Role.LEARNER:
        return progress_of(None)
    return ProgressLearnersScreen(
        LearnerFinder(services.users, context.principal), context.last_known, open_learner=progress_of,
        open_challenges=lambda: ChallengesScreen(ChallengesController(services.challenges, context.principal)),
        open_badges=lambda: BadgesScreen(BadgesController(services.badges, context.principal)),
    )


def leaderboard_screen(context: ShellContext) -> Screen[None]:
    from tui.controllers.leaderboard import LeaderboardController
    from tui.screens.leaderboard import LeaderboardScreen

    return LeaderboardScreen(LeaderboardController(context.services.leaderboard, context.principal))


HOME_KEY = "1"

SECTIONS: tuple[Section, ...] = (
    Section(HOME_KEY, "Home", EVERYONE, "Who you are and what you can open", home_screen),
    Section("2", "Workshops", EVERYONE, "Workshops, registrations and waitlists", workshops_screen),
    Section("3", "Progress", EVERYONE, "Challenges, progress and badges", progress_screen),
    Section("4", "Leaderboard", EVERYONE, "Ranking by global score", leaderboard_screen),
    Section("5", "Users", ADMINS, "Accounts, roles and passwords", users_screen),
    Section("6", "Backups", ADMINS, "Backups of both databases and restore", backups_screen),
    Section("7", "Activity log", ADMINS, "Who changed what, newest first", activity_screen),
)

SECTION_BY_KEY: dict[str, Section] = {section.key: section for section in SECTIONS}

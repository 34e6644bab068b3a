"""Home: who you are, your role, and which sections you may open."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from domain.clock import Clock
from domain.models.users import Principal, Role
from tui.controllers.session import PrincipalSource

ROLE_SUMMARIES: dict[Role, str] = {
    Role.ADMIN: "Everything: people, the activity log, backups, all modules.",
    Role.TRAINER: "Runs workshops and challenges, records learners' progress.",
    Role.LEARNER: "Joins workshops, follows their own challenges and badges.",
}


class SectionEntry(Protocol):
    """What Home needs to know about a section of the shell."""

    @property
    def key(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def summary(self) -> str: ...

    @property
    def available(self) -> bool: ...

    def allows(self, principal: Principal) -> bool: ...

    def roles_label(self) -> str: ...


@dataclass(frozen=True)
class SectionLine:
    """One section as Home lists it."""

    key: str
    title: str
    note: str
    allowed: bool


@dataclass(frozen=True)
class HomeView:
    """Everything the Home screen shows."""

    name: str
    email: str
    role: str
    role_summary: str
    today: str
    sections: tuple[SectionLine, ...]


class HomeController:
    """Builds the Home view for the current principal."""

    def __init__(self, principal: PrincipalSource, sections: Sequence[SectionEntry], clock: Clock) -> None:
        self._principal = principal
        self._sections = sections
        self._clock = clock

    def overview(self) -> HomeView:
        who = self._principal()
        lines = []
        for section in self._sections:
            allowed = section.allows(who)
            if not allowed:
                note = f"{section.roles_label()} only"
            elif not section.available:
                note = "not available yet"
            else:
                note = section.summary
            lines.append(SectionLine(section.key, section.title, note, allowed))
        return HomeView(
            name=who.full_name,
            email=who.email,
            role=who.role.value,
            role_summary=ROLE_SUMMARIES[who.role],
            today=self._clock().strftime("%A %d %B %Y"),
            sections=tuple(lines),
        )

"""The challenge catalogue as the Challenges screen (staff) sees it: pages, filters and the form."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import ValidationError
from domain.models.progress import Category, Challenge, Difficulty
from domain.services.challenges import POINTS, ChallengeService
from tui.controllers.choices import Choice, shorten
from tui.controllers.paging import PageInfo, fetch_page
from tui.controllers.session import PrincipalSource

PAGE_SIZE = 50
COLUMNS = ("Title", "Category", "Points", "Difficulty", "CO2 kg", "Active")

CATEGORY_CHOICES = tuple(Choice(c.value, c.value) for c in Category)
DIFFICULTY_CHOICES = tuple(Choice(d.value, d.value) for d in Difficulty)
# The "active" filter: blank shows every challenge.
ACTIVE_CHOICES = (Choice("yes", "active only"), Choice("no", "inactive only"))
# What the points field says while typed: the service's own parser and message.
check_points = POINTS.problem


@dataclass(frozen=True)
class ChallengeRow:
    """One challenge in the table, with what the toggle key needs."""

    challenge_id: int
    title: str
    active: bool
    cells: tuple[str, ...]

    @property
    def key(self) -> int:
        return self.challenge_id

    @classmethod
    def of(cls, challenge: Challenge) -> ChallengeRow:
        co2 = "" if challenge.co2_kg is None else f"{challenge.co2_kg.normalize():f}"
        cells = (shorten(challenge.title, 30), challenge.category.value, str(challenge.points),
                 challenge.difficulty.value, co2, "yes" if challenge.is_active else "no")
        return cls(challenge.id, challenge.title, challenge.is_active, cells)


@dataclass(frozen=True)
class ChallengesPage:
    """A page of challenges and the filters that produced it."""

    rows: tuple[ChallengeRow, ...]
    info: PageInfo


@dataclass(frozen=True)
class ChallengeForm:
    """The challenge form's values as typed (the service validates and converts them)."""

    title: str = ""
    description: str = ""
    category: str = ""
    points: str = ""
    difficulty: str = Difficulty.EASY.value
    co2_kg: str = ""
    co2_source: str = ""
    is_active: bool = True

    @classmethod
    def of(cls, challenge: Challenge) -> ChallengeForm:
        return cls(challenge.title, challenge.description, challenge.category.value, str(challenge.points),
                   challenge.difficulty.value, "" if challenge.co2_kg is None else f"{challenge.co2_kg.normalize():f}",
                   challenge.co2_source or "", challenge.is_active)


def _active_filter(value: str) -> bool | None:
    if value in ("", "yes", "no"):
        return None if not value else value == "yes"
    raise ValidationError("Active must be yes, no or blank", field="active")


class ChallengesController:
    """Forwards the Challenges screen's actions to the challenge service (staff only there)."""

    def __init__(self, challenges: ChallengeService, principal: PrincipalSource, page_size: int = PAGE_SIZE) -> None:
        self._challenges = challenges
        self._principal = principal
        self._page_size = page_size

    def page(self, number: int, search: str = "", category: str = "", active: str = "") -> ChallengesPage:
        who = self._principal()
        result = fetch_page(lambda request: self._challenges.list(who, request, category=category or None,
                                                                  active=_active_filter(active), search=search.strip()),
                            number, self._page_size)
        return ChallengesPage(tuple(ChallengeRow.of(c) for c in result.items), PageInfo.of(result, "challenge"))

    def form(self, challenge_id: int) -> ChallengeForm:
        """The current values of a challenge, to fill the edit form."""
        return ChallengeForm.of(self._challenges.get(self._principal(), challenge_id))

    def save(self, challenge_id: int | None, form: ChallengeForm) -> ChallengeRow:
        """Create (no id) or update a challenge; FormErrors names every wrong field."""
        fields = (form.title, form.description, form.category, form.points, form.difficulty, form.co2_kg,
                  form.co2_source, form.is_active)
        if challenge_id is None:
            return ChallengeRow.of(self._challenges.create(self._principal(), *fields))
        return ChallengeRow.of(self._challenges.update(self._principal(), challenge_id, *fields))

    def set_active(self, challenge_id: int, active: bool) -> ChallengeRow:
        return ChallengeRow.of(self._challenges.set_active(self._principal(), challenge_id, active))

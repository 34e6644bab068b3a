"""The challenge catalogue: staff create and edit challenges, learners browse the active ones."""

from __future__ import annotations

from typing import Any

from domain import validation
from domain.clock import Clock, utc_now
from domain.errors import Conflict, FormErrors, NotFound
from domain.models.paging import Page, PageRequest
from domain.models.progress import (
    CO2_MAX,
    CO2_SOURCE_MAX,
    DESCRIPTION_MAX,
    POINTS_MAX,
    POINTS_MIN,
    TITLE_MAX,
    TITLE_MIN,
    Category,
    Challenge,
    ChallengeDraft,
    Difficulty,
)
from domain.models.users import Principal, Role
from domain.repositories.sql.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.services.access import require_role
from domain.services.activity import ActivityService
from domain.services.forms import choice, collect, decimal_amount, flag, optional_choice

STAFF = (Role.ADMIN, Role.TRAINER)
POINTS = validation.WholeNumber("points", "Points", POINTS_MIN, POINTS_MAX)


def parse_challenge_form(title: object, description: object, category: object, points: object,
                         difficulty: object, co2_kg: object = None, co2_source: object = None,
                         is_active: object = True) -> ChallengeDraft:
    """Validate a challenge form; FormErrors lists every wrong field at once."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    try:
        values = collect({
            "title": lambda: validation.text(title, "title", "Title", TITLE_MIN, TITLE_MAX),
            "description": lambda: validation.text(
                "" if description is None else description, "description", "Description", 0, DESCRIPTION_MAX,
                multiline=True),
            "category": lambda: choice(category, Category, "category", "Category"),
            "points": lambda: POINTS.parse(points),
            "difficulty": lambda: choice(difficulty, Difficulty, "difficulty", "Difficulty"),
            "co2_kg": lambda: decimal_amount(co2_kg, "co2_kg", "Estimated kg CO2", CO2_MAX),
            "co2_source": lambda: validation.text(
                "" if co2_source is None else co2_source, "co2_source", "Source", 0, CO2_SOURCE_MAX) or None,
            "is_active": lambda: flag(is_active, "is_active", "Active"),
        })
    except FormErrors as exc:
        errors.update(exc.errors)
    # An estimate is only worth showing with where it comes from, and a source alone says nothing.
    # Checked even when other fields are wrong, so the form shows every error at once.
    if "co2_kg" not in errors and "co2_source" not in errors:
        if _given(co2_kg) and not _given(co2_source):
            errors["co2_source"] = "Say where the CO2 estimate comes from"
        if _given(co2_source) and not _given(co2_kg):
            errors["co2_kg"] = "Enter the estimate for this source, or clear the source"
    if errors:
        raise FormErrors(errors)
    return ChallengeDraft(**values)


def _given(value: object) -> bool:
    """Whether an optional form value was filled in (blank text counts as not given)."""
    return value is not None and not (isinstance(value, str) and not value.strip())


class ChallengeService:
    """List, create, edit, activate and deactivate challenges."""

    def __init__(self, uow_factory: UnitOfWorkFactory, activity: ActivityService, clock: Clock = utc_now) -> None:
        self._uow = uow_factory
        self._activity = activity
        self._clock = clock

    def _log(self, uow: UnitOfWork, actor: Principal, action: str, challenge_id: int, **details: object) -> None:
        self._activity.record(uow, actor, action, "challenge", challenge_id, dict(details))

    def list(self, principal: Principal, page: PageRequest, category: Category | str | None = None,
             active: bool | None = None, search: str = "") -> Page[Challenge]:
        """A page of challenges sorted by title; learners only ever see active ones."""
        require_role(principal, *Role, doing="browse challenges")
        wanted = optional_choice(category, Category, "category", "Category")
        search = validation.text(search, "search", "Search", 0, 100) if search else ""
        if principal.role is Role.LEARNER:
            active = True
        with self._uow() as uow:
            return uow.challenges.list(page, category=wanted, active=active, search=search)

    def get(self, principal: Principal, challenge_id: int) -> Challenge:
        require_role(principal, *Role, doing="see challenges")
        with self._uow() as uow:
            challenge = uow.challenges.get(_id(challenge_id))
        if challenge is None or (principal.role is Role.LEARNER and not challenge.is_active):
            raise NotFound(f"No challenge with id {challenge_id}.")
        return challenge

    def create(self, principal: Principal, title: object, description: object, category: object, points: object,
               difficulty: object, co2_kg: object = None, co2_source: object = None,
               is_active: object = True) -> Challenge:
        require_role(principal, *STAFF, doing="create challenges")
        draft = parse_challenge_form(title, description, category, points, difficulty, co2_kg, co2_source, is_active)
        with self._uow() as uow:
            try:
                challenge = uow.challenges.add(
                    draft, principal.user_id if principal.user_id > 0 else None, self._clock())
            except Conflict as exc:
                raise FormErrors({"title": exc.message}) from None
            self._log(uow, principal, "challenge.create", challenge.id, title=challenge.title,
                      points=challenge.points)
            uow.commit()
        return challenge

    def update(self, principal: Principal, challenge_id: int, title: object, description: object, category: object,
               points: object, difficulty: object, co2_kg: object = None, co2_source: object = None,
               is_active: object = True) -> Challenge:
        """Change a challenge. Points already awarded keep the value they had when earned."""
        require_role(principal, *STAFF, doing="edit challenges")
        draft = parse_challenge_form(title, description, category, points, difficulty, co2_kg, co2_source, is_active)
        with self._uow() as uow:
            repo = uow.challenges
            try:
                challenge = repo.update(_id(challenge_id), draft, self._clock())
            except Conflict as exc:
                raise FormErrors({"title": exc.message}) from None
            if challenge is None:
                raise NotFound(f"No challenge with id {challenge_id}.")
            self._log(uow, principal, "challenge.update", challenge.id, title=challenge.title,
                      points=challenge.points, active=challenge.is_active)
            uow.commit()
        return challenge

    def set_active(self, principal: Principal, challenge_id: int, active: bool) -> Challenge:
        require_role(principal, *STAFF, doing="activate or deactivate challenges")
        flag(active, "active", "Active")
        with self._uow() as uow:
            repo = uow.challenges
            current = repo.get(_id(challenge_id))
            if current is None:
                raise NotFound(f"No challenge with id {challenge_id}.")
            if current.is_active == active:
                return current
            challenge = repo.set_active(current.id, active, self._clock())
            assert challenge is not None
            self._log(uow, principal, "challenge.activate" if active else "challenge.deactivate", challenge.id)
            uow.commit()
        return challenge


def _id(value: object) -> int:
    return validation.parse_id(value, "challenge_id", "Challenge id", typed=True)

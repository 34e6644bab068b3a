"""One learner's progress as the Progress screen shows it, and the steps learners and staff take.

A learner's controller has no learner id: it follows the session's own user, so the
screen can never ask for someone else. Staff controllers are built for the learner they
picked; the services check both cases again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from domain.errors import ValidationError
from domain.models.badges import AwardState, HeldBadge
from domain.models.paging import PageRequest
from domain.models.progress import ChallengeProgress, EventKind, ProgressStatus, TimelineEntry
from domain.models.scores import ScoreBreakdown
from domain.models.users import Principal, Role
from domain.services.badges import BadgeService
from domain.services.challenges import ChallengeService
from domain.services.progress import PERCENT, ProgressOutcome, ProgressService, lower_than_before
from domain.services.scores import ScoreService
from domain.services.users import UserService
from tui.controllers.choices import Choice, chosen_id, shorten
from tui.controllers.paging import PageInfo, fetch_page
from tui.controllers.session import PrincipalSource

TIMELINE_PAGE_SIZE = 20
# Pickers show the first matches: typing more of a title narrows the list.
PICKER_LIMIT = 100
TITLE_CHARS = 30
TIMELINE_TITLE_CHARS = 24

CHALLENGE_COLUMNS = ("Challenge", "Category", "Status", "Done", "Earned")
TIMELINE_COLUMNS = ("Day (UTC)", "Step", "Challenge", "%", "Points", "By", "Reason")

STEP_LABELS: dict[EventKind, str] = {
    EventKind.STARTED: "started",
    EventKind.PROGRESS: "progress",
    EventKind.COMPLETED: "completed",
    EventKind.RESET: "reset",
    EventKind.RECORDED_BY_TRAINER: "recorded",
}

# A mark as well as a colour, so the three states differ on a monochrome terminal too.
STATE_MARKS: dict[AwardState, str] = {AwardState.ACTIVE: "●", AwardState.EXPIRED: "◌", AwardState.REVOKED: "✕"}


@dataclass(frozen=True)
class ChallengeLine:
    """One of the learner's challenges, with what the keys may do to it."""

    challenge_id: int
    title: str
    status: ProgressStatus
    percent: int
    points_awarded: int
    cells: tuple[str, ...]

    @property
    def in_progress(self) -> bool:
        """Started and not completed: the percent can change, it can be completed."""
        return self.status is ProgressStatus.STARTED

    def lower_warning(self, percent: str) -> str | None:
        """The question to ask before recording `percent` on this challenge when it is less than now."""
        return lower_than_before(self.title, self.status, self.percent, percent)

    @property
    def resettable(self) -> bool:
        return self.status is not ProgressStatus.RESET

    @property
    def step_refusal(self) -> str | None:
        """Why the learner cannot update or complete this challenge now; None when they can."""
        if self.status is ProgressStatus.COMPLETED:
            return f"“{self.title}” is completed: only a trainer can reset it."
        if self.status is ProgressStatus.RESET:
            return f"“{self.title}” was reset: s starts it again."
        return None

    @property
    def reset_refusal(self) -> str | None:
        """Why staff cannot reset this challenge; None when they can."""
        return None if self.resettable else f"“{self.title}” is already back at 0 %."

    @classmethod
    def of(cls, progress: ChallengeProgress) -> ChallengeLine:
        done = f"{progress.percent:>3} %"
        earned = f"{progress.points_awarded}/{progress.challenge_points}"
        cells = (shorten(progress.title, TITLE_CHARS), progress.category.value, progress.status.value, done, earned)
        return cls(progress.challenge_id, progress.title, progress.status, progress.percent, progress.points_awarded,
                   cells)


@dataclass(frozen=True)
class BadgeLine:
    """One award the learner holds, held once, or lost, in a few words: "● First steps +10"."""

    code: str
    name: str
    state: AwardState
    label: str

    @classmethod
    def of(cls, held: HeldBadge) -> BadgeLine:
        award = held.award
        if held.state is AwardState.REVOKED and award.revoked_at is not None:
            label = f"{held.name} revoked {_short_day(award.revoked_at)}"
        elif held.state is AwardState.EXPIRED and award.expires_at is not None:
            label = f"{held.name} expired {_short_day(award.expires_at)}"
        else:
            label = f"{held.name} +{award.bonus_points}"
        return cls(award.badge_code, held.name, held.state, f"{STATE_MARKS[held.state]} {label}")


@dataclass(frozen=True)
class ScoreView:
    """The global score and the parts it is made of, in the formula's order."""

    total: int
    parts: tuple[tuple[str, int], ...]
    line: str

    @classmethod
    def of(cls, score: ScoreBreakdown) -> ScoreView:
        return cls(score.total, tuple(score.parts()), score.describe())


@dataclass(frozen=True)
class ProgressView:
    """Everything the progress screen shows about one learner."""

    learner_id: int
    name: str
    email: str
    summary: str
    score: ScoreView
    challenges: tuple[ChallengeLine, ...]
    badges: tuple[BadgeLine, ...]
    timeline: tuple[tuple[str, ...], ...]
    timeline_info: PageInfo
    weeks: tuple[date, ...]
    weekly_points: tuple[int, ...]

    @property
    def taken(self) -> frozenset[int]:
        """Challenges the learner cannot start now: started or completed."""
        return frozenset(c.challenge_id for c in self.challenges if c.status is not ProgressStatus.RESET)

    def lower_warning(self, challenge_id: str, percent: str) -> str | None:
        """The question to ask before recording `percent` on the challenge `challenge_id` (its id as text)."""
        line = next((c for c in self.challenges if str(c.challenge_id) == challenge_id), None)
        return line.lower_warning(percent) if line is not None else None

    def held_badges(self) -> tuple[Choice, ...]:
        """The badges that count now, for the revoke dialog."""
        return tuple(Choice(b.code, b.name) for b in self.badges if b.state is AwardState.ACTIVE)

    @property
    def revoke_refusal(self) -> str | None:
        """Why there is no badge to revoke; None when there is one."""
        return None if self.held_badges() else f"{self.name} holds no badge to revoke."

    def no_challenge(self, own: bool) -> str:
        """Why a key acting on the selected challenge finds none (the learner has none yet)."""
        return "You have no challenge yet: s starts one." if own else f"{self.name} has no challenge yet."


@dataclass(frozen=True)
class StepResult:
    """What to tell the user after a change: the outcome, a warning, badges earned or taken back."""

    message: str
    warning: str | None = None
    new_badges: tuple[str, ...] = ()
    lost_badges: tuple[str, ...] = ()


class LearnerFinder:
    """Active learners matching a search, for the staff's learner picker (learners are refused)."""

    def __init__(self, users: UserService, principal: PrincipalSource) -> None:
        self._users = users
        self._principal = principal

    def find(self, search: str = "") -> tuple[Choice, ...]:
        people = self._users.find_people(self._principal(), Role.LEARNER, search.strip(), PICKER_LIMIT)
        return tuple(Choice(str(u.id), f"{u.full_name} <{u.email}>") for u in people)


class ProgressController:
    """Reads one learner's progress and forwards the progress screen's steps to the services."""

    def __init__(self, scores: ScoreService, progress: ProgressService, challenges: ChallengeService,
                 badges: BadgeService, principal: PrincipalSource, learner_id: int | None = None,
                 timeline_page_size: int = TIMELINE_PAGE_SIZE) -> None:
        self._scores = scores
        self._progress = progress
        self._challenges = challenges
        self._badges = badges
        self._principal = principal
        # None: the caller's own progress (a learner's screen).
        self._learner_id = learner_id
        self._page_size = timeline_page_size

    @property
    def for_staff(self) -> bool:
        """Whether this screen shows someone else's progress (staff picked the learner)."""
        return self._learner_id is not None

    # -- reading -----------------------------------------------------------------------------

    def view(self, timeline_page: int = 1) -> ProgressView:
        who = self._principal()
        learner_id = self._learner_id if self._learner_id is not None else who.user_id
        view = fetch_page(lambda request: self._scores.user_progress(who, learner_id, request), timeline_page,
                          self._page_size, rows=lambda fetched: fetched.timeline.items,
                          counted=lambda fetched: fetched.timeline)
        learner = view.learner
        completed = sum(1 for c in view.challenges if c.status is ProgressStatus.COMPLETED)
        held = sum(1 for b in view.badges if b.state is AwardState.ACTIVE)
        summary = (f"{learner.full_name} <{learner.email}> · {completed} of {len(view.challenges)} completed · "
                   f"{held} badge{'' if held == 1 else 's'} held")
        return ProgressView(
            learner_id=learner.id, name=learner.full_name, email=learner.email, summary=summary,
            score=ScoreView.of(view.score),
            challenges=tuple(ChallengeLine.of(c) for c in view.challenges),
            badges=tuple(BadgeLine.of(b) for b in view.badges),
            timeline=tuple(_timeline_cells(e) for e in view.timeline.items),
            timeline_info=PageInfo.of(view.timeline, "step"),
            weeks=tuple(view.weekly.weeks), weekly_points=tuple(view.weekly.points),
        )

    def startable(self, search: str = "", exclude: Iterable[int] = ()) -> tuple[Choice, ...]:
        """Active challenges matching `search`, without those in `exclude` (already taken)."""
        taken = {str(challenge_id) for challenge_id in exclude}
        return tuple(c for c in self.challenge_choices(search) if c.value not in taken)

    def challenge_choices(self, search: str = "") -> tuple[Choice, ...]:
        """Active challenges matching `search`, sorted by title."""
        page = self._challenges.list(self._principal(), PageRequest(1, PICKER_LIMIT), active=True,
                                     search=search.strip())
        return tuple(Choice(str(c.id), f"{c.title} · {c.category.value} · {c.points} pts")
                     for c in page.items)

    def badge_choices(self) -> tuple[Choice, ...]:
        """Active badge definitions, for awarding one by hand."""
        return tuple(Choice(b.code, f"{b.name} · {b.rule.describe()}")
                     for b in self._badges.list_badges(self._principal()) if b.active)

    @staticmethod
    def check_percent(text: str) -> str | None:
        """The message a percent field shows while typing, or None when it is acceptable."""
        return PERCENT.problem(text)

    # -- learner steps -----------------------------------------------------------------------

    def start(self, challenge_id: str) -> StepResult:
        outcome = self._progress.start(self._principal(), _challenge_id(challenge_id))
        return self._result(outcome, f"Started “{outcome.progress.title}”.")

    def update(self, challenge_id: str, percent: str) -> StepResult:
        """Set the percent of one of the caller's challenges; 100 completes it."""
        outcome = self._progress.update(self._principal(), _challenge_id(challenge_id), percent)
        return self._result(outcome, _progress_message(outcome))

    def complete(self, challenge_id: str) -> StepResult:
        outcome = self._progress.complete(self._principal(), _challenge_id(challenge_id))
        return self._result(outcome, _progress_message(outcome))

    # -- staff steps -------------------------------------------------------------------------

    def record(self, challenge_id: str, percent: str) -> StepResult:
        """Record the learner's percent on a challenge (staff), starting it if needed."""
        who = self._principal()
        outcome = self._progress.record(who, self._staff_target(), _challenge_id(challenge_id), percent)
        return self._result(outcome, "Recorded: " + _progress_message(outcome))

    def reset(self, line: ChallengeLine, reason: str) -> StepResult:
        """Put the learner's challenge back to 0 % (staff); points it earned stop counting."""
        outcome = self._progress.reset(self._principal(), self._staff_target(), line.challenge_id, reason)
        message = f"Reset “{outcome.progress.title}” to 0 %."
        if line.points_awarded:
            message += f" {line.points_awarded} points taken back."
        return self._result(outcome, message)

    def award(self, code: str, reason: str) -> StepResult:
        who = self._principal()
        award = self._badges.award(who, code, self._staff_target(), reason)
        name = self._badge_names(who).get(award.badge_code, award.badge_code)
        return StepResult(f"Awarded the badge {name} (+{award.bonus_points} points).")

    def revoke(self, code: str, reason: str) -> StepResult:
        who = self._principal()
        award = self._badges.revoke(who, code, self._staff_target(), reason)
        name = self._badge_names(who).get(award.badge_code, award.badge_code)
        return StepResult(f"Revoked the badge {name}: its {award.bonus_points} points no longer count.")

    def _staff_target(self) -> int:
        if self._learner_id is None:
            # A learner's own screen has no staff keys; the service would refuse anyway.
            raise ValidationError("Pick a learner first.", field="learner_id")
        return self._learner_id

    # -- outcomes ----------------------------------------------------------------------------

    def _result(self, outcome: ProgressOutcome, message: str) -> StepResult:
        if not outcome.new_badges and not outcome.lost_badges:
            return StepResult(message, outcome.warning)
        names = self._badge_names(self._principal())
        gained = tuple(f"{names.get(a.badge_code, a.badge_code)} (+{a.bonus_points} points)"
                       for a in outcome.new_badges)
        lost = tuple(f"{names.get(a.badge_code, a.badge_code)} (−{a.bonus_points} points): {a.revoke_reason}"
                     for a in outcome.lost_badges)
        return StepResult(message, outcome.warning, gained, lost)

    def _badge_names(self, who: Principal) -> dict[str, str]:
        return {b.code: b.name for b in self._badges.list_badges(who)}


def _challenge_id(value: str) -> int:
    return chosen_id(value, "challenge_id", "Pick a challenge.")


def _progress_message(outcome: ProgressOutcome) -> str:
    progress = outcome.progress
    if progress.status is ProgressStatus.COMPLETED:
        return f"“{progress.title}” completed: +{progress.points_awarded} points."
    return f"“{progress.title}” is at {progress.percent} %."


def _short_day(moment: datetime) -> str:
    return f"{moment.day} {moment:%b}"


def _timeline_cells(entry: TimelineEntry) -> tuple[str, ...]:
    if entry.kind is EventKind.RESET:
        points = f"-{entry.points}" if entry.points else ""
    else:
        points = f"+{entry.points}" if entry.points else ""
    return (entry.at.strftime("%Y-%m-%d"), STEP_LABELS[entry.kind],
            shorten(entry.challenge_title, TIMELINE_TITLE_CHARS), str(entry.percent), points,
            shorten(entry.by_name, 14), entry.reason or "")

"""Learners' progress on challenges: PostgreSQL holds the current state, MongoDB the history.

Every step changes one `user_challenges` row and queues its `progress_events` document in
the outbox, in the same transaction; the relay then writes the document and re-checks the
learner's badges (`apply_event`, idempotent). When MongoDB is down the step is still saved
and the caller is told: the history and badges catch up on the next replay.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from datetime import datetime

from domain import validation
from domain.clock import Clock, Clocked, utc_now
from domain.errors import Conflict, DatabaseUnavailable, NotFound
from domain.models.badges import BadgeAward
from domain.models.progress import REASON_MAX, REASON_MIN, Challenge, ChallengeProgress, EventKind, ProgressStatus
from domain.models.sync import SyncStatus
from domain.models.users import Principal, Role
from domain.repositories.mongo.progress_events import ProgressEventRepository, event_document
from domain.repositories.sql.outbox import OutboxRecord
from domain.repositories.sql.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.services.access import require_role
from domain.services.activity import ActivityService
from domain.services.badges import BadgeService
from domain.services.ownership import user_id_value
from domain.services.score_keeper import ScoreKeeper

OUTBOX_KIND = "progress.event"
PERCENT = validation.WholeNumber("percent", "Percent", 0, 100)
SYNC_WARNING = ("Saved. MongoDB is unreachable: the history and badges will catch up when it is back "
                "(or run 'skillhub outbox replay').")


def event_id(outbox_id: int) -> str:
    """The `progress_events._id` of the step carried by outbox record `outbox_id`."""
    return f"progress:{outbox_id}"


class Action(enum.Enum):
    """What a caller asks to do to one learner's challenge."""

    START = "start"
    UPDATE = "update"
    RECORD = "record"
    RESET = "reset"


@dataclass(frozen=True)
class Step:
    """The new state of a row and the history event that records the change."""

    status: ProgressStatus
    percent: int
    started_at: datetime
    completed_at: datetime | None
    points_awarded: int
    kind: EventKind
    event_points: int


def plan_step(action: Action, current: ChallengeProgress | None, challenge: Challenge, percent: int,
              now: datetime) -> Step:
    """The state machine of one learner's challenge; raises Conflict for a step that makes no sense.

    Reaching 100 % completes the challenge and awards its current points. A reset takes
    the points back (the event records how many)."""
    status = current.status if current else None
    if action is Action.RESET:
        if current is None:
            raise NotFound("This learner has not started this challenge.")
        if status is ProgressStatus.RESET:
            raise Conflict("This challenge is already reset for this learner.")
        return Step(ProgressStatus.RESET, 0, current.started_at, None, 0, EventKind.RESET, current.points_awarded)
    if status is ProgressStatus.COMPLETED:
        if action is Action.RECORD:
            raise Conflict("This learner already completed this challenge: reset it first.")
        raise Conflict("You have already completed this challenge.")
    if action is Action.START:
        if status is ProgressStatus.STARTED:
            raise Conflict("You have already started this challenge.")
        return Step(ProgressStatus.STARTED, 0, now, None, 0, EventKind.STARTED, 0)
    if action is Action.UPDATE and status is not ProgressStatus.STARTED:
        raise Conflict("Start the challenge first.")
    started_at = current.started_at if current is not None and status is ProgressStatus.STARTED else now
    kind = EventKind.RECORDED_BY_TRAINER if action is Action.RECORD else (
        EventKind.COMPLETED if percent == 100 else EventKind.PROGRESS)
    if percent == 100:
        return Step(ProgressStatus.COMPLETED, 100, started_at, now, challenge.points, kind, challenge.points)
    return Step(ProgressStatus.STARTED, percent, started_at, None, 0, kind, 0)


def lower_than_before(title: str, status: ProgressStatus | None, before: int, percent: object) -> str | None:
    """The warning to give before recording `percent` on a challenge now at `before` %, when it goes down.

    Only a challenge in progress has a percent to lose (a completed one is refused, a reset
    one starts again from 0). Text that is not a percent gets no warning: the step refuses it."""
    if status is not ProgressStatus.STARTED or PERCENT.problem(str(percent)) is not None:
        return None
    after = PERCENT.parse(percent)
    if after >= before:
        return None
    return f"“{title}” is at {before} %: record {after} %, lower than before?"


@dataclass(frozen=True)
class ProgressOutcome:
    """What a step did: the new state, the badges it brought or took back, and a warning to show if any."""

    progress: ChallengeProgress
    event_kind: EventKind
    event_id: str
    synced: bool
    new_badges: list[BadgeAward]
    warning: str | None
    lost_badges: list[BadgeAward] = field(default_factory=list)


class ProgressService(Clocked):
    """Start, update and complete challenges (learners), record and reset progress (staff)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, events: ProgressEventRepository, badges: BadgeService,
                 activity: ActivityService, clock: Clock = utc_now, keeper: ScoreKeeper | None = None) -> None:
        self._uow = uow_factory
        self._events = events
        self._badges = badges
        self._activity = activity
        self._clock = clock
        self._keeper = keeper

    # -- learners ---------------------------------------------------------------------------
    def start(self, principal: Principal, challenge_id: int) -> ProgressOutcome:
        require_role(principal, Role.LEARNER, doing="take challenges")
        return self._change(principal, principal.user_id, challenge_id, Action.START, 0)

    def update(self, principal: Principal, challenge_id: int, percent: object) -> ProgressOutcome:
        """Set the percent done (0–100); 100 completes the challenge."""
        require_role(principal, Role.LEARNER, doing="take challenges")
        value = PERCENT.parse(percent)
        return self._change(principal, principal.user_id, challenge_id, Action.UPDATE, value)

    def complete(self, principal: Principal, challenge_id: int) -> ProgressOutcome:
        require_role(principal, Role.LEARNER, doing="take challenges")
        return self._change(principal, principal.user_id, challenge_id, Action.UPDATE, 100)

    # -- staff ------------------------------------------------------------------------------
    def record(self, principal: Principal, learner_id: int, challenge_id: int, percent: object) -> ProgressOutcome:
        """A trainer records a learner's progress (starting the challenge if needed; 100 completes it)."""
        require_role(principal, Role.ADMIN, Role.TRAINER, doing="record progress for learners")
        value = PERCENT.parse(percent)
        return self._change(principal, user_id_value(learner_id, "learner_id"), challenge_id, Action.RECORD, value)

    def reset(self, principal: Principal, learner_id: int, challenge_id: int, reason: object) -> ProgressOutcome:
        """Put a learner's challenge back to 0 % and take its points back; the reason is kept."""
        require_role(principal, Role.ADMIN, Role.TRAINER, doing="reset progress")
        why = validation.text(reason, "reason", "Reason", REASON_MIN, REASON_MAX)
        return self._change(principal, user_id_value(learner_id, "learner_id"), challenge_id, Action.RESET, 0, why)

    # -- the one write path -------------------------------------------------------------------
    def _change(self, principal: Principal, learner_id: int, challenge_id: object, action: Action, percent: int,
                reason: str | None = None) -> ProgressOutcome:
        challenge_id = validation.parse_id(challenge_id, "challenge_id", "Challenge id", typed=True)
        now = self._clock()
        with self._uow() as uow:
            self._require_learner(uow, learner_id)
            challenge = uow.challenges.get(challenge_id, lock=True)
            if challenge is None:
                raise NotFound(f"No challenge with id {challenge_id}.")
            if not challenge.is_active and action is not Action.RESET:
                raise Conflict("This challenge is not active: no progress can be recorded on it.")
            rows = uow.progress
            current = rows.get(learner_id, challenge_id, for_update=True)
            step = plan_step(action, current, challenge, percent, now)
            if current is None and not rows.insert_started(learner_id, challenge_id, 0, now):
                raise Conflict("This challenge was just changed elsewhere: try again.")
            rows.save(learner_id, challenge_id, step.status, step.percent, step.started_at, step.completed_at,
                      step.points_awarded, now)
            if self._keeper is not None:
                self._keeper.challenges_changed(uow, learner_id)
            document = event_document(learner_id, challenge_id, step.kind, step.percent, step.event_points,
                                      principal.user_id, now, reason, challenge.category)
            step_id = event_id(uow.outbox.add(OUTBOX_KIND, document))
            if principal.user_id != learner_id:
                self._activity.record(
                    uow, principal, f"progress.{action.value}", "user_challenge", f"{learner_id}:{challenge_id}",
                    {"percent": step.percent, "reason": reason or ""})
            uow.commit()
        progress = replace(
            current, status=step.status, percent=step.percent, started_at=step.started_at,
            completed_at=step.completed_at, points_awarded=step.points_awarded, updated_at=now,
        ) if current else ChallengeProgress(
            learner_id, challenge.id, challenge.title, challenge.category, challenge.points, step.status,
            step.percent, step.started_at, step.completed_at, step.points_awarded, now,
        )
        return self._after_commit(progress, step.kind, step_id, uow.sync)

    def _after_commit(self, progress: ChallengeProgress, kind: EventKind, step_id: str,
                      sync: SyncStatus) -> ProgressOutcome:
        if not sync.synced:
            return ProgressOutcome(progress, kind, step_id, False, [], SYNC_WARNING)
        try:
            new_badges = self._badges.awards_triggered_by(step_id)
            lost_badges = (self._badges.awards_withdrawn_by(progress.user_id, step_id)
                           if kind is EventKind.RESET else [])
        except DatabaseUnavailable:
            return ProgressOutcome(progress, kind, step_id, True, [], SYNC_WARNING)
        return ProgressOutcome(progress, kind, step_id, True, new_badges, None, lost_badges)

    @staticmethod
    def _require_learner(uow: UnitOfWork, learner_id: int) -> None:
        user = uow.users.get(learner_id)
        if user is None or user.role is not Role.LEARNER:
            raise NotFound(f"No learner with id {learner_id}.")
        if not user.is_active:
            raise Conflict("This learner's account is deactivated.")

    # -- outbox handler -------------------------------------------------------------------------
    def apply_event(self, record: OutboxRecord) -> None:
        """Write the step to `progress_events` and re-check the learner's badges (a completion
        may award some, a reset take some back); replay-safe."""
        step_id = event_id(record.id)
        payload = record.payload
        self._events.put(step_id, payload, seq=record.id)
        self._badges.recheck_learner(payload["user_id"], payload["by"], at=payload["at"], trigger=step_id)

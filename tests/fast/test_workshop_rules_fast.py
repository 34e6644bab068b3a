"""Workshop rules, ownership and registration refusals, through the services over a fake unit of work.

The same rules are tested against real PostgreSQL and MongoDB in tests/workshops; these run
in milliseconds with no server, so a rule change gets feedback at once (`make test-fast`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from domain.errors import Conflict, FormErrors, PermissionDenied, ValidationError
from domain.models.users import Principal
from domain.models.workshops import Workshop, WorkshopInput, WorkshopStatus
from domain.services.ownership import require_self_or_staff
from domain.services.workshop_rules import (
    CLOSED_CANCELLED,
    CLOSED_STARTED,
    EDIT_CANCELLED,
    HAS_REGISTRATIONS,
)
from tests.fast.conftest import NOW, World

NEXT_WEEK = NOW + timedelta(days=7)


def schedule(world: World, by: Principal | None = None, **overrides: object) -> Workshop:
    owner = by or world.trainer
    values: dict[str, object] = dict(title="Writing clean SQL", trainer_id=owner.user_id, starts_at=NEXT_WEEK,
                                     duration_minutes=120, capacity=10, description="Joins", place="Room A")
    values.update(overrides)
    return world.workshops.create(owner, WorkshopInput(**values))  # type: ignore[arg-type]


def test_a_scheduled_workshop_and_its_log_line_are_committed_together_and_relayed(world: World) -> None:
    workshop = schedule(world)

    assert world.store.workshops[workshop.id].title == "Writing clean SQL"
    assert [kind for _, kind, _ in world.store.outbox] == ["activity.record"]
    assert world.store.relayed == [record_id for record_id, _, _ in world.store.outbox]


def test_a_refused_form_names_every_wrong_field_and_writes_nothing(world: World) -> None:
    with pytest.raises(FormErrors) as refused:
        schedule(world, title="", capacity="15.5", starts_at=NOW - timedelta(days=1), duration_minutes=0)

    assert set(refused.value.errors) == {"title", "capacity", "starts_at", "duration_minutes"}
    assert refused.value.errors["capacity"] == "Capacity must be a whole number"
    assert world.store.workshops == {} and world.store.outbox == [] and world.store.relayed == []


def test_a_trainer_schedules_only_workshops_they_run(world: World) -> None:
    with pytest.raises(FormErrors) as refused:
        schedule(world, trainer_id=world.other_trainer.user_id)

    assert refused.value.errors == {"trainer_id": "Trainers can only schedule workshops they run themselves"}


def test_only_the_workshops_trainer_or_an_admin_may_cancel_it(world: World) -> None:
    workshop = schedule(world)

    with pytest.raises(PermissionDenied):
        world.workshops.cancel(world.other_trainer, workshop.id, "Not mine")
    saved = world.workshops.cancel(world.admin, workshop.id, "Trainer unavailable")

    assert saved.value.status is WorkshopStatus.CANCELLED and saved.sync.synced
    assert world.store.workshops[workshop.id].cancel_reason == "Trainer unavailable"


def test_a_cancelled_workshop_can_no_longer_be_edited(world: World) -> None:
    workshop = schedule(world)
    world.workshops.cancel(world.trainer, workshop.id, "Room flooded")

    with pytest.raises(Conflict, match=EDIT_CANCELLED):
        world.workshops.edit(world.trainer, workshop.id, WorkshopInput(
            "New title", world.trainer.user_id, NEXT_WEEK, 120, 10))


def test_a_workshop_someone_registered_to_is_cancelled_not_deleted(world: World) -> None:
    workshop = schedule(world)
    world.store.workshops[workshop.id] = replace(world.store.workshops[workshop.id], registrations_ever=1)
    before = list(world.store.outbox)

    with pytest.raises(Conflict, match=HAS_REGISTRATIONS):
        world.workshops.delete(world.trainer, workshop.id)

    assert workshop.id in world.store.workshops and world.store.outbox == before


def test_a_learner_cannot_register_to_a_cancelled_or_started_workshop(world: World) -> None:
    cancelled, started = schedule(world), schedule(world, title="Started")
    world.workshops.cancel(world.trainer, cancelled.id, "Room flooded")
    world.store.workshops[started.id] = replace(world.store.workshops[started.id], starts_at=NOW - timedelta(minutes=5))

    with pytest.raises(Conflict, match=CLOSED_CANCELLED):
        world.registrations.register(world.learner, cancelled.id)
    with pytest.raises(Conflict, match=CLOSED_STARTED):
        world.registrations.register(world.learner, started.id)


def test_learners_act_only_on_their_own_registrations(world: World) -> None:
    workshop = schedule(world)

    with pytest.raises(PermissionDenied):
        world.registrations.register(world.learner, workshop.id, learner_id=world.other_learner.user_id)
    with pytest.raises(PermissionDenied):
        world.registrations.cancel(world.learner, workshop.id, learner_id=world.other_learner.user_id)


def test_a_trainer_registers_learners_only_to_workshops_they_run(world: World) -> None:
    workshop = schedule(world)

    with pytest.raises(PermissionDenied):
        world.registrations.register(world.other_trainer, workshop.id, learner_id=world.learner.user_id)


@pytest.mark.parametrize("workshop_id", ["", "12abc", "15.5", 0, -3, True, None])
def test_workshop_ids_are_parsed_never_guessed(world: World, workshop_id: object) -> None:
    with pytest.raises(ValidationError, match="Workshop id"):
        world.workshops.get(world.learner, workshop_id)


def test_progress_is_private_to_its_learner_and_open_to_staff(world: World) -> None:
    with pytest.raises(PermissionDenied):
        require_self_or_staff(world.learner, world.other_learner.user_id, "progress")
    assert require_self_or_staff(world.learner, world.learner.user_id, "progress") == world.learner.user_id
    assert require_self_or_staff(world.trainer, world.learner.user_id, "progress") == world.learner.user_id
    with pytest.raises(ValidationError):
        require_self_or_staff(world.trainer, "7", "progress")

"""Who may do what, enforced by the services whatever screen or command calls them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from domain.errors import Conflict, PermissionDenied
from domain.models.paging import PageRequest
from domain.models.users import Principal
from domain.models.workshops import Workshop, WorkshopQuery
from domain.services.container import Services
from tests.workshops.conftest import MakeLearners, Schedule, once_started, workshop_input

StaffCall = Callable[[Services, Principal, Workshop, Principal, Path], object]

STAFF_OPERATIONS: dict[str, StaffCall] = {
    "edit": lambda s, who, w, _l, _p: s.workshops.edit(who, w.id, workshop_input(w.trainer_id, title="Hijacked")),
    "cancel workshop": lambda s, who, w, _l, _p: s.workshops.cancel(who, w.id, "because"),
    "delete": lambda s, who, w, _l, _p: s.workshops.delete(who, w.id),
    "registrations screen": lambda s, who, w, _l, _p: s.registrations.sheet(who, w.id),
    "register someone": lambda s, who, w, learner, _p: s.registrations.register(who, w.id, learner.user_id),
    "cancel someone": lambda s, who, w, learner, _p: s.registrations.cancel(who, w.id, learner.user_id),
    "promote": lambda s, who, w, _l, _p: s.registrations.promote(who, w.id),
    "attendance": lambda s, who, w, learner, _p: once_started(s, w).mark_attendance(who, w.id,
                                                                                    {learner.user_id: "present"}),
    "attendance sheet": lambda s, who, w, _l, _p: s.registrations.attendance_sheet(who, w.id),
    "export": lambda s, who, w, _l, path: s.registrations.export_attendance_csv(who, w.id, path / "x.csv"),
    "comment": lambda s, who, w, _l, _p: s.registrations.add_comment(who, w.id, "hello"),
    "picker": lambda s, who, w, _l, _p: s.registrations.candidates(who, w.id),
    "history of someone": lambda s, who, w, learner, _p: s.registrations.history(who, w.id, learner.user_id),
}


@pytest.fixture
def registered(services: Services, schedule: Schedule, make_learners: MakeLearners) -> tuple[Workshop, Principal]:
    workshop = schedule(capacity=1)
    first, second = make_learners(2)
    services.registrations.register(first, workshop.id)
    services.registrations.register(second, workshop.id)
    return workshop, first


@pytest.mark.parametrize("operation", list(STAFF_OPERATIONS))
def test_learners_are_refused_staff_operations(services: Services, learner: Principal, operation: str,
                                               registered: tuple[Workshop, Principal], tmp_path: Path) -> None:
    workshop, someone = registered
    (tmp_path / "x.csv").write_text("exists")  # refused before the path is even looked at
    with pytest.raises(PermissionDenied):
        STAFF_OPERATIONS[operation](services, learner, workshop, someone, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"]


@pytest.mark.parametrize("operation", list(STAFF_OPERATIONS))
def test_trainer_is_refused_other_trainers_workshops(services: Services, other_trainer: Principal, operation: str,
                                                     registered: tuple[Workshop, Principal], tmp_path: Path) -> None:
    workshop, someone = registered
    (tmp_path / "x.csv").write_text("exists")
    with pytest.raises(PermissionDenied, match="workshops you run"):
        STAFF_OPERATIONS[operation](services, other_trainer, workshop, someone, tmp_path)
    assert services.workshops.get(other_trainer, workshop.id).title == "Writing clean SQL"


@pytest.mark.parametrize("operation", list(STAFF_OPERATIONS))
def test_admin_may_do_everything(services: Services, admin: Principal, operation: str, make_learners: MakeLearners,
                                 registered: tuple[Workshop, Principal], tmp_path: Path) -> None:
    workshop, someone = registered
    if operation == "register someone":
        someone = make_learners(1)[0]
    if operation in ("delete", "promote"):
        # Past the permission check, the rules still hold for admins: a workshop with
        # registrations is never deleted, and a full workshop promotes nobody.
        with pytest.raises(Conflict):
            STAFF_OPERATIONS[operation](services, admin, workshop, someone, tmp_path)
    else:
        STAFF_OPERATIONS[operation](services, admin, workshop, someone, tmp_path)
    assert services.workshops.get(admin, workshop.id).id == workshop.id


def test_learners_may_not_create_workshops(services: Services, learner: Principal) -> None:
    with pytest.raises(PermissionDenied):
        services.workshops.create(learner, workshop_input(learner.user_id))


def test_learner_cannot_act_for_another_learner(services: Services, learner: Principal,
                                                registered: tuple[Workshop, Principal]) -> None:
    workshop, someone = registered
    with pytest.raises(PermissionDenied, match="own registrations"):
        services.registrations.register(learner, workshop.id, someone.user_id)
    with pytest.raises(PermissionDenied, match="own registrations"):
        services.registrations.cancel(learner, workshop.id, someone.user_id)
    assert services.registrations.my_registrations(someone, PageRequest()).total == 1


def test_an_anonymous_caller_is_refused(services: Services, registered: tuple[Workshop, Principal]) -> None:
    workshop, _ = registered
    with pytest.raises(PermissionDenied, match="logged in"):
        services.workshops.list(None, WorkshopQuery(), PageRequest())  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        services.registrations.register(None, workshop.id)  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        services.registrations.sheet(None, workshop.id)  # type: ignore[arg-type]

"""User administration: admins only, every field checked, every change logged once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text

from domain.errors import AuthenticationFailed, Conflict, FormErrors, NotFound, PermissionDenied, ValidationError
from domain.models.paging import PageRequest
from domain.models.users import SYSTEM, Principal, Role
from domain.services.container import Services
from tests.conftest import NOW, TEST_PASSWORD, make_user

NEW_PASSWORD = "a completely new one"

UserCall = Callable[[Services, Principal, Principal], Any]

ADMIN_ONLY: dict[str, UserCall] = {
    "list": lambda s, p, other: s.users.list(p, PageRequest()),
    "create": lambda s, p, other: s.users.create(p, "new@example.org", "New Person", "learner", TEST_PASSWORD),
    "change_role": lambda s, p, other: s.users.change_role(p, other.user_id, "admin"),
    "deactivate": lambda s, p, other: s.users.set_active(p, other.user_id, False),
    "reset_password": lambda s, p, other: s.users.reset_password(p, other.user_id, NEW_PASSWORD),
}
STAFF_ONLY: dict[str, UserCall] = {
    "find_people": lambda s, p, other: s.users.find_people(p, Role.LEARNER),
    "get_someone_else": lambda s, p, other: s.users.get(p, other.user_id),
}


def _log(services: Services) -> list[dict[str, Any]]:
    return list(services.db["activity_logs"].find({}, {"_id": 0}).sort("_id", 1))


def _pending(services: Services) -> int:
    with services.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM outbox WHERE applied_at IS NULL")).scalar_one()


def _outbox_rows(services: Services) -> int:
    with services.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM outbox")).scalar_one()


@pytest.mark.parametrize("method", sorted(ADMIN_ONLY | STAFF_ONLY))
def test_a_learner_is_refused_by_every_user_service_method(
    services: Services, learner: Principal, trainer: Principal, method: str
) -> None:
    outbox_before = _outbox_rows(services)
    with pytest.raises(PermissionDenied):
        (ADMIN_ONLY | STAFF_ONLY)[method](services, learner, trainer)
    assert _outbox_rows(services) == outbox_before
    assert services.users.get(SYSTEM, trainer.user_id).role is Role.TRAINER
    assert services.auth.login(trainer.email, TEST_PASSWORD).principal.role is Role.TRAINER


@pytest.mark.parametrize("method", sorted(ADMIN_ONLY))
def test_a_trainer_is_refused_by_every_user_administration_method(
    services: Services, trainer: Principal, learner: Principal, method: str
) -> None:
    outbox_before = _outbox_rows(services)
    with pytest.raises(PermissionDenied):
        ADMIN_ONLY[method](services, trainer, learner)
    assert _outbox_rows(services) == outbox_before
    assert services.users.get(SYSTEM, learner.user_id).is_active


def test_anything_but_a_principal_is_refused(services: Services, learner: Principal) -> None:
    with pytest.raises(PermissionDenied):
        services.users.list(None, PageRequest())  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        services.users.reset_password({"role": "admin"}, learner.user_id, NEW_PASSWORD)  # type: ignore[arg-type]


def test_a_trainer_may_look_up_active_learners_for_pickers(
    services: Services, admin: Principal, trainer: Principal, learner: Principal
) -> None:
    gone = make_user(services, "gone@example.org", Role.LEARNER, "Gone Learner")
    services.users.set_active(admin, gone.user_id, False)
    assert [u.id for u in services.users.find_people(trainer, Role.LEARNER)] == [learner.user_id]


def test_a_learner_may_read_their_own_account(services: Services, learner: Principal) -> None:
    assert services.users.get(learner, learner.user_id).email == learner.email


def test_admin_lists_users_by_name_page_by_page(services: Services, admin: Principal) -> None:
    for name in ("Zoe Zed", "Bob Bee", "Cat Cee", "Dan Dee", "Eve Eee", "Fay Eff"):
        make_user(services, f"{name.split()[0].lower()}@example.org", Role.LEARNER, name)
    first = services.users.list(admin, PageRequest(1, 3))
    second = services.users.list(admin, PageRequest(2, 3))
    third = services.users.list(admin, PageRequest(3, 3))
    assert [u.full_name for u in first.items] == ["Ada Admin", "Bob Bee", "Cat Cee"]
    assert [u.full_name for u in second.items] == ["Dan Dee", "Eve Eee", "Fay Eff"]
    assert [u.full_name for u in third.items] == ["Zoe Zed"]
    assert first.total == 7 and first.pages == 3 and first.has_next and not first.has_previous
    assert not third.has_next


def test_admin_searches_users_by_name_or_email_case_insensitively(services: Services, admin: Principal) -> None:
    make_user(services, "bob@example.org", Role.LEARNER, "Bob Bee")
    make_user(services, "carol@other.net", Role.TRAINER, "Carol Sea")
    make_user(services, "percent@example.org", Role.LEARNER, "100% Sure")
    assert [u.email for u in services.users.list(admin, PageRequest(), search="OTHER.NET").items] == ["carol@other.net"]
    assert [u.full_name for u in services.users.list(admin, PageRequest(), search="bee").items] == ["Bob Bee"]
    # LIKE wildcards typed by a person are literal characters.
    assert [u.full_name for u in services.users.list(admin, PageRequest(), search="%").items] == ["100% Sure"]
    assert services.users.list(admin, PageRequest(), search="_").total == 0
    assert [u.email for u in services.users.list(admin, PageRequest(), role=Role.TRAINER).items] == ["carol@other.net"]


def test_create_reports_every_bad_field_at_once(services: Services, admin: Principal) -> None:
    with pytest.raises(FormErrors) as info:
        services.users.create(admin, "not-an-email", "   ", "king", "short")
    assert set(info.value.errors) == {"email", "full_name", "role", "password"}
    assert "12 bytes" in info.value.errors["password"]
    assert services.users.list(admin, PageRequest()).total == 1
    assert _outbox_rows(services) == 1  # only the admin fixture's own creation


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("full_name", {"full_name": "Eve\x00Null"}),
        ("full_name", {"full_name": "x" * 121}),
        ("email", {"email": "a" * 250 + "@example.org"}),
        ("email", {"email": 12345}),
        ("password", {"password": "p" * 73}),
        ("password", {"password": "tab\tin the password"}),
    ],
)
def test_create_refuses_bad_input_with_a_field_error(
    services: Services, admin: Principal, field: str, kwargs: dict[str, object]
) -> None:
    values: dict[str, object] = {"email": "eve@example.org", "full_name": "Eve", "role": "learner",
                                 "password": TEST_PASSWORD} | kwargs
    with pytest.raises(FormErrors) as info:
        services.users.create(admin, **values)  # type: ignore[arg-type]
    assert list(info.value.errors) == [field]


def test_create_refuses_a_duplicate_email_whatever_its_case(services: Services, admin: Principal) -> None:
    services.users.create(admin, "eve@example.org", "Eve", "learner", TEST_PASSWORD)
    with pytest.raises(Conflict):
        services.users.create(admin, "EVE@Example.org", "Eve Again", "trainer", TEST_PASSWORD)
    assert services.users.list(admin, PageRequest(), search="eve").total == 1
    assert len([e for e in _log(services) if e["action"] == "user.create"]) == 2  # admin fixture + Eve


def test_create_logs_exactly_one_activity_entry(services: Services, admin: Principal) -> None:
    before = len(_log(services))
    user = services.users.create(admin, " Eve@Example.org ", "  Eve Eee ", "Trainer", TEST_PASSWORD)
    assert (user.email, user.full_name, user.role) == ("eve@example.org", "Eve Eee", Role.TRAINER)
    entries = _log(services)[before:]
    assert entries == [{
        "actor_id": admin.user_id, "actor_email": admin.email, "action": "user.create", "entity": "user",
        "entity_id": str(user.id), "at": NOW, "details": {"email": "eve@example.org", "role": "trainer"},
    }]
    assert _pending(services) == 0


def test_change_role_takes_effect_and_logs_before_and_after(
    services: Services, admin: Principal, learner: Principal
) -> None:
    before = len(_log(services))
    updated = services.users.change_role(admin, learner.user_id, "trainer")
    assert updated.role is Role.TRAINER
    assert services.auth.login(learner.email, TEST_PASSWORD).principal.role is Role.TRAINER
    entries = _log(services)[before:]
    assert [(e["action"], e["entity_id"], e["details"]) for e in entries] == [
        ("user.role", str(learner.user_id), {"before": "learner", "after": "trainer"})
    ]
    # Setting the role it already has changes and logs nothing.
    services.users.change_role(admin, learner.user_id, "trainer")
    assert len(_log(services)) == before + 1


def test_the_last_active_admin_cannot_be_demoted(services: Services, admin: Principal) -> None:
    before = len(_log(services))
    with pytest.raises(Conflict, match="at least one active admin"):
        services.users.change_role(admin, admin.user_id, "trainer")
    assert services.users.get(admin, admin.user_id).role is Role.ADMIN
    second = make_user(services, "second@example.org", Role.ADMIN, "Second Admin")
    services.users.change_role(second, admin.user_id, "trainer")
    assert services.users.get(second, admin.user_id).role is Role.TRAINER
    assert [e["action"] for e in _log(services)[before:]] == ["user.create", "user.role"]


def test_an_admin_cannot_deactivate_their_own_account(services: Services, admin: Principal) -> None:
    make_user(services, "second@example.org", Role.ADMIN, "Second Admin")
    with pytest.raises(Conflict, match="your own account"):
        services.users.set_active(admin, admin.user_id, False)
    assert services.users.get(admin, admin.user_id).is_active


def test_the_last_active_admin_cannot_be_deactivated(services: Services, admin: Principal) -> None:
    with pytest.raises(Conflict, match="at least one active admin"):
        services.users.set_active(SYSTEM, admin.user_id, False)
    assert services.users.get(admin, admin.user_id).is_active


def test_deactivate_and_reactivate_are_logged_once_each(
    services: Services, admin: Principal, learner: Principal
) -> None:
    before = len(_log(services))
    assert not services.users.set_active(admin, learner.user_id, False).is_active
    with pytest.raises(AuthenticationFailed):
        services.auth.login(learner.email, TEST_PASSWORD)
    services.users.set_active(admin, learner.user_id, False)  # already inactive: nothing to log
    assert services.users.set_active(admin, learner.user_id, True).is_active
    assert services.auth.login(learner.email, TEST_PASSWORD).principal.user_id == learner.user_id
    assert [(e["action"], e["entity_id"]) for e in _log(services)[before:]] == [
        ("user.deactivate", str(learner.user_id)), ("user.activate", str(learner.user_id))
    ]


def test_set_active_refuses_a_non_boolean(services: Services, admin: Principal, learner: Principal) -> None:
    with pytest.raises(ValidationError):
        services.users.set_active(admin, learner.user_id, "no")  # type: ignore[arg-type]
    assert services.users.get(admin, learner.user_id).is_active


def test_reset_password_replaces_the_old_one_and_is_logged(
    services: Services, admin: Principal, learner: Principal
) -> None:
    before = len(_log(services))
    services.users.reset_password(admin, learner.user_id, NEW_PASSWORD)
    with pytest.raises(AuthenticationFailed):
        services.auth.login(learner.email, TEST_PASSWORD)
    assert services.auth.login(learner.email, NEW_PASSWORD).principal.user_id == learner.user_id
    entries = _log(services)[before:]
    assert [(e["action"], e["entity_id"], e["details"]) for e in entries] == [
        ("user.password_reset", str(learner.user_id), {})
    ]
    assert NEW_PASSWORD not in repr(entries)


def test_reset_password_refuses_a_bad_password_and_keeps_the_old_one(
    services: Services, admin: Principal, learner: Principal
) -> None:
    with pytest.raises(ValidationError, match="72 bytes"):
        services.users.reset_password(admin, learner.user_id, "p" * 73)
    assert services.auth.login(learner.email, TEST_PASSWORD).principal.user_id == learner.user_id


@pytest.mark.parametrize("call", [
    lambda s, a: s.users.change_role(a, 999_999, "trainer"),
    lambda s, a: s.users.set_active(a, 999_999, False),
    lambda s, a: s.users.reset_password(a, 999_999, NEW_PASSWORD),
    lambda s, a: s.users.get(a, 999_999),
])
def test_changes_to_an_unknown_user_are_not_found_and_log_nothing(
    services: Services, admin: Principal, call: Callable[[Services, Principal], Any]
) -> None:
    outbox_before = _outbox_rows(services)
    with pytest.raises(NotFound):
        call(services, admin)
    assert _outbox_rows(services) == outbox_before


def test_activity_log_lists_newest_first_and_filters_for_admins_only(
    services: Services, admin: Principal, learner: Principal
) -> None:
    services.users.change_role(admin, learner.user_id, "trainer")
    services.users.reset_password(admin, learner.user_id, NEW_PASSWORD)
    page = services.activity.list(admin, PageRequest(1, 2))
    assert [e.action for e in page.items] == ["user.password_reset", "user.role"]
    assert page.total == 4  # two fixture creations + the two changes
    assert services.activity.list(admin, PageRequest(), action="user.create").total == 2
    assert services.activity.list(admin, PageRequest(), actor=admin.email.upper()).total == 2
    assert services.activity.actions(admin) == ["user.create", "user.password_reset", "user.role"]
    with pytest.raises(PermissionDenied):
        services.activity.list(learner, PageRequest())


def test_activity_log_keeps_newest_first_for_entries_made_in_the_same_instant(
    services: Services, admin: Principal
) -> None:
    # The fixed clock gives every entry the same time: order must then follow the changes.
    emails = [f"user{n:02d}@example.org" for n in range(12)]
    for email in emails:
        make_user(services, email, Role.LEARNER)
    page = services.activity.list(admin, PageRequest(1, 5), action="user.create")
    assert [e.details["email"] for e in page.items] == emails[::-1][:5]


@pytest.mark.parametrize("remove", [
    lambda s, actor, target: s.users.change_role(actor, target, "learner"),
    lambda s, actor, target: s.users.set_active(actor, target, False),
], ids=["demote", "deactivate"])
def test_two_admins_removing_each_other_at_once_leave_one_admin(
    services: Services, admin: Principal, remove: Callable[[Services, Principal, int], Any]
) -> None:
    other = make_user(services, "other@example.org", Role.ADMIN, "Other Admin")
    outcome: list[BaseException | None] = []
    with services.engine.connect() as conn:
        # Another session has demoted `other` but not committed yet.
        conn.begin()
        conn.execute(text("UPDATE users SET role = 'trainer' WHERE id = :id"), {"id": other.user_id})

        def demote_admin() -> None:
            try:
                remove(services, other, admin.user_id)
                outcome.append(None)
            except Conflict as exc:
                outcome.append(exc)

        worker = threading.Thread(target=demote_admin)
        worker.start()
        worker.join(timeout=1.0)
        conn.commit()
    worker.join(timeout=10)
    assert len(outcome) == 1 and isinstance(outcome[0], Conflict)
    with services.engine.connect() as conn:
        admins = conn.execute(text("SELECT count(*) FROM users WHERE role = 'admin' AND is_active")).scalar_one()
    assert admins == 1


def test_role_filters_accept_a_role_name_and_refuse_an_unknown_one(
    services: Services, admin: Principal, trainer: Principal
) -> None:
    assert [u.id for u in services.users.list(admin, PageRequest(), role="Trainer").items] == [trainer.user_id]
    assert [u.id for u in services.users.find_people(admin, "trainer")] == [trainer.user_id]
    with pytest.raises(ValidationError, match="role"):
        services.users.list(admin, PageRequest(), role="king")


@pytest.mark.parametrize("user_id", ["1", 1.0, True, None])
def test_get_refuses_an_id_that_is_not_a_whole_number(services: Services, admin: Principal, user_id: object) -> None:
    with pytest.raises(ValidationError):
        services.users.get(admin, user_id)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("email", "message"),
    [
        pytest.param('{"$gt":""}@x.org', "Email is not valid: the email address contains invalid characters before "
                     "the @-sign: '\"', ':'", id="operator-object"),
        pytest.param("not-an-email", "Email must look like name@example.org", id="no-at-sign"),
        pytest.param("a@localhost", "Email must look like name@example.org", id="no-dot"),
        pytest.param("tess@intranet.local", "Email is not valid: the part after the @-sign is a special-use or "
                     "reserved name that cannot be used with email", id="special-use-domain"),
        pytest.param('"tess trainer"@example.org', "Email must look like name@example.org", id="quoted-space"),
        pytest.param('"tess"@example.org', "Email is not valid: quoting the part before the @-sign is not allowed "
                     "here", id="quoted"),
        pytest.param("tess..trainer@example.org", "Email is not valid: an email address cannot have two periods in "
                     "a row", id="two-dots"),
        pytest.param("tess@[192.0.2.1].org", "Email is not valid: the part after the @-sign contains invalid "
                     "characters: '[', ']'", id="brackets"),
    ],
)
def test_an_email_that_email_validator_refuses_is_refused_with_its_reason(
    services: Services, admin: Principal, email: str, message: str
) -> None:
    with pytest.raises(FormErrors) as caught:
        services.users.create(admin, email, "Tess Trainer", "trainer", TEST_PASSWORD)
    assert caught.value.errors == {"email": message}
    assert services.users.list(admin, PageRequest()).total == 1


def test_emails_are_stored_trimmed_lower_cased_and_normalised(services: Services, admin: Principal) -> None:
    decomposed = "Zoe\u0301.U\u0308ni\u0308code@EXA\u0308MPLE.org"  # as some keyboards and pastes give it
    zoe = services.users.create(admin, f"  {decomposed} ", "Zoé Ünïcode", "learner", TEST_PASSWORD)
    assert zoe.email == "zoé.ünïcode@exämple.org"
    assert services.users.get(admin, zoe.id).email == "zoé.ünïcode@exämple.org"
    # The same address typed another way is the same account.
    with pytest.raises(Conflict):
        services.users.create(admin, "ZOÉ.ÜNÏCODE@exämple.ORG", "Zoé Again", "learner", TEST_PASSWORD)
    assert services.auth.login("ZOÉ.ÜNÏCODE@EXÄMPLE.ORG", TEST_PASSWORD).principal.user_id == zoe.id
    assert services.auth.login(decomposed, TEST_PASSWORD).principal.user_id == zoe.id

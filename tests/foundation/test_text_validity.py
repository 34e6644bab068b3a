"""Text a database cannot store is refused by every service method that takes text.

A NUL character, a lone surrogate and the '\\udcff' Python makes of an invalid UTF-8 byte
in a command-line argument, put in each text argument of each public service method in
turn, end in the domain's ValidationError naming that field (login: the generic
AuthenticationFailed, and the attempt is still recorded), and nothing is written to
either database. The list of calls is checked against the services themselves: a new
method that takes text fails `test_every_service_method_taking_text_is_probed` until it
is added here.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text

from domain.errors import AuthenticationFailed, FormErrors, SessionExpired, SkillHubError, ValidationError
from domain.models.paging import PageRequest
from domain.models.users import Principal
from domain.models.workshops import WorkshopInput, WorkshopQuery
from domain.services.container import Services
from tests.conftest import NOW, TEST_PASSWORD, TEST_SECRET
from tests.foundation.conftest import run_module

BAD_TEXTS = {"nul": "\x00", "lone-surrogate": "\ud800", "undecodable-byte": "a\udcff"}
# Annotations through which a person's text can arrive (screens pass form values as str).
TEXT_TYPES = {"object", "str", "Path", "Mapping", "WorkshopInput", "WorkshopQuery"}
SERVICES = ("users", "auth", "workshops", "registrations", "challenges", "progress", "badges", "scores",
            "leaderboard", "activity", "backups", "doctor", "relay", "ssh_keys", "bulk", "undo")
# Methods whose text comes from SkillHub's own code, never from a person.
INTERNAL = {
    "activity.record": "action/entity names are constants; details are validated by the calling service",
    "activity.record_batch": "action/entity names are constants; details are validated by the calling service",
    "relay.register": "outbox kinds are constants wired by the bootstrap",
    "badges.recheck_learner": "the trigger is an outbox record id built by the progress service",
    "badges.awards_triggered_by": "the trigger is an outbox record id built by the progress service",
    "badges.awards_withdrawn_by": "the trigger is an outbox record id built by the progress service",
    "backups.create": "its only text, os_user, is the operating-system account the CLI reads from pwd",
}


@dataclass(frozen=True)
class World:
    """One of everything, so each probed call is valid but for the bad text."""

    admin: Principal
    trainer: Principal
    learner: Principal
    workshop_id: int
    challenge_id: int
    badge_code: str
    folder: Path
    trainer_token: str


@dataclass(frozen=True)
class Case:
    """A valid call (keyword arguments), what a bad text must raise, and the field it must name."""

    call: Callable[[World], dict[str, Any]]
    raises: type[Exception] | None = ValidationError
    # Argument (or "argument.attribute", "argument.key"/"argument.value") → the field its error names.
    fields: dict[str, str] = field(default_factory=dict)
    # Arguments typed otherwise that screens fill with text.
    also: tuple[str, ...] = ()
    # Arguments that never carry a person's text.
    internal: tuple[str, ...] = ()
    # What the call writes whatever the text: a refused login is recorded in auth_events,
    # and a wrong password counts towards the account's lockout (users.recent_failures).
    may_write: tuple[str, ...] = ()
    # Arguments whose bad text still makes a login attempt, recorded once in auth_events.
    records_attempt: tuple[str, ...] = ()


def _workshop(w: World) -> WorkshopInput:
    return WorkshopInput("Writing clean SQL", w.trainer.user_id, "2026-12-01 14:00", "120", "10", "Joins", "Room A")


BADGE_FORM = dict(name="First steps", description="", rule_type="challenges_completed", threshold="1",
                  category=None, bonus_points="0", validity_days=None, active=True)
CHALLENGE_FORM = dict(title="Switch off standby", description="", category="energy", points="50",
                      difficulty="easy", co2_kg=None, co2_source=None, is_active=True)

# A genuine ed25519 public key line, as in a .pub file.
SSH_PUBLIC_KEY = Ed25519PrivateKey.generate().public_key().public_bytes(
    serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode() + " tess@laptop"

CASES: dict[str, Case] = {
    # users and login
    "users.list": Case(lambda w: dict(principal=w.admin, page=PageRequest(), search="ada", role="admin"),
                       also=("role",)),
    "users.find_people": Case(lambda w: dict(principal=w.trainer, role="learner", search="lea"), also=("role",)),
    "users.create": Case(lambda w: dict(principal=w.admin, email="new@example.org", full_name="New Person",
                                        role="learner", password=TEST_PASSWORD)),
    "users.change_role": Case(lambda w: dict(principal=w.admin, user_id=w.trainer.user_id, role="admin")),
    "users.reset_password": Case(lambda w: dict(principal=w.admin, user_id=w.trainer.user_id,
                                                password="a completely new one")),
    "auth.login": Case(lambda w: dict(email=w.trainer.email, password=TEST_PASSWORD, source="tui"),
                       raises=AuthenticationFailed, internal=("source",), may_write=("auth_events", "users"),
                       records_attempt=("email", "password")),
    "auth.authenticate": Case(lambda w: dict(token="x.y.z"), raises=SessionExpired),
    "auth.resume": Case(lambda w: dict(token="x.y.z"), raises=SessionExpired),
    # Another email is refused without trying it; a password is tried (and recorded).
    "auth.reauthenticate": Case(lambda w: dict(ended_token=w.trainer_token, email=w.trainer.email,
                                               password=TEST_PASSWORD),
                                raises=AuthenticationFailed, internal=("ended_token",),
                                may_write=("auth_events", "users"), records_attempt=("password",)),
    "auth.logout": Case(lambda w: dict(token="x.y.z"), raises=None, internal=("source",)),
    # An SSH client's key: the email is looked up like a login's (nothing recorded for an offer).
    "auth.key_outcome": Case(lambda w: dict(email=w.trainer.email, key_blob=b"key"), raises=None),
    "auth.login_with_key": Case(lambda w: dict(email=w.trainer.email, key_blob=b"key", source="ssh"),
                                raises=AuthenticationFailed, internal=("source",), may_write=("auth_events",),
                                records_attempt=("email",)),
    "ssh_keys.owner_by_email": Case(lambda w: dict(principal=w.admin, email=w.trainer.email)),
    "ssh_keys.add": Case(lambda w: dict(principal=w.trainer, user_id=w.trainer.user_id, text=SSH_PUBLIC_KEY),
                         fields={"text": "public_key"}),
    "ssh_keys.remove": Case(lambda w: dict(principal=w.trainer, user_id=w.trainer.user_id,
                                           fingerprint="SHA256:" + "A" * 43)),
    # workshops
    "workshops.get": Case(lambda w: dict(principal=w.trainer, workshop_id=w.workshop_id)),
    "workshops.list": Case(lambda w: dict(principal=w.trainer, query=WorkshopQuery(), page=PageRequest()),
                           fields={"query.scope": "scope", "query.search": "search", "query.sort": "sort"}),
    "workshops.catalog": Case(lambda w: dict(principal=w.learner, page=PageRequest(), search="sql")),
    "workshops.catalog_entry": Case(lambda w: dict(principal=w.learner, workshop_id=w.workshop_id)),
    "workshops.trainers": Case(lambda w: dict(principal=w.admin, search="tom")),
    "workshops.create": Case(lambda w: dict(principal=w.trainer, data=_workshop(w))),
    "workshops.edit": Case(lambda w: dict(principal=w.trainer, workshop_id=w.workshop_id, data=_workshop(w))),
    "workshops.cancel": Case(lambda w: dict(principal=w.trainer, workshop_id=w.workshop_id, reason="Room flooded")),
    "workshops.delete": Case(lambda w: dict(principal=w.trainer, workshop_id=w.workshop_id)),
    # registrations
    "registrations.register": Case(lambda w: dict(principal=w.trainer, workshop_id=w.workshop_id,
                                                  learner_id=w.learner.user_id)),
    "registrations.cancel": Case(lambda w: dict(principal=w.trainer, workshop_id=w.workshop_id,
                                                learner_id=w.learner.user_id, reason="Sick")),
    "registrations.promote": Case(lambda w: dict(principal=w.trainer, workshop_id=w.workshop_id,
                                                 learner_id=w.learner.user_id)),
    "registrations.mark_attendance": Case(lambda w: dict(principal=w.trainer, workshop_id=w.workshop_id,
                                                         marks={w.learner.user_id: "present"}),
                                          fields={"marks.key": "learner_id", "marks.value": "attendance"}),
    "registrations.add_comment": Case(lambda w: dict(principal=w.trainer, workshop_id=w.workshop_id,
                                                     body="Bring laptops")),
    "registrations.sheet": Case(lambda w: dict(principal=w.trainer, workshop_id=w.workshop_id)),
    "registrations.candidates": Case(lambda w: dict(principal=w.trainer, workshop_id=w.workshop_id, search="lea")),
    "registrations.history": Case(lambda w: dict(principal=w.trainer, workshop_id=w.workshop_id,
                                                 learner_id=w.learner.user_id)),
    "registrations.attendance_sheet": Case(lambda w: dict(principal=w.trainer, workshop_id=w.workshop_id)),
    "registrations.export_attendance_csv": Case(lambda w: dict(principal=w.trainer, workshop_id=w.workshop_id,
                                                               path=str(w.folder / "attendance.csv"))),
    # challenges and progress
    "challenges.list": Case(lambda w: dict(principal=w.learner, page=PageRequest(), category="energy",
                                           search="standby")),
    "challenges.create": Case(lambda w: dict(principal=w.admin, **CHALLENGE_FORM)),
    "challenges.update": Case(lambda w: dict(principal=w.admin, challenge_id=w.challenge_id, **CHALLENGE_FORM)),
    "progress.update": Case(lambda w: dict(principal=w.learner, challenge_id=w.challenge_id, percent="50")),
    "progress.record": Case(lambda w: dict(principal=w.trainer, learner_id=w.learner.user_id,
                                           challenge_id=w.challenge_id, percent="50")),
    "progress.reset": Case(lambda w: dict(principal=w.trainer, learner_id=w.learner.user_id,
                                          challenge_id=w.challenge_id, reason="Started over")),
    # badges, leaderboard
    "badges.get_badge": Case(lambda w: dict(principal=w.learner, code=w.badge_code)),
    "badges.preview": Case(lambda w: dict(principal=w.admin, code=w.badge_code, **BADGE_FORM)),
    "badges.apply": Case(lambda w: dict(principal=w.admin, code=w.badge_code, **BADGE_FORM, expected_version=1)),
    "badges.award": Case(lambda w: dict(principal=w.trainer, code=w.badge_code, learner_id=w.learner.user_id,
                                        reason="Helped everyone")),
    "badges.revoke": Case(lambda w: dict(principal=w.trainer, code=w.badge_code, learner_id=w.learner.user_id,
                                         reason="Awarded by mistake")),
    "leaderboard.page": Case(lambda w: dict(principal=w.learner, page=PageRequest(), category="energy",
                                            period="all")),
    "leaderboard.recomputed_page": Case(lambda w: dict(principal=w.learner, page=PageRequest(), category="energy",
                                                       period="all")),
    # activity log, backups
    "activity.list": Case(lambda w: dict(principal=w.admin, page=PageRequest(), actor="ada", action="user.create")),
    "activity.batch": Case(lambda w: dict(principal=w.admin, batch_id="999999", page=PageRequest())),
    # bulk actions and undo
    "bulk.cancel_registrations": Case(lambda w: dict(principal=w.trainer, workshop_id=w.workshop_id,
                                                     learner_ids=[w.learner.user_id], reason="Moved")),
    "bulk.mark_attendance": Case(lambda w: dict(principal=w.trainer, workshop_id=w.workshop_id,
                                                learner_ids=[w.learner.user_id], mark="present"),
                                 fields={"mark": "attendance"}),
    "bulk.promote": Case(lambda w: dict(principal=w.trainer, workshop_id=w.workshop_id,
                                        learner_ids=[w.learner.user_id])),
    "bulk.cancel_workshops": Case(lambda w: dict(principal=w.trainer, workshop_ids=[w.workshop_id], reason="Term")),
    "bulk.change_trainer": Case(lambda w: dict(principal=w.admin, workshop_ids=[w.workshop_id],
                                               trainer_id=w.trainer.user_id)),
    "bulk.set_active": Case(lambda w: dict(principal=w.admin, user_ids=[w.learner.user_id], active=False)),
    "bulk.workshop_ids": Case(lambda w: dict(principal=w.trainer, query=WorkshopQuery()),
                              fields={"query.scope": "scope", "query.search": "search", "query.sort": "sort"}),
    "bulk.learner_ids": Case(lambda w: dict(principal=w.trainer, workshop_id=w.workshop_id, status="confirmed"),
                             also=("status",)),
    "bulk.user_ids": Case(lambda w: dict(principal=w.admin, search="lea", role="learner"), also=("role",)),
    "undo.undo": Case(lambda w: dict(principal=w.trainer, batch_id="999999", row=None), also=("row",)),
    "backups.verify": Case(lambda w: dict(principal=w.admin, path=w.folder / "skillhub.tar.gz")),
    "backups.restore": Case(lambda w: dict(principal=w.admin, path=w.folder / "skillhub.tar.gz",
                                           confirm=lambda manifest: False), internal=("os_user",)),
}


def _annotation_takes_text(annotation: object) -> bool:
    return bool(TEXT_TYPES & set(re.findall(r"\w+", str(annotation))))


def _public_methods(services: Services) -> dict[str, inspect.Signature]:
    found = {}
    for name in SERVICES:
        service = getattr(services, name)
        for method_name, function in inspect.getmembers(type(service), inspect.isfunction):
            if not method_name.startswith("_"):
                found[f"{name}.{method_name}"] = inspect.signature(function)
    return found


def _text_arguments(signature: inspect.Signature, case: Case | None) -> list[str]:
    extra = case.also if case else ()
    skip = case.internal if case else ()
    return [p.name for p in signature.parameters.values()
            if p.name not in ("self", *skip) and (_annotation_takes_text(p.annotation) or p.name in extra)]


def test_every_service_method_taking_text_is_probed(services: Services) -> None:
    methods = _public_methods(services)
    taking_text = {name for name, signature in methods.items() if _text_arguments(signature, CASES.get(name))}
    assert sorted(taking_text - set(CASES) - set(INTERNAL)) == []
    assert sorted(set(CASES) - set(methods)) == [], "a probed method no longer exists"
    assert len(CASES) >= 40


@pytest.fixture
def world(services: Services, admin: Principal, trainer: Principal, learner: Principal,
          tmp_path: Path) -> World:
    workshop = services.workshops.create(trainer, WorkshopInput(
        "Writing clean SQL", trainer.user_id, NOW + timedelta(days=7), 120, 10, "Joins", "Room A"))
    services.registrations.register(learner, workshop.id)
    challenge = services.challenges.create(admin, "Switch off standby", "", "energy", 50, "easy")
    services.badges.apply(admin, "first-steps", "First steps", "", "challenges_completed", 1)
    token = services.auth.login(trainer.email, TEST_PASSWORD).token
    return World(admin, trainer, learner, workshop.id, challenge.id, "first-steps", tmp_path, token)


def _variants(arguments: dict[str, Any], name: str, bad: str) -> list[tuple[str, dict[str, Any]]]:
    """The call with `bad` in argument `name` (in each text attribute, key or value of it)."""
    value = arguments[name]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [(f"{name}.{f.name}", {**arguments, name: dataclasses.replace(value, **{f.name: bad})})
                for f in dataclasses.fields(value) if _annotation_takes_text(f.type)]
    if isinstance(value, Mapping):
        (key, item), = value.items()
        return [(f"{name}.key", {**arguments, name: {bad: item}}), (f"{name}.value", {**arguments, name: {key: bad}})]
    if isinstance(value, Path):
        return [(name, {**arguments, name: Path(bad)})]
    return [(name, {**arguments, name: bad})]


def _fingerprint(services: Services, skip: tuple[str, ...] = ()) -> dict[str, object]:
    """Every row of every table and every document of every collection, to compare before/after."""
    found: dict[str, object] = {}
    with services.engine.connect() as conn:
        tables = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars().all()
        for table in (t for t in tables if t not in skip):
            found[table] = conn.execute(text(
                f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM \"{table}\" t")).scalar()
    for name in services.db.list_collection_names():
        if name not in skip:
            found[name] = sorted(repr(sorted(d.items())) for d in services.db[name].find({}))
    return found


def _named_field(error: Exception) -> set[str]:
    if isinstance(error, FormErrors):
        return set(error.errors)
    return {error.field} if isinstance(error, ValidationError) and error.field else set()


@pytest.mark.parametrize("method", sorted(CASES))
def test_bad_text_is_refused_and_nothing_is_written(services: Services, world: World, method: str) -> None:
    case = CASES[method]
    service_name, method_name = method.split(".")
    call = getattr(getattr(services, service_name), method_name)
    signature = _public_methods(services)[method]
    arguments = case.call(world)
    probed, wrong = 0, []
    for name in _text_arguments(signature, case):
        for bad_name, bad in BAD_TEXTS.items():
            for where, bad_arguments in _variants(arguments, name, bad):
                probed += 1
                events = services.db["auth_events"].count_documents({})
                before = _fingerprint(services, skip=("auth_events", *case.may_write))
                outcome: object = None
                try:
                    call(**bad_arguments)
                except SkillHubError as exc:
                    outcome = exc
                except Exception as exc:  # noqa: BLE001 - what the test is looking for
                    wrong.append(f"{where}={bad_name}: crashed with {type(exc).__name__}: {exc}")
                    continue
                label = f"{where}={bad_name}"
                if case.raises is None:
                    if outcome is not None:
                        wrong.append(f"{label}: raised {outcome!r}")
                elif not isinstance(outcome, case.raises) and not (
                        case.raises is ValidationError and isinstance(outcome, FormErrors)):
                    wrong.append(f"{label}: {outcome!r} instead of {case.raises.__name__}")
                elif case.raises is ValidationError:
                    expected = case.fields.get(where, where.split(".")[-1] if "." in where else where)
                    if expected not in _named_field(outcome):  # type: ignore[arg-type]
                        wrong.append(f"{label}: names {_named_field(outcome)} (wants {expected}): {outcome}")
                    if "\n" in str(outcome):
                        wrong.append(f"{label}: message spans lines: {outcome}")
                if _fingerprint(services, skip=("auth_events", *case.may_write)) != before:
                    wrong.append(f"{label}: something was written")
                recorded = services.db["auth_events"].count_documents({}) - events
                if recorded != (1 if where in case.records_attempt else 0):
                    wrong.append(f"{label}: {recorded} auth_events written")
    assert probed > 0
    assert wrong == []


@pytest.mark.parametrize("args", [[b"backup", b"--verify", b"\xff.tar.gz"],
                                  [b"restore", b"\xff.tar.gz", b"--yes"]], ids=["verify", "restore"])
def test_backup_commands_refuse_an_archive_path_that_is_not_utf8_in_one_line(
    services: Services, tmp_path: Path, args: list[bytes]
) -> None:
    before = _fingerprint(services)
    result = run_module("tui.cli", args, {
        "DATABASE_URL": services.endpoints.database_url, "MONGO_URL": services.endpoints.mongo_url,
        "MONGO_DB": services.endpoints.mongo_db, "SKILLHUB_SECRET_KEY": TEST_SECRET,
        "SKILLHUB_DATA_DIR": str(tmp_path),
    })
    assert (result.returncode, result.stderr.splitlines()) == (1, ["skillhub: Archive path must be valid UTF-8 text"])
    assert _fingerprint(services) == before

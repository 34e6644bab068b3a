"""Injection attempts, control characters, wrong types and oversize input: refused with a
message, or stored verbatim and never interpreted as a query."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from domain.errors import FormErrors, ValidationError
from domain.models.paging import PageRequest
from domain.models.users import Principal
from domain.models.workshops import WorkshopQuery
from domain.services.container import Services
from tests.workshops.conftest import MakeLearners, Schedule, workshop_input

SQL_INJECTION = "'; DROP TABLE workshops; --"
MONGO_OPERATOR = '{"$ne": ""}'


def test_sql_injection_in_a_title_is_stored_verbatim(services: Services, admin: Principal, schedule: Schedule) -> None:
    workshop = schedule(title=SQL_INJECTION, place=SQL_INJECTION, description=SQL_INJECTION)
    assert services.workshops.get(admin, workshop.id).title == SQL_INJECTION
    assert "workshops" in inspect(services.engine).get_table_names()
    found = services.workshops.list(admin, WorkshopQuery(search=SQL_INJECTION), PageRequest())
    assert [w.id for w in found.items] == [workshop.id]


def test_operator_strings_are_plain_text_everywhere(services: Services, trainer: Principal, schedule: Schedule,
                                                    make_learners: MakeLearners) -> None:
    plain, odd = schedule(title="Plain title"), schedule(title=MONGO_OPERATOR)
    services.registrations.register(make_learners(1)[0], plain.id)
    saved = services.registrations.add_comment(trainer, plain.id, MONGO_OPERATOR)
    assert services.registrations.sheet(trainer, plain.id).comments[0].body == MONGO_OPERATOR == saved.value.body
    found = services.workshops.list(trainer, WorkshopQuery(search=MONGO_OPERATOR), PageRequest())
    assert [w.id for w in found.items] == [odd.id]


@pytest.mark.parametrize("value", [{"$ne": ""}, {"$gt": 0}, ["1"], 1.5, True, "1 OR 1=1", "", "-1", "0",
                                   "99999999999999999999"])
def test_ids_that_are_not_whole_numbers_are_refused(services: Services, trainer: Principal, learner: Principal,
                                                    schedule: Schedule, value: object) -> None:
    schedule()
    with pytest.raises(ValidationError, match="whole number|between"):
        services.registrations.register(learner, value)
    with pytest.raises(ValidationError, match="whole number|between"):
        services.registrations.sheet(trainer, value)
    with pytest.raises(ValidationError, match="whole number|between"):
        services.workshops.get(trainer, value)


def test_operator_objects_as_form_values_are_refused(services: Services, trainer: Principal) -> None:
    bad = workshop_input({"$ne": ""}, title={"$ne": ""}, starts_at={"$gt": ""}, duration_minutes={"$ne": 0},
                         capacity=[10], place={"$where": "1"}, description=["x"])
    with pytest.raises(FormErrors) as caught:
        services.workshops.create(trainer, bad)
    assert set(caught.value.errors) == {"title", "trainer_id", "starts_at", "duration_minutes", "capacity", "place",
                                        "description"}
    assert caught.value.errors["title"] == "Title must be text"


def test_operator_objects_in_search_comment_reason_and_marks_are_refused(
        services: Services, trainer: Principal, learner: Principal, schedule: Schedule) -> None:
    workshop = schedule()
    services.registrations.register(learner, workshop.id)
    with pytest.raises(ValidationError, match="Search must be text"):
        services.workshops.list(trainer, WorkshopQuery(search={"$ne": ""}), PageRequest())  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="Comment must be text"):
        services.registrations.add_comment(trainer, workshop.id, {"$ne": ""})
    with pytest.raises(ValidationError, match="Reason must be text"):
        services.registrations.cancel(trainer, workshop.id, learner.user_id, reason={"$ne": ""})
    with pytest.raises(ValidationError):
        services.registrations.mark_attendance(trainer, workshop.id, {learner.user_id: {"$ne": ""}})
    with pytest.raises(ValidationError):
        services.registrations.mark_attendance(trainer, workshop.id, [(learner.user_id, "present")])  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        services.workshops.list(trainer, {"scope": "upcoming"}, PageRequest())  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="Filter must be one of"):
        services.workshops.list(trainer, WorkshopQuery(scope="everything"), PageRequest())  # type: ignore[arg-type]


# U+200B and U+202E are format characters (Cf): invisible or reordering text, refused too.
@pytest.mark.parametrize("text", ["Bad\x00title", "Esc\x1b[31mred", "Bell\x07", "Line\nbreak", "Zero\u200bwidth?",
                                  "Bidi\u202eevil"])
def test_control_characters_are_refused_in_one_line_fields(services: Services, trainer: Principal,
                                                           text: str) -> None:
    with pytest.raises(FormErrors) as caught:
        services.workshops.create(trainer, workshop_input(trainer.user_id, title=text, place=text))
    assert caught.value.errors["title"] == "Title must not contain control characters"
    assert caught.value.errors["place"] == "Place must not contain control characters"


def test_comment_control_characters_refused_but_line_breaks_kept(services: Services, trainer: Principal,
                                                                 schedule: Schedule) -> None:
    workshop = schedule()
    for bad in ("nul\x00", "escape\x1b[2J", "bell\x07"):
        with pytest.raises(ValidationError, match="control characters"):
            services.registrations.add_comment(trainer, workshop.id, bad)
    kept = "Line one\r\nLine two\n\tindented"
    assert services.registrations.add_comment(trainer, workshop.id, kept).value.body == kept
    assert services.db["comments"].find_one({"workshop_id": workshop.id})["body"] == kept


def test_ten_thousand_character_comment_is_stored_and_one_more_refused(services: Services, trainer: Principal,
                                                                       schedule: Schedule) -> None:
    workshop = schedule()
    body = ("é" + SQL_INJECTION + MONGO_OPERATOR) * 400
    body = body[:10_000]
    saved = services.registrations.add_comment(trainer, workshop.id, body)
    assert saved.sync.synced
    assert services.registrations.sheet(trainer, workshop.id).comments[0].body == body
    with pytest.raises(ValidationError, match="at most 10000 characters"):
        services.registrations.add_comment(trainer, workshop.id, body + "x")
    with pytest.raises(ValidationError, match="required"):
        services.registrations.add_comment(trainer, workshop.id, " \n\t ")


def test_oversize_form_fields_are_refused_with_their_length(services: Services, trainer: Principal) -> None:
    with pytest.raises(FormErrors) as caught:
        services.workshops.create(trainer, workshop_input(trainer.user_id, title="x" * 10_000, place="p" * 10_000,
                                                          description="d" * 10_000))
    assert caught.value.errors["title"] == "Title must be at most 120 characters (got 10000)"
    assert set(caught.value.errors) == {"title", "place", "description"}


def test_oversize_search_and_reason_are_refused(services: Services, trainer: Principal, learner: Principal,
                                                schedule: Schedule) -> None:
    workshop = schedule()
    services.registrations.register(learner, workshop.id)
    with pytest.raises(ValidationError, match="at most 100"):
        services.workshops.list(trainer, WorkshopQuery(search="s" * 101), PageRequest())
    with pytest.raises(ValidationError, match="at most 500"):
        services.workshops.cancel(trainer, workshop.id, "r" * 501)
    with pytest.raises(ValidationError, match="at most 500"):
        services.registrations.cancel(learner, workshop.id, reason="r" * 501)


@pytest.mark.parametrize("bad", ["\ud800", "a\udcff"], ids=["lone-surrogate", "undecodable-byte"])
def test_text_that_is_not_utf8_is_refused_in_every_workshop_field(services: Services, trainer: Principal,
                                                                  learner: Principal, schedule: Schedule,
                                                                  bad: str) -> None:
    with pytest.raises(FormErrors) as caught:
        services.workshops.create(trainer, workshop_input(trainer.user_id, title=f"Sort {bad} waste", place=bad,
                                                          description=f"line one\n{bad}"))
    assert caught.value.errors == {"title": "Title must be valid UTF-8 text", "place": "Place must be valid UTF-8 text",
                                   "description": "Description must be valid UTF-8 text"}
    workshop = schedule()
    services.registrations.register(learner, workshop.id)
    refusals = {
        "comment": lambda: services.registrations.add_comment(trainer, workshop.id, f"Bring {bad}"),
        "reason": lambda: services.registrations.cancel(trainer, workshop.id, learner.user_id, reason=bad),
        "search": lambda: services.workshops.list(trainer, WorkshopQuery(search=bad), PageRequest()),
        "csv path": lambda: services.registrations.export_attendance_csv(trainer, workshop.id, f"/tmp/{bad}.csv"),
    }
    messages = {}
    for name, call in refusals.items():
        with pytest.raises(ValidationError) as refused:
            call()
        messages[name] = (refused.value.field, refused.value.message)
    assert messages == {
        "comment": ("body", "Comment must be valid UTF-8 text"),
        "reason": ("reason", "Reason must be valid UTF-8 text"),
        "search": ("search", "Search must be valid UTF-8 text"),
        "csv path": ("path", "The path must be valid UTF-8 text"),
    }
    assert services.registrations.sheet(trainer, workshop.id).comments == []
    assert [r.learner_id for r in services.registrations.sheet(trainer, workshop.id).confirmed] == [learner.user_id]


@pytest.mark.parametrize(
    ("typed", "capacity", "duration"),
    [
        pytest.param("15.5", "Capacity must be a whole number", "Duration must be a whole number", id="decimal"),
        pytest.param("1e3", "Capacity must be a whole number", "Duration must be a whole number", id="exponent"),
        pytest.param("12abc", "Capacity must be a whole number", "Duration must be a whole number", id="letters"),
        pytest.param("99999999999", "Capacity must be between 1 and 500", "Duration must be between 15 and 600",
                     id="eleven-digits"),
    ],
)
def test_capacity_and_duration_that_are_not_whole_numbers_in_range_are_refused_never_altered(
        services: Services, trainer: Principal, typed: str, capacity: str, duration: str) -> None:
    with pytest.raises(FormErrors) as caught:
        services.workshops.create(trainer, workshop_input(trainer.user_id, capacity=typed, duration_minutes=typed))
    assert caught.value.errors == {"capacity": capacity, "duration_minutes": duration}
    assert services.workshops.list(trainer, WorkshopQuery(), PageRequest()).total == 0


def test_capacity_and_duration_with_surrounding_spaces_are_trimmed(services: Services, trainer: Principal,
                                                                   schedule: Schedule) -> None:
    workshop = services.workshops.create(trainer, workshop_input(trainer.user_id, capacity=" 12 ",
                                                                 duration_minutes="\t90 "))
    assert (workshop.capacity, workshop.duration_minutes) == (12, 90)
    edited = services.workshops.edit(trainer, workshop.id, workshop_input(trainer.user_id, capacity="+15",
                                                                          duration_minutes="090"))
    assert (edited.value.capacity, edited.value.duration_minutes) == (15, 90)

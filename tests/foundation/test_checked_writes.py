"""Every MongoDB write goes through the domain check, `$set` updates and upserts included:
nx-27017 enforces no validator, so a write the check lets through would land there and be
refused only in production."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from bson import Int64

from domain.errors import ValidationError
from domain.models.badges import BONUS_MAX, BadgeAward
from domain.models.workshops import Registration, RegistrationStatus
from domain.repositories.mongo.badges import AwardRepository
from domain.repositories.mongo.denylist import TokenDenyList
from domain.repositories.mongo.progress_events import ProgressEventRepository
from domain.repositories.mongo.registrations import RegistrationDocuments, registration_document
from domain.services.container import Services
from tests.conftest import NOW
from tests.foundation.document_cases import CASES, validator_for

AWARD_ID = "first-steps:7:1"


def _award() -> BadgeAward:
    return BadgeAward(AWARD_ID, "first-steps", 7, NOW - timedelta(days=3), None, 10, None, {}, False, None, None,
                      None, None, False, "progress:1")


def _stored(services: Services, collection: str, doc_id: Any) -> dict[str, Any] | None:
    return services.db[collection].find_one({"_id": doc_id})


def test_revoking_an_award_checks_the_fields_it_sets(services: Services) -> None:
    awards = AwardRepository(services.db)
    assert awards.insert(_award(), 1)
    before = _stored(services, "badge_awards", AWARD_ID)

    with pytest.raises(ValidationError, match="revoke_reason must be at most 300 characters"):
        awards.revoke(AWARD_ID, 1, "x" * 301, NOW)
    with pytest.raises(ValidationError, match="revoked_by must be of type int or long or null, not string"):
        awards.revoke(AWARD_ID, "admin", "reason", NOW)  # type: ignore[arg-type]

    assert _stored(services, "badge_awards", AWARD_ID) == before
    assert awards.revoke(AWARD_ID, 1, "given by mistake", NOW)


def test_changing_the_bonus_of_held_awards_checks_the_new_bonus(services: Services) -> None:
    awards = AwardRepository(services.db)
    assert awards.insert(_award(), 1)

    with pytest.raises(ValidationError, match=f"bonus_points must be at most {BONUS_MAX}"):
        awards.update_held("first-steps", BONUS_MAX + 1, None, NOW)
    with pytest.raises(ValidationError, match="bonus_points must be of type int or long, not double"):
        awards.update_held("first-steps", 12.5, None, NOW)  # type: ignore[arg-type]

    stored = _stored(services, "badge_awards", AWARD_ID)
    assert stored is not None and stored["bonus_points"] == 10


def test_a_revocation_upsert_checks_the_document_it_would_insert(services: Services) -> None:
    with pytest.raises(ValidationError, match="expires_at must be of type date, not string"):
        TokenDenyList(services.db).revoke("jti-1", 1, "tomorrow", NOW)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="_id must be at most 64 characters"):
        TokenDenyList(services.db).revoke("j" * 65, 1, NOW, NOW)
    assert services.db["revoked_tokens"].count_documents({}) == 0


def test_a_replayed_registration_projection_is_checked_before_it_is_written(services: Services) -> None:
    good = registration_document(Registration(1, 2, 1, RegistrationStatus.CONFIRMED, None, NOW, NOW))

    with pytest.raises(ValidationError, match="status must be one of"):
        RegistrationDocuments(services.db).project([good, {**good, "_id": "w1:l3:1", "status": "lost"}])

    assert services.db["registrations"].count_documents({}) == 0


def test_a_progress_step_checks_its_id_and_seq_with_the_rest(services: Services) -> None:
    events = ProgressEventRepository(services.db)
    step = {"user_id": 1, "challenge_id": 2, "kind": "started", "percent": 0, "points": 0, "by": 1, "at": NOW,
            "day": NOW.date().isoformat(), "reason": None, "category": "energy"}

    with pytest.raises(ValidationError, match="seq must be at least 1"):
        events.put("progress:1", step, seq=0)
    with pytest.raises(ValidationError, match="user_id cannot be stored in MongoDB"):
        events.put_many([("progress:2", {**step, "user_id": 2**64})])
    events.put("progress:3", {**step, "user_id": Int64(1)}, seq=3)

    assert [d["_id"] for d in services.db["progress_events"].find({})] == ["progress:3"]


def test_the_server_agrees_with_the_domain_check_where_it_enforces_validators(services: Services) -> None:
    """Only meaningful against MongoDB 7 (SKILLHUB_TEST_MONGO_URL): nx-27017 enforces no validator."""
    from pymongo.errors import WriteError

    probe = services.db.create_collection("validator_probe", validator=validator_for({"bsonType": "int"}))
    try:
        try:
            probe.insert_one({"v": "text"})
        except WriteError:
            pass
        else:
            pytest.skip("this server does not enforce validators (nx-27017): the table is checked in test_documents")
        disagreements = []
        for name, schema, value, accepted in CASES:
            services.db.drop_collection("validator_probe")
            probe = services.db.create_collection("validator_probe", validator=validator_for(schema))
            try:
                probe.insert_one({"v": value})
                server = True
            except WriteError:
                server = False
            if server != accepted:
                disagreements.append(name)
        assert disagreements == []
    finally:
        services.db.drop_collection("validator_probe")


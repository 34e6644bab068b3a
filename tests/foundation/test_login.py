"""Login: the session token it issues, one generic refusal, every attempt recorded."""

from __future__ import annotations

from datetime import timedelta

import bcrypt
import jwt
import pytest

from domain.errors import AuthenticationFailed, ValidationError
from domain.models.users import SYSTEM, Principal, Role
from domain.repositories.mongo.auth_events import AuthEventRepository
from domain.repositories.sql.users import UserRepository
from domain.services.container import Services
from domain.security import passwords
from domain.security.fingerprint import derive_key, keyed_hash
from domain.security.tokens import AUDIENCE, ISSUER
from domain import validation
from domain.services.auth import GENERIC_FAILURE
from tests.conftest import NOW, TEST_PASSWORD, TEST_SECRET, make_user, with_clock

PASSWORD_72 = "seventy-two bytes exactly: " + "z" * 45


def test_login_issues_a_token_with_every_claim_and_the_configured_lifetime(
    services: Services, trainer: Principal
) -> None:
    session = services.auth.login("  Trainer@Example.ORG ", TEST_PASSWORD)
    claims = jwt.decode(session.token, TEST_SECRET, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)
    assert set(claims) == {"sub", "role", "iat", "exp", "iss", "aud", "jti", "sid", "auth_time"}
    # A new session: authenticated now, with its own session id.
    assert claims["auth_time"] == claims["iat"] and len(claims["sid"]) == 32
    assert claims["sub"] == str(trainer.user_id)
    assert claims["role"] == "trainer"
    assert claims["iss"] == ISSUER and claims["aud"] == AUDIENCE
    assert claims["exp"] - claims["iat"] == services.settings.token_ttl_minutes * 60
    assert claims["jti"] == session.principal.token_id and len(claims["jti"]) >= 32
    assert jwt.get_unverified_header(session.token)["alg"] == "HS256"
    assert session.principal == Principal(trainer.user_id, "trainer@example.org", "Tom Trainer", Role.TRAINER,
                                          claims["jti"])
    assert int(session.expires_at.timestamp()) == claims["exp"]
    assert services.auth.authenticate(session.token) == session.principal


def test_each_login_gets_its_own_token_id(services: Services, learner: Principal) -> None:
    first = services.auth.login(learner.email, TEST_PASSWORD)
    second = services.auth.login(learner.email, TEST_PASSWORD)
    assert first.principal.token_id != second.principal.token_id


def _refusal(services: Services, email: object, password: object) -> str:
    with pytest.raises(AuthenticationFailed) as info:
        services.auth.login(email, password)
    return info.value.message


def test_every_kind_of_login_failure_gets_the_same_generic_message(services: Services, admin: Principal) -> None:
    gone = make_user(services, "gone@example.org", Role.LEARNER)
    services.users.set_active(admin, gone.user_id, False)
    make_user(services, "locked@example.org", Role.LEARNER)
    for _ in range(5):
        _refusal(services, "locked@example.org", "not the password")
    services.users.create(SYSTEM, "long@example.org", "Long Password", "learner", PASSWORD_72)

    messages = {
        "unknown email": _refusal(services, "nobody@example.org", TEST_PASSWORD),
        "wrong password": _refusal(services, admin.email, "wrong password!"),
        "inactive user": _refusal(services, "gone@example.org", TEST_PASSWORD),
        "locked account, right password": _refusal(services, "locked@example.org", TEST_PASSWORD),
        # bcrypt alone would accept this: it reads only the first 72 bytes.
        "over-long password": _refusal(services, "long@example.org", PASSWORD_72 + "tail"),
        "empty email": _refusal(services, "", TEST_PASSWORD),
        "not text": _refusal(services, 42, None),
    }
    assert set(messages.values()) == {GENERIC_FAILURE}
    assert services.auth.login("long@example.org", PASSWORD_72).principal.email == "long@example.org"


def test_every_attempt_is_recorded_in_auth_events_without_the_password(
    services: Services, learner: Principal
) -> None:
    services.auth.login(learner.email, TEST_PASSWORD)
    _refusal(services, learner.email, "wrong password!")
    _refusal(services, "Nobody@Example.org", "another secret")
    events = list(services.db["auth_events"].find({}, {"_id": 0}).sort("_id", 1))
    assert [(e["email"], e["user_id"], e["outcome"]) for e in events] == [
        (learner.email, learner.user_id, "success"),
        (learner.email, learner.user_id, "bad_credentials"),
        ("nobody@example.org", None, "bad_credentials"),
    ]
    assert all(e["at"] == NOW for e in events)
    stored = repr(events)
    for secret in (TEST_PASSWORD, "wrong password!", "another secret"):
        assert secret not in stored
    assert not any("password" in key for e in events for key in e)


def test_inactive_and_locked_attempts_are_recorded_with_their_outcome(services: Services, admin: Principal) -> None:
    learner = make_user(services, "lea@example.org", Role.LEARNER)
    services.users.set_active(admin, learner.user_id, False)
    _refusal(services, "lea@example.org", TEST_PASSWORD)
    for _ in range(6):
        _refusal(services, admin.email, "wrong password!")
    outcomes = [e["outcome"] for e in services.db["auth_events"].find().sort("_id", 1)]
    assert outcomes == ["inactive"] + ["bad_credentials"] * 5 + ["locked"]


def test_logout_is_recorded_and_never_stores_the_token(services: Services, learner: Principal) -> None:
    session = services.auth.login(learner.email, TEST_PASSWORD)
    services.auth.logout(session.token)
    last = services.db["auth_events"].find_one({"outcome": "logout"})
    assert last is not None and last["user_id"] == learner.user_id
    assert session.token not in repr(last)


@pytest.fixture
def checkpw_calls(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every hash bcrypt is asked to check against, in order."""
    calls: list[bytes] = []
    real = bcrypt.checkpw

    def spy(password: bytes, hashed: bytes) -> bool:
        calls.append(hashed)
        return real(password, hashed)

    monkeypatch.setattr(passwords.bcrypt, "checkpw", spy)
    return calls


def test_unknown_email_costs_one_bcrypt_check_at_the_configured_cost(
    services: Services, learner: Principal, checkpw_calls: list[bytes]
) -> None:
    _refusal(services, "nobody@example.org", TEST_PASSWORD)
    _refusal(services, learner.email, "wrong password!")
    _refusal(services, learner.email, "x" * 100)
    assert len(checkpw_calls) == 3
    unknown, wrong, too_long = checkpw_calls
    # Same bcrypt cost for the dummy hash as for a real one, so timing gives nothing away.
    cost = f"$2b${services.settings.bcrypt_rounds:02d}$".encode()
    assert unknown.startswith(cost) and wrong.startswith(cost) and too_long.startswith(cost)
    assert unknown != wrong and too_long == unknown


def test_successful_login_after_the_lock_expired_is_recorded_as_success(services: Services, learner: Principal) -> None:
    for _ in range(5):
        _refusal(services, learner.email, "wrong password!")
    later = with_clock(services, NOW + timedelta(minutes=16))
    try:
        assert later.auth.login(learner.email, TEST_PASSWORD).principal.user_id == learner.user_id
    finally:
        later.close()
    assert services.db["auth_events"].find_one(sort=[("_id", -1)])["outcome"] == "success"


def test_an_auth_event_that_breaks_the_collection_schema_is_refused_before_writing(services: Services) -> None:
    # nx-27017 does not enforce $jsonSchema: the repository checks against the same validator.
    with pytest.raises(ValidationError, match="outcome"):
        AuthEventRepository(services.db).add("someone@example.org", None, "hacked", NOW)
    assert services.db["auth_events"].count_documents({}) == 0


def _events(services: Services) -> list[dict[str, object]]:
    return list(services.db["auth_events"].find({}, {"_id": 0}).sort("_id", 1))


def _audit_hash(text: str) -> str:
    return keyed_hash(derive_key(TEST_SECRET, "auth_events.email"), text)


@pytest.mark.parametrize("bad", ["\x00", "\ud800", "a\udcff", "trainer@example.org\x00", "trainer@example.org\udcff"])
def test_text_no_database_can_store_fails_login_like_any_other_and_is_recorded(
    services: Services, trainer: Principal, bad: str
) -> None:
    assert _refusal(services, bad, TEST_PASSWORD) == GENERIC_FAILURE
    assert _refusal(services, trainer.email, bad) == GENERIC_FAILURE
    typed_email, typed_password = _events(services)
    assert typed_email == {"email": None, "email_invalid": True, "email_hmac": _audit_hash(bad), "user_id": None,
                           "outcome": "bad_credentials", "at": NOW, "source": "tui"}
    # A password no account can have is one more wrong password for that account.
    assert (typed_password["email"], typed_password["user_id"], typed_password["outcome"]) == (
        trainer.email, trainer.user_id, "bad_credentials")
    assert "email_invalid" not in typed_password
    assert services.auth.login(trainer.email, TEST_PASSWORD).principal.user_id == trainer.user_id


def test_a_password_typed_in_the_email_field_is_stored_as_a_keyed_hash_never_as_text(
    services: Services, trainer: Principal
) -> None:
    for typed in (TEST_PASSWORD, TEST_PASSWORD, "  another secret  ", '{"$gt":""}@x.org'):
        _refusal(services, typed, TEST_PASSWORD)
    _refusal(services, "Nobody@Example.org", TEST_PASSWORD)
    events = _events(services)
    assert [(e["email"], e.get("email_invalid"), e.get("email_hmac")) for e in events] == [
        (None, True, _audit_hash(TEST_PASSWORD)),
        (None, True, _audit_hash(TEST_PASSWORD)),
        (None, True, _audit_hash("  another secret  ")),
        (None, True, _audit_hash('{"$gt":""}@x.org')),
        ("nobody@example.org", None, None),
    ]
    stored = repr(events)
    assert TEST_PASSWORD not in stored and "another secret" not in stored and "$gt" not in stored
    # Keyed: without the app's secret key the hash cannot be recomputed from a guess.
    other_key = derive_key("another-secret-key-that-is-long-enough-987654", "auth_events.email")
    assert _audit_hash(TEST_PASSWORD) != keyed_hash(other_key, TEST_PASSWORD)


def test_every_stored_email_of_the_login_audit_is_an_email_address(services: Services, trainer: Principal) -> None:
    for typed in ("", "   ", "not-an-email", "a@b", "x" * 300, "trainer@example.org\x00", 42, None,
                  "Trainer@Example.ORG"):
        with pytest.raises(AuthenticationFailed):
            services.auth.login(typed, "wrong password!")
    session = services.auth.login(trainer.email, TEST_PASSWORD)
    services.auth.logout(session.token)
    events = _events(services)
    assert len(events) == 11
    for event in events:
        assert event["email"] is None or validation.email(event["email"]) == event["email"]
        assert (event["email"] is None) == (event.get("email_invalid") is True) or event["outcome"] == "logout"
    # Not text at all: marked, with nothing to hash.
    assert [e.get("email_hmac") for e in events[6:8]] == [None, None]


def test_an_account_whose_address_predates_the_email_check_can_still_log_in(services: Services) -> None:
    # email-validator refuses special-use domains such as .local; such an account may exist from before.
    with services.uow() as uow:
        UserRepository(uow.conn).add("old@intranet.local", "Old Account", services.hasher.hash(TEST_PASSWORD),
                                     Role.TRAINER, NOW)
        uow.commit()
    assert services.auth.login(" OLD@intranet.local ", TEST_PASSWORD).principal.email == "old@intranet.local"
    event = _events(services)[-1]
    assert (event["email"], event["outcome"], event.get("email_invalid")) == ("old@intranet.local", "success", None)

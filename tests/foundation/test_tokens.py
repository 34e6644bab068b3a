"""Session tokens the service layer must refuse, whoever forged or replayed them."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import jwt
import pytest

from domain.clock import fixed_clock, utc_now
from domain.errors import ConfigError, SessionEnd, SessionExpired
from domain.models.users import Principal, Role
from domain.services.container import Services
from domain.security.tokens import AUDIENCE, ISSUER, LEEWAY_S, REQUIRED_CLAIMS, TokenCodec
from tests.conftest import TEST_PASSWORD, TEST_SECRET


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(services: Services, user: Principal) -> dict[str, Any]:
    """The claims of a genuine token for `user`, as login issues them."""
    token = services.auth.login(user.email, TEST_PASSWORD).token
    return jwt.decode(token, TEST_SECRET, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)


def _sign(claims: dict[str, Any], key: str = TEST_SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm)


def _refused(services: Services, token: object) -> str:
    with pytest.raises(SessionExpired) as info:
        services.auth.authenticate(token)
    return info.value.message


def test_a_genuine_token_is_accepted(services: Services, learner: Principal) -> None:
    token = _sign(_claims(services, learner))
    assert services.auth.authenticate(token).user_id == learner.user_id


def test_alg_none_token_is_refused(services: Services, learner: Principal) -> None:
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(services, learner))}."
    _refused(services, unsigned)


def test_token_signed_with_another_key_is_refused(services: Services, learner: Principal) -> None:
    _refused(services, _sign(_claims(services, learner), key="another-secret-key-of-enough-length-0123"))


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_token_signed_with_another_hmac_algorithm_is_refused(services: Services, learner: Principal) -> None:
    _refused(services, _sign(_claims(services, learner), algorithm="HS512"))


def test_token_with_a_changed_payload_is_refused(services: Services, learner: Principal, admin: Principal) -> None:
    token = services.auth.login(learner.email, TEST_PASSWORD).token
    header, _, signature = token.split(".")
    claims = _claims(services, learner) | {"sub": str(admin.user_id), "role": "admin"}
    _refused(services, f"{header}.{_b64(claims)}.{signature}")


@pytest.mark.parametrize("claim", REQUIRED_CLAIMS)
def test_token_missing_a_required_claim_is_refused(services: Services, learner: Principal, claim: str) -> None:
    claims = _claims(services, learner)
    del claims[claim]
    _refused(services, _sign(claims))


@pytest.mark.parametrize(
    ("claim", "value"),
    [("aud", "another-app"), ("iss", "someone-else"), ("role", "superuser"), ("sub", "not-a-number"),
     ("sub", "999999"), ("exp", "tomorrow")],
)
def test_token_with_a_wrong_claim_is_refused(
    services: Services, learner: Principal, claim: str, value: str
) -> None:
    _refused(services, _sign(_claims(services, learner) | {claim: value}))


def test_token_issued_in_the_future_is_refused(services: Services, learner: Principal) -> None:
    claims = _claims(services, learner)
    later = int(utc_now().timestamp()) + 3600
    _refused(services, _sign(claims | {"iat": later, "exp": later + 3600}))


def test_expired_token_is_refused_with_an_expiry_message(services: Services, learner: Principal) -> None:
    past = TokenCodec(TEST_SECRET, ttl_minutes=60, clock=fixed_clock(utc_now() - timedelta(hours=2)))
    message = _refused(services, past.issue(learner.user_id, Role.LEARNER).token)
    assert "expired" in message


def test_leeway_is_at_most_30_seconds(services: Services, learner: Principal) -> None:
    assert LEEWAY_S <= 30
    # Issued so that it expired 35 seconds ago.
    codec = TokenCodec(TEST_SECRET, ttl_minutes=1, clock=fixed_clock(utc_now() - timedelta(seconds=95)))
    _refused(services, codec.issue(learner.user_id, Role.LEARNER).token)


@pytest.mark.parametrize("garbage", ["", "not.a.token", "a" * 5000, None, 42, b"bytes"])
def test_malformed_tokens_are_refused(services: Services, garbage: object) -> None:
    _refused(services, garbage)


def test_token_is_refused_after_logout(services: Services, learner: Principal) -> None:
    session = services.auth.login(learner.email, TEST_PASSWORD)
    other = services.auth.login(learner.email, TEST_PASSWORD)
    services.auth.logout(session.token)
    assert "logged out" in _refused(services, session.token)
    # The deny-list entry lives exactly as long as the token could have (TTL index).
    entry = services.db["revoked_tokens"].find_one({"_id": session.principal.token_id})
    assert entry is not None and entry["expires_at"] == session.expires_at
    # Only that session ends: the same person's other session is still valid.
    assert services.auth.authenticate(other.token).token_id == other.principal.token_id


def test_token_is_refused_once_the_user_is_deactivated(
    services: Services, admin: Principal, learner: Principal
) -> None:
    session = services.auth.login(learner.email, TEST_PASSWORD)
    services.users.set_active(admin, learner.user_id, False)
    _refused(services, session.token)


def test_a_demotion_takes_effect_on_the_next_request(services: Services, admin: Principal, trainer: Principal) -> None:
    session = services.auth.login(trainer.email, TEST_PASSWORD)
    services.users.change_role(admin, trainer.user_id, "learner")
    # The trainer's token no longer acts at all: the session ends, saying why...
    with pytest.raises(SessionExpired) as info:
        services.auth.authenticate(session.token)
    assert info.value.reason is SessionEnd.ROLE_CHANGED and info.value.resumable
    assert info.value.message == "Your role changed from trainer to learner. Please log in again."
    # ...and the password gives a session with the role they now have.
    again = services.auth.reauthenticate(session.token, trainer.email, TEST_PASSWORD)
    assert services.auth.authenticate(again.token).role is Role.LEARNER


def test_logout_of_an_invalid_token_changes_nothing(services: Services) -> None:
    services.auth.logout("not.a.token")
    assert services.db["revoked_tokens"].count_documents({}) == 0


@pytest.mark.parametrize("key", ["", "k" * 31, "é" * 15])
def test_token_codec_refuses_a_key_shorter_than_32_bytes(key: str) -> None:
    with pytest.raises(ConfigError, match="32 bytes"):
        TokenCodec(key)

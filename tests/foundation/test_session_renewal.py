"""A session renews while it is used, within a maximum from login; logout and re-authentication end it whole."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

import jwt
import pytest

from domain.clock import fixed_clock, utc_now
from domain.config import load_settings
from domain.errors import AuthenticationFailed, ConfigError, SessionEnd, SessionExpired
from domain.models.users import Principal
from domain.repositories.mongo.auth_events import AuthEventRepository
from domain.repositories.mongo.denylist import TokenDenyList
from domain.services.container import Services
from domain.security.tokens import AUDIENCE, ISSUER, TokenCodec
from domain.services.auth import GENERIC_FAILURE, REAUTH_SOURCE, AuthService, Session
from tests.conftest import TEST_PASSWORD, TEST_SECRET

WRONG = "not the password"


def auth_at(services: Services, at: datetime, ttl_minutes: int = 60, max_hours: int = 12) -> AuthService:
    """The auth service of `services` whose tokens are dated `at` (decoding still uses the wall clock)."""
    codec = TokenCodec(TEST_SECRET, ttl_minutes, clock=fixed_clock(at.replace(microsecond=0)),
                       max_session_hours=max_hours)
    return AuthService(services.uow, services.hasher, codec, AuthEventRepository(services.db),
                       TokenDenyList(services.db), services.clock)


def claims(token: str) -> dict[str, object]:
    return jwt.decode(token, TEST_SECRET, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)


def refusal(auth: AuthService, token: str) -> SessionExpired:
    with pytest.raises(SessionExpired) as info:
        auth.authenticate(token)
    return info.value


def test_activity_before_half_the_lifetime_keeps_the_token(services: Services, learner: Principal) -> None:
    now = utc_now().replace(microsecond=0)
    session = auth_at(services, now - timedelta(minutes=29)).login(learner.email, TEST_PASSWORD)
    resumed = auth_at(services, now).resume(session.token)
    assert resumed == session


def test_activity_past_half_the_lifetime_renews_the_token_in_the_same_session(
        services: Services, learner: Principal) -> None:
    now = utc_now().replace(microsecond=0)
    first = auth_at(services, now - timedelta(minutes=31)).login(learner.email, TEST_PASSWORD)
    renewed = auth_at(services, now).resume(first.token)
    before, after = claims(first.token), claims(renewed.token)
    assert renewed.token != first.token and renewed.principal.token_id == after["jti"] != before["jti"]
    assert after["sid"] == before["sid"] and after["auth_time"] == before["auth_time"]
    assert after["iat"] == int(now.timestamp()) and after["exp"] == int((now + timedelta(minutes=60)).timestamp())
    assert renewed.expires_at == now + timedelta(minutes=60)
    assert services.auth.authenticate(renewed.token) == renewed.principal


def test_renewal_never_goes_past_the_maximum_from_login(services: Services, learner: Principal) -> None:
    now = utc_now().replace(microsecond=0)
    login_at = now - timedelta(hours=5)
    # Tokens of 8 hours in a 12-hour session: at 5 hours, a full renewal would end at 13.
    first = auth_at(services, login_at, ttl_minutes=8 * 60).login(learner.email, TEST_PASSWORD)
    renewed = auth_at(services, now, ttl_minutes=8 * 60).resume(first.token)
    assert renewed.expires_at == login_at + timedelta(hours=12)
    assert claims(renewed.token)["auth_time"] == int(login_at.timestamp())
    # At the maximum there is nothing left to renew: the same token comes back.
    later = auth_at(services, now + timedelta(hours=4), ttl_minutes=8 * 60).resume(renewed.token)
    assert later == renewed


def test_a_session_past_its_maximum_is_refused_with_the_limit_as_reason(
        services: Services, learner: Principal) -> None:
    now = utc_now().replace(microsecond=0)
    session = auth_at(services, now - timedelta(minutes=61), ttl_minutes=120, max_hours=1).login(
        learner.email, TEST_PASSWORD)
    refused = refusal(auth_at(services, now, ttl_minutes=120, max_hours=1), session.token)
    assert refused.reason is SessionEnd.LIMIT and refused.resumable
    assert refused.message == "Your session reached its 1-hour limit. Please log in again."


def test_lowering_the_maximum_ends_longer_sessions_at_once(services: Services, learner: Principal) -> None:
    now = utc_now().replace(microsecond=0)
    session = auth_at(services, now - timedelta(hours=2), ttl_minutes=180).login(learner.email, TEST_PASSWORD)
    assert auth_at(services, now, ttl_minutes=180).authenticate(session.token).user_id == learner.user_id
    assert refusal(auth_at(services, now, ttl_minutes=180, max_hours=1), session.token).reason is SessionEnd.LIMIT


def test_an_idle_token_expires_with_its_own_reason(services: Services, learner: Principal) -> None:
    session = auth_at(services, utc_now() - timedelta(hours=2)).login(learner.email, TEST_PASSWORD)
    refused = refusal(services.auth, session.token)
    assert refused.reason is SessionEnd.EXPIRED and refused.resumable
    assert refused.message == "Your session has expired. Please log in again."


@pytest.mark.parametrize("logout_with", ["first token", "renewed token"])
def test_logout_revokes_the_whole_session_renewed_tokens_included(
        services: Services, learner: Principal, logout_with: str) -> None:
    now = utc_now().replace(microsecond=0)
    first = auth_at(services, now - timedelta(minutes=40)).login(learner.email, TEST_PASSWORD)
    renewed = auth_at(services, now).resume(first.token)
    other = services.auth.login(learner.email, TEST_PASSWORD)
    services.auth.logout(first.token if logout_with == "first token" else renewed.token)
    for token in (first.token, renewed.token):
        refused = refusal(services.auth, token)
        assert refused.reason is SessionEnd.REVOKED
        with pytest.raises(SessionExpired):
            auth_at(services, now + timedelta(minutes=50)).resume(token)
    # The session entry lives as long as the session could have.
    entry = services.db["revoked_tokens"].find_one({"_id": "session:" + str(claims(first.token)["sid"])})
    assert entry is not None and entry["expires_at"] == now - timedelta(minutes=40) + timedelta(hours=12)
    # Another session of the same person goes on.
    assert services.auth.authenticate(other.token).user_id == learner.user_id


def test_reauthentication_gives_a_new_session_and_ends_the_old_one(services: Services, learner: Principal) -> None:
    old = services.auth.login(learner.email, TEST_PASSWORD)
    again = services.auth.reauthenticate(old.token, "  Learner@Example.org ", TEST_PASSWORD)
    assert again.principal.user_id == learner.user_id
    assert claims(again.token)["sid"] != claims(old.token)["sid"]
    assert refusal(services.auth, old.token).reason is SessionEnd.REVOKED
    assert services.auth.authenticate(again.token) == again.principal


def test_reauthentication_counts_toward_the_lockout_and_is_recorded(services: Services, learner: Principal) -> None:
    ended = auth_at(services, utc_now() - timedelta(hours=2)).login(learner.email, TEST_PASSWORD)
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            services.auth.reauthenticate(ended.token, learner.email, WRONG)
    # Locked: even the right password is refused now, at re-authentication and at login.
    with pytest.raises(AuthenticationFailed, match=GENERIC_FAILURE):
        services.auth.reauthenticate(ended.token, learner.email, TEST_PASSWORD)
    with pytest.raises(AuthenticationFailed):
        services.auth.login(learner.email, TEST_PASSWORD)
    events = AuthEventRepository(services.db).recent(learner.email, limit=20)
    reauth = [(e["outcome"], e["source"]) for e in reversed(events) if e["source"] == REAUTH_SOURCE]
    assert reauth == [("bad_credentials", REAUTH_SOURCE)] * 5 + [("locked", REAUTH_SOURCE)]
    assert all("password" not in e and WRONG not in e.values() for e in events)


def test_reauthentication_as_someone_else_is_refused_without_trying_their_password(
        services: Services, learner: Principal, trainer: Principal) -> None:
    ended: Session = services.auth.login(learner.email, TEST_PASSWORD)
    with pytest.raises(AuthenticationFailed, match=GENERIC_FAILURE):
        services.auth.reauthenticate(ended.token, trainer.email, TEST_PASSWORD)
    assert AuthEventRepository(services.db).recent(trainer.email) == []


def test_a_deactivated_user_cannot_carry_on_nor_reauthenticate(
        services: Services, admin: Principal, learner: Principal) -> None:
    session = services.auth.login(learner.email, TEST_PASSWORD)
    services.users.set_active(admin, learner.user_id, False)
    refused = refusal(services.auth, session.token)
    assert refused.reason is SessionEnd.INACTIVE and not refused.resumable
    with pytest.raises(AuthenticationFailed):
        services.auth.reauthenticate(session.token, learner.email, TEST_PASSWORD)


def test_a_forged_token_cannot_be_used_to_reauthenticate(services: Services, learner: Principal) -> None:
    genuine = claims(services.auth.login(learner.email, TEST_PASSWORD).token)
    forged = jwt.encode(genuine, "another-secret-key-of-enough-length-0123", algorithm="HS256")
    with pytest.raises(SessionExpired) as info:
        services.auth.reauthenticate(forged, learner.email, TEST_PASSWORD)
    assert info.value.reason is SessionEnd.INVALID and not info.value.resumable


def test_session_max_hours_setting(tmp_path) -> None:  # type: ignore[no-untyped-def]
    def load(value: str | None):  # type: ignore[no-untyped-def]
        env = {"SKILLHUB_DATA_DIR": str(tmp_path)} | ({"SKILLHUB_SESSION_MAX_HOURS": value} if value else {})
        return load_settings(env, env_file=Path(os.devnull))

    assert load(None).session_max_hours == 12
    assert load(" 8 ").session_max_hours == 8
    for bad in ("0", "1.5", "twelve", "169"):
        with pytest.raises(ConfigError, match="SKILLHUB_SESSION_MAX_HOURS"):
            load(bad)

"""Five consecutive failures within 15 minutes lock an account for 15 minutes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest

from domain.errors import AuthenticationFailed
from domain.models.users import Principal
from domain.services.container import Services
from tests.conftest import NOW, TEST_PASSWORD, with_clock

WRONG = "not the password"

At = Callable[[float], Services]


@pytest.fixture
def at(services: Services) -> Iterator[At]:
    """Services seen `minutes` after NOW (built once per instant, closed at the end)."""
    built: dict[float, Services] = {0: services}

    def services_at(minutes: float) -> Services:
        if minutes not in built:
            built[minutes] = with_clock(services, NOW + timedelta(minutes=minutes))
        return built[minutes]

    yield services_at
    for minutes, svc in built.items():
        if minutes:
            svc.close()


def _fails(svc: Services, email: str, password: str = WRONG) -> None:
    with pytest.raises(AuthenticationFailed):
        svc.auth.login(email, password)


def _succeeds(svc: Services, email: str) -> bool:
    return svc.auth.login(email, TEST_PASSWORD).principal.email == email


def test_five_failures_within_15_minutes_lock_the_account_for_15_minutes(at: At, learner: Principal) -> None:
    for minute in (0, 3, 6, 9, 12):
        _fails(at(minute), learner.email)
    _fails(at(12), learner.email, TEST_PASSWORD)
    _fails(at(26.9), learner.email, TEST_PASSWORD)
    assert _succeeds(at(27), learner.email)


def test_four_failures_do_not_lock(at: At, learner: Principal) -> None:
    for minute in (0, 1, 2, 3):
        _fails(at(minute), learner.email)
    assert _succeeds(at(4), learner.email)


def test_failures_spread_over_more_than_15_minutes_do_not_lock(at: At, learner: Principal) -> None:
    for minute in (0, 4, 8, 12, 16):
        _fails(at(minute), learner.email)
    assert _succeeds(at(16), learner.email)


def test_five_consecutive_failures_in_a_sliding_15_minute_window_lock(at: At, learner: Principal) -> None:
    """The window slides: 14, 16, 17, 18, 19 are five failures within 15 minutes even though
    the first failure of the series (minute 0) is older."""
    for minute in (0, 14, 16, 17, 18):
        _fails(at(minute), learner.email)
    assert _succeeds(at(18.5), learner.email) is True
    for minute in (20, 21, 22, 23, 24):
        _fails(at(minute), learner.email)
    _fails(at(25), learner.email, TEST_PASSWORD)


def test_a_successful_login_resets_the_failure_count(at: At, learner: Principal) -> None:
    for minute in (0, 1, 2, 3):
        _fails(at(minute), learner.email)
    assert _succeeds(at(4), learner.email)
    for minute in (5, 6, 7, 8):
        _fails(at(minute), learner.email)
    assert _succeeds(at(9), learner.email)


def test_attempts_while_locked_do_not_extend_the_lock(at: At, learner: Principal) -> None:
    for _ in range(5):
        _fails(at(0), learner.email)
    for minute in (5, 10, 14):
        _fails(at(minute), learner.email)
    assert _succeeds(at(15), learner.email)


def test_after_a_lock_expires_the_count_starts_again_from_zero(at: At, learner: Principal) -> None:
    for _ in range(5):
        _fails(at(0), learner.email)
    for minute in (16, 17, 18, 19):
        _fails(at(minute), learner.email)
    assert _succeeds(at(20), learner.email)


def test_the_lock_is_per_account(at: At, learner: Principal, trainer: Principal) -> None:
    for _ in range(5):
        _fails(at(0), learner.email)
    assert _succeeds(at(1), trainer.email)


def test_an_admin_password_reset_lifts_the_lock(at: At, admin: Principal, learner: Principal) -> None:
    for _ in range(5):
        _fails(at(0), learner.email)
    fresh = "a brand new password"
    at(1).users.reset_password(admin, learner.user_id, fresh)
    assert at(1).auth.login(learner.email, fresh).principal.user_id == learner.user_id

"""An unreachable database is named in one clear error, quickly, never a raw driver error."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest

from domain.errors import DatabaseUnavailable
from domain.models.paging import PageRequest
from domain.models.users import Principal
from domain.services.container import Services
from tests.harness import services_for
from tests.conftest import TEST_PASSWORD
from tests.foundation.conftest import closed_port

Break = Callable[[str], Services]


@pytest.fixture
def broken(services: Services) -> Iterator[Break]:
    """Services with PostgreSQL or MongoDB pointed at a port nobody listens on."""
    built: list[Services] = []

    def make(which: str) -> Services:
        port = closed_port()
        endpoints = (
            replace(services.endpoints, database_url=f"postgresql+psycopg2://postgres:pw@127.0.0.1:{port}/skillhub")
            if which == "PostgreSQL"
            else replace(services.endpoints, mongo_url=f"mongodb://127.0.0.1:{port}/?directConnection=true")
        )
        svc = services_for(replace(services.settings, connect_timeout_s=0.5), clock=services.clock,
                             endpoints=endpoints)
        built.append(svc)
        return svc

    yield make
    for svc in built:
        svc.close()


def _unavailable(call: Callable[[], object]) -> tuple[DatabaseUnavailable, float]:
    started = time.monotonic()
    with pytest.raises(DatabaseUnavailable) as info:
        call()
    return info.value, time.monotonic() - started


@pytest.mark.parametrize("which", ["PostgreSQL", "MongoDB"])
def test_check_names_the_database_that_does_not_answer(broken: Break, which: str) -> None:
    error, elapsed = _unavailable(broken(which).check)
    assert error.which == which
    assert error.message.startswith(f"{which} is unreachable") and "\n" not in error.message
    assert ("DATABASE_URL" if which == "PostgreSQL" else "MONGO_URL") in error.message
    assert elapsed < 5


@pytest.mark.parametrize("which", ["PostgreSQL", "MongoDB"])
def test_login_during_an_outage_names_the_database(broken: Break, learner: Principal, which: str) -> None:
    error, elapsed = _unavailable(lambda: broken(which).auth.login(learner.email, TEST_PASSWORD))
    assert error.which == which and elapsed < 5


def test_a_session_check_with_mongodb_down_is_an_outage_not_a_logout(
    services: Services, broken: Break, learner: Principal
) -> None:
    token = services.auth.login(learner.email, TEST_PASSWORD).token
    error, _ = _unavailable(lambda: broken("MongoDB").auth.authenticate(token))
    assert error.which == "MongoDB"


def test_user_list_with_postgresql_down_names_postgresql(broken: Break, admin: Principal) -> None:
    error, elapsed = _unavailable(lambda: broken("PostgreSQL").users.list(admin, PageRequest()))
    assert error.which == "PostgreSQL" and elapsed < 5

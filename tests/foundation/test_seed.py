"""Demo data: the data dumps with a random password shown once, kept 0600, and never a second seeding."""

from __future__ import annotations

import ast
import re
import stat
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from domain.models.paging import PageRequest
from domain.models.users import SYSTEM, Role
from domain.services.container import Services
from tests.harness import services_for
from domain.devdata.seed import DEMO_PEOPLE, seed_demo
from tests.conftest import make_user, wipe

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo_services(services: Services, tmp_path: Path) -> Iterator[Services]:
    """The test services with a data directory of their own for the credentials file."""
    built = services_for(replace(services.settings, data_dir=tmp_path), clock=services.clock,
                           endpoints=services.endpoints)
    yield built
    built.close()


def test_seed_creates_the_demo_people_with_one_random_password_kept_private(demo_services: Services) -> None:
    credentials = seed_demo(demo_services.skillhub)
    assert credentials is not None
    assert len(credentials.password) >= 16 and re.fullmatch(r"[A-Za-z0-9_-]+", credentials.password)

    users = demo_services.users.list(SYSTEM, PageRequest(1, 100)).items
    roles = [u.role for u in users]
    assert (roles.count(Role.ADMIN), roles.count(Role.TRAINER), roles.count(Role.LEARNER)) == (1, 2, 12)
    assert {u.email for u in users} == {email for email, _, _ in DEMO_PEOPLE} == set(credentials.emails)
    for email in credentials.emails[:4]:
        assert demo_services.auth.login(email, credentials.password).principal.email == email

    assert credentials.file.parent == demo_services.settings.data_dir
    assert stat.S_IMODE(credentials.file.stat().st_mode) == 0o600
    lines = credentials.file.read_text().splitlines()
    assert lines == [f"password: {credentials.password}", *credentials.emails]
    assert credentials.password in credentials.banner()


def test_each_seeding_draws_a_new_password(demo_services: Services) -> None:
    first = seed_demo(demo_services.skillhub)
    wipe(demo_services)
    second = seed_demo(demo_services.skillhub)
    assert first is not None and second is not None
    assert first.password != second.password


def test_seed_does_nothing_when_a_user_exists(demo_services: Services) -> None:
    make_user(demo_services, "someone@example.org", Role.LEARNER)
    assert seed_demo(demo_services.skillhub) is None
    assert demo_services.users.list(SYSTEM, PageRequest()).total == 1
    assert not (demo_services.settings.data_dir / "demo-credentials.txt").exists()


def test_second_seeding_keeps_the_first_password_and_file(demo_services: Services) -> None:
    first = seed_demo(demo_services.skillhub)
    assert first is not None
    content = first.file.read_text()
    assert seed_demo(demo_services.skillhub) is None
    assert first.file.read_text() == content
    assert demo_services.users.list(SYSTEM, PageRequest(1, 100)).total == len(DEMO_PEOPLE)


def test_seed_without_the_data_dumps_plays_the_demo_steps_instead(demo_services: Services, tmp_path: Path) -> None:
    credentials = seed_demo(demo_services.skillhub, source=tmp_path / "no-dumps-here")
    assert credentials is not None
    assert demo_services.users.list(SYSTEM, PageRequest(1, 100)).total == len(DEMO_PEOPLE)
    assert demo_services.auth.login(credentials.emails[0], credentials.password).principal.role is Role.ADMIN
    assert demo_services.db["registrations"].count_documents({}) > 0
    assert demo_services.db["progress_events"].count_documents({}) > 0


def _literal_passwords(path: Path) -> list[str]:
    """Calls in `path` that pass a string literal where a password goes."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "attr", getattr(node.func, "id", ""))
        positional = {"seed_demo": 1, "reset_password": 2, "hash": 0}.get(name)
        args = list(node.args)
        if name == "create" and len(args) == 5:
            positional = 4
        candidates = [kw.value for kw in node.keywords if kw.arg == "password"]
        if positional is not None and len(args) > positional:
            candidates.append(args[positional])
        found += [f"{path.name}:{node.lineno}" for c in candidates
                  if isinstance(c, ast.Constant) and isinstance(c.value, str)]
    return found


def test_no_code_path_passes_a_fixed_password() -> None:
    files = [p for folder in ("domain", "tui") for p in (ROOT / folder).rglob("*.py")]
    assert any(p.name == "seed.py" for p in files)
    assert [hit for p in files for hit in _literal_passwords(p)] == []


def test_fixed_password_scanner_sees_the_call_forms(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "seed_demo(services.skillhub, 'hunter2hunter2')\n"
        "services.users.create(SYSTEM, 'a@b.c', 'A', 'admin', 'hunter2hunter2')\n"
        "services.users.reset_password(SYSTEM, 1, password='hunter2hunter2')\n"
        "seed_demo(services.skillhub)\n"
    )
    assert _literal_passwords(sample) == ["sample.py:1", "sample.py:2", "sample.py:3"]

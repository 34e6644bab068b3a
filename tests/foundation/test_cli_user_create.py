"""`skillhub user create` as an operator runs it: a real process against the test servers."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect

from domain.models.paging import PageRequest
from domain.models.users import SYSTEM, Role
from domain.services.container import Services
from domain.infrastructure.migrate import head_revision
from tests.conftest import TEST_SECRET
from tests.foundation.conftest import closed_port, run_module
from tui import cli
from tui.cli import embedded as embedded_command
from tui.cli.exit_codes import EXIT_ERROR

PASSWORD = "a sturdy passphrase"


def _skillhub(services: Services, tmp_path: Path, args: list[str], stdin: str, **env_overrides: str):
    settings = {
        "DATABASE_URL": services.endpoints.database_url,
        "MONGO_URL": services.endpoints.mongo_url,
        "MONGO_DB": services.endpoints.mongo_db,
        "SKILLHUB_SECRET_KEY": TEST_SECRET,
        "SKILLHUB_BCRYPT_ROUNDS": "10",
        "SKILLHUB_DATA_DIR": str(tmp_path),
    }
    return run_module("tui.cli", args, settings | env_overrides, stdin)


def _create(services: Services, tmp_path: Path, email: str, password: str = PASSWORD, **env: str):
    return _skillhub(
        services, tmp_path, ["user", "create", email, "--role", "trainer", "--name", "Tess Trainer", "--password-stdin"],
        password + "\n", **env,
    )


def test_user_create_prints_the_new_id_and_the_user_can_log_in(services: Services, tmp_path: Path) -> None:
    result = _create(services, tmp_path, "Tess@Example.org")
    assert result.returncode == 0, result.stderr
    users = services.users.list(SYSTEM, PageRequest()).items
    assert [(u.email, u.role, u.full_name) for u in users] == [("tess@example.org", Role.TRAINER, "Tess Trainer")]
    assert result.stdout.strip() == f"Created trainer tess@example.org (id {users[0].id})."
    assert services.auth.login("tess@example.org", PASSWORD).principal.user_id == users[0].id


def test_user_create_with_an_existing_email_in_other_case_fails_with_one_line(
    services: Services, tmp_path: Path
) -> None:
    assert _create(services, tmp_path, "tess@example.org").returncode == 0
    result = _create(services, tmp_path, "TESS@example.ORG")
    assert result.returncode == 1
    assert result.stderr.splitlines() == ["skillhub: a user with the email tess@example.org already exists"]
    assert services.users.list(SYSTEM, PageRequest()).total == 1


@pytest.mark.parametrize(
    ("password", "message"),
    [
        pytest.param("short pass", "skillhub: password must be at least 12 bytes", id="too-short"),
        pytest.param(
            "p" * 73,
            "skillhub: password must be at most 72 bytes (bcrypt ignores anything longer)",
            id="73-bytes",
        ),
        # 37 characters but 74 bytes: the limit is bcrypt's, in bytes.
        pytest.param("é" * 37, "skillhub: password must be at most 72 bytes (bcrypt ignores anything longer)",
                     id="74-bytes-in-utf8"),
    ],
)
def test_user_create_refuses_a_password_outside_12_to_72_bytes(
    services: Services, tmp_path: Path, password: str, message: str
) -> None:
    result = _create(services, tmp_path, "tess@example.org", password)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [message]
    assert services.users.list(SYSTEM, PageRequest()).total == 0


def test_user_create_accepts_a_password_of_exactly_72_bytes(services: Services, tmp_path: Path) -> None:
    password = "x" * 70 + "é"
    assert len(password.encode()) == 72
    result = _create(services, tmp_path, "tess@example.org", password)
    assert result.returncode == 0, result.stderr
    assert services.auth.login("tess@example.org", password).principal.email == "tess@example.org"


def test_user_create_with_postgresql_unreachable_says_so_in_one_line_quickly(
    services: Services, tmp_path: Path
) -> None:
    started = time.monotonic()
    result = _create(
        services, tmp_path, "tess@example.org",
        DATABASE_URL=f"postgresql://postgres:pw@127.0.0.1:{closed_port()}/skillhub",
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("skillhub: PostgreSQL is unreachable")
    assert "DATABASE_URL" in lines[0]
    assert elapsed < 10


def test_user_create_with_mongodb_unreachable_says_so_in_one_line(services: Services, tmp_path: Path) -> None:
    result = _create(
        services, tmp_path, "tess@example.org",
        MONGO_URL=f"mongodb://127.0.0.1:{closed_port()}/?directConnection=true",
        SKILLHUB_CONNECT_TIMEOUT="1",
    )
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("skillhub: MongoDB is unreachable")
    assert services.users.list(SYSTEM, PageRequest()).total == 0


def test_user_create_without_password_stdin_and_no_terminal_asks_for_the_flag(
    services: Services, tmp_path: Path
) -> None:
    result = _skillhub(
        services, tmp_path, ["user", "create", "tess@example.org", "--role", "learner", "--name", "Tess"], PASSWORD
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "skillhub: configuration error: no terminal to prompt for the password: use --password-stdin"
    ]


def test_user_create_on_a_database_never_migrated_says_to_run_db_upgrade(
    services: Services, scratch_database: Engine, tmp_path: Path
) -> None:
    result = _create(
        services, tmp_path, "tess@example.org",
        DATABASE_URL=scratch_database.url.render_as_string(hide_password=False),
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"skillhub: the PostgreSQL schema is at revision none, not {head_revision()}: run 'skillhub db upgrade' first"
    ]
    assert inspect(scratch_database).get_table_names() == []


def test_an_unexpected_error_is_one_line_without_its_details(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for name in ("DATABASE_URL", "MONGO_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SKILLHUB_ENV_FILE", os.devnull)
    monkeypatch.setenv("SKILLHUB_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("SKILLHUB_DATA_DIR", str(tmp_path))

    def broken(settings: object, args: object) -> int:
        raise RuntimeError("relation does not exist\n[parameters: {'password_hash': '$2b$12$...'}]")

    monkeypatch.setattr(embedded_command, "cmd_embedded", broken)
    assert cli.main(["embedded", "status"]) == EXIT_ERROR
    lines = capsys.readouterr().err.splitlines()
    # The details (and the parameters) are in the log file, under the id the line names.
    assert len(lines) == 1
    assert re.fullmatch(
        r"skillhub: unexpected error: RuntimeError: relation does not exist "
        rf"\(error id [0-9a-f]{{8}}, logged in {re.escape(str(tmp_path / 'logs' / 'skillhub.log'))}\)",
        lines[0],
    )


@pytest.mark.parametrize(
    ("email", "name", "message"),
    [
        pytest.param(b"\xff@x.org", b"Tess Trainer", "skillhub: Email must be valid UTF-8 text", id="email"),
        pytest.param(b"tess@example.org", b"Tess \xff", "skillhub: Name must be valid UTF-8 text", id="name"),
    ],
)
def test_user_create_refuses_invalid_utf8_in_its_arguments_in_one_line(
    services: Services, tmp_path: Path, email: bytes, name: bytes, message: str
) -> None:
    # Python hands invalid UTF-8 in argv to the program as lone surrogates ('\udcff').
    result = _skillhub(services, tmp_path, [b"user", b"create", email, b"--role", b"trainer", b"--name", name,
                                            b"--password-stdin"], PASSWORD + "\n")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [message]
    assert result.stdout == ""
    assert services.users.list(SYSTEM, PageRequest()).total == 0


def test_user_create_refuses_an_operator_object_as_email_in_one_line(services: Services, tmp_path: Path) -> None:
    result = _create(services, tmp_path, '{"$gt":""}@x.org')
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "skillhub: Email is not valid: the email address contains invalid characters before the @-sign: '\"', ':'"
    ]
    assert services.users.list(SYSTEM, PageRequest()).total == 0

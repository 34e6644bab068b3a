"""A missing or invalid setting: one line naming the variable, exit status 2, no traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from domain.config import load_settings
from domain.errors import ConfigError
from tests.foundation.conftest import run_module
from tui import cli
from tui.cli.exit_codes import EXIT_USAGE

GOOD_PG = "postgresql://skillhub:pw@127.0.0.1:5432/skillhub"
GOOD_MONGO = "mongodb://127.0.0.1:27017/"
GOOD_SECRET = "k" * 32
VARIABLES = (
    "DATABASE_URL", "MONGO_URL", "MONGO_DB", "SKILLHUB_SECRET_KEY", "SKILLHUB_TOKEN_TTL_MINUTES",
    "SKILLHUB_BCRYPT_ROUNDS", "SKILLHUB_DATA_DIR", "SKILLHUB_BACKUP_DIR", "SKILLHUB_BACKUP_KEEP",
    "SKILLHUB_CONNECT_TIMEOUT",
)

BAD_SETTINGS = [
    pytest.param({"DATABASE_URL": "mysql://u:p@localhost/skillhub"}, "DATABASE_URL", id="database-url-scheme"),
    pytest.param({"MONGO_URL": "http://127.0.0.1:27017"}, "MONGO_URL", id="mongo-url-scheme"),
    pytest.param({"SKILLHUB_SECRET_KEY": "k" * 31}, "SKILLHUB_SECRET_KEY", id="secret-31-bytes"),
    pytest.param({"SKILLHUB_SECRET_KEY": None}, "SKILLHUB_SECRET_KEY", id="secret-missing-with-both-urls"),
    pytest.param({"SKILLHUB_BCRYPT_ROUNDS": "9"}, "SKILLHUB_BCRYPT_ROUNDS", id="bcrypt-rounds-below-10"),
    pytest.param({"SKILLHUB_BCRYPT_ROUNDS": "twelve"}, "SKILLHUB_BCRYPT_ROUNDS", id="bcrypt-rounds-not-a-number"),
    pytest.param({"SKILLHUB_TOKEN_TTL_MINUTES": "1.5"}, "SKILLHUB_TOKEN_TTL_MINUTES", id="ttl-not-an-integer"),
    pytest.param({"SKILLHUB_TOKEN_TTL_MINUTES": "0"}, "SKILLHUB_TOKEN_TTL_MINUTES", id="ttl-zero"),
    pytest.param({"MONGO_DB": "bad name!"}, "MONGO_DB", id="mongo-db-name"),
    pytest.param({"SKILLHUB_CONNECT_TIMEOUT": "soon"}, "SKILLHUB_CONNECT_TIMEOUT", id="timeout-not-a-number"),
]


def _environment(overrides: dict[str, str | None], env_file: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    env.update({"DATABASE_URL": GOOD_PG, "MONGO_URL": GOOD_MONGO, "SKILLHUB_SECRET_KEY": GOOD_SECRET,
                "SKILLHUB_ENV_FILE": str(env_file)})
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch):
    def apply(overrides: dict[str, str | None]) -> None:
        for name in VARIABLES:
            monkeypatch.delenv(name, raising=False)
        for name, value in _environment(overrides, Path(os.devnull)).items():
            monkeypatch.setenv(name, value)

    return apply


@pytest.mark.parametrize(("overrides", "variable"), BAD_SETTINGS)
def test_invalid_setting_exits_2_with_one_line_naming_the_variable(
    clean_env, capsys: pytest.CaptureFixture[str], overrides: dict[str, str | None], variable: str
) -> None:
    clean_env(overrides)
    status = cli.main(["db", "upgrade"])
    captured = capsys.readouterr()
    assert status == EXIT_USAGE
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("skillhub: configuration error: ")
    assert variable in lines[0]
    assert captured.out == ""


def test_valid_settings_load_with_documented_defaults(clean_env) -> None:
    clean_env({})
    settings = load_settings()
    assert settings.database_url == "postgresql+psycopg2://skillhub:pw@127.0.0.1:5432/skillhub"
    assert settings.token_ttl_minutes == 60
    assert settings.bcrypt_rounds == 12
    assert not settings.embedded


def test_secret_is_optional_in_embedded_mode(clean_env) -> None:
    clean_env({"DATABASE_URL": None, "SKILLHUB_SECRET_KEY": None})
    settings = load_settings()
    assert settings.embedded and settings.secret_key is None


def test_invalid_setting_in_env_file_is_reported_like_the_environment(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("SKILLHUB_BCRYPT_ROUNDS=4\n")
    environ = _environment({}, env_file)
    with pytest.raises(ConfigError, match="SKILLHUB_BCRYPT_ROUNDS"):
        load_settings(environ, env_file=env_file)
    # The process environment wins over the file.
    assert load_settings({**environ, "SKILLHUB_BCRYPT_ROUNDS": "11"}, env_file=env_file).bcrypt_rounds == 11


def test_cli_process_reports_bad_database_url_without_traceback() -> None:
    # A URL of another database engine must be refused (spelled in two parts so no SQLite
    # URL appears in the code, even as refused input).
    not_postgres = "sqlite" + ":///skillhub.db"
    settings = {"DATABASE_URL": not_postgres, "MONGO_URL": GOOD_MONGO, "SKILLHUB_SECRET_KEY": GOOD_SECRET}
    result = run_module("tui.cli", ["db", "upgrade"], settings)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "skillhub: configuration error: DATABASE_URL must start with one of "
        "postgresql://, postgres://, postgresql+psycopg2://"
    ]


def test_unknown_cli_option_is_a_one_line_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["user", "create", "someone@example.org", "--role", "king", "--name", "X"])
    assert exit_info.value.code == EXIT_USAGE
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and "--role" in lines[0]


def test_an_env_file_named_but_missing_exits_2_with_one_line_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "missing.env"
    settings = {"DATABASE_URL": GOOD_PG, "MONGO_URL": GOOD_MONGO, "SKILLHUB_SECRET_KEY": GOOD_SECRET,
                "SKILLHUB_ENV_FILE": str(missing)}

    result = run_module("tui.cli", ["db", "current"], settings)

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"skillhub: configuration error: SKILLHUB_ENV_FILE names {missing}, which does not exist"
    ]
    assert result.stdout == ""


@pytest.mark.parametrize("problem", ["a directory", "not UTF-8"])
def test_an_env_file_that_cannot_be_read_is_a_configuration_error(clean_env, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str],
                                                                   problem: str) -> None:
    named = tmp_path / "settings.env"
    if problem == "a directory":
        named.mkdir()
    else:
        named.write_bytes(b"SKILLHUB_BCRYPT_ROUNDS=\xff\n")
    clean_env({"SKILLHUB_ENV_FILE": str(named)})

    assert cli.main(["db", "upgrade"]) == EXIT_USAGE
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"skillhub: configuration error: SKILLHUB_ENV_FILE names {named}, ")
    assert lines[0].endswith("is a directory, not a file" if problem == "a directory" else "is not UTF-8 text")


def test_the_default_env_file_may_be_absent_and_is_read_when_present(
        clean_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clean_env({"SKILLHUB_ENV_FILE": None})
    monkeypatch.chdir(tmp_path)
    assert load_settings().bcrypt_rounds == 12

    (tmp_path / ".env").write_text("SKILLHUB_BCRYPT_ROUNDS=13\n")
    assert load_settings().bcrypt_rounds == 13
    # An empty SKILLHUB_ENV_FILE is unset, as for every other variable; /dev/null reads no file.
    monkeypatch.setenv("SKILLHUB_ENV_FILE", "")
    assert load_settings().bcrypt_rounds == 13
    monkeypatch.setenv("SKILLHUB_ENV_FILE", os.devnull)
    assert load_settings().bcrypt_rounds == 12

"""Settings read from the environment and an optional `.env` file."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values

from domain import validation
from domain.errors import ConfigError, ValidationError

DEFAULT_DATA_DIR = Path.home() / ".local" / "share" / "skillhub"
MIN_SECRET_BYTES = 32
MIN_BCRYPT_ROUNDS = 10
MAX_BCRYPT_ROUNDS = 16
# Read from the process environment only: which file holds the other settings.
ENV_FILE_VARIABLE = "SKILLHUB_ENV_FILE"
# Read when present; a file named by SKILLHUB_ENV_FILE must exist.
DEFAULT_ENV_FILE = Path(".env")


@dataclass(frozen=True)
class Settings:
    """Every setting SkillHub reads, validated once at start-up."""

    database_url: str | None
    mongo_url: str | None
    mongo_db: str
    secret_key: str | None
    token_ttl_minutes: int
    bcrypt_rounds: int
    data_dir: Path
    backup_dir: Path
    backup_keep: int
    connect_timeout_s: float
    # Hours after login past which activity no longer renews the session token.
    session_max_hours: int = 12
    # None: `data_dir / "logs"` (see `logs_dir`).
    log_dir: Path | None = None
    # `skillhub ssh serve` (issue 12): sessions open at once, in all and per person.
    ssh_max_sessions: int = 20
    ssh_max_sessions_per_user: int = 3

    @property
    def logs_dir(self) -> Path:
        """Where every skillhub process writes its rotating log file."""
        return self.log_dir if self.log_dir is not None else self.data_dir / "logs"

    @property
    def embedded(self) -> bool:
        """True when at least one database must be started from the embedded wheels."""
        return self.database_url is None or self.mongo_url is None


def _int(env: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return validation.integer(raw, name, name, lo, hi)
    except ValidationError as exc:
        raise ConfigError(f"{exc.message}, got {raw.strip()[:40]!r}") from None


def _float(env: Mapping[str, str], name: str, default: float, lo: float, hi: float) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if not lo <= value <= hi:
        raise ConfigError(f"{name} must be between {lo} and {hi}, got {value}")
    return value


def _url(env: Mapping[str, str], name: str, schemes: tuple[str, ...]) -> str | None:
    raw = (env.get(name) or "").strip()
    if not raw:
        return None
    if not raw.startswith(schemes):
        raise ConfigError(f"{name} must start with one of {', '.join(schemes)}")
    return raw


def _normalise_pg_url(url: str | None) -> str | None:
    if url is None:
        return None
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix):]
    return url


def _env_file_values(environ: Mapping[str, str], env_file: Path | None) -> dict[str, str]:
    """The settings of the env file: `.env` if there is one, or the file named, which must exist."""
    named = (environ.get(ENV_FILE_VARIABLE) or "").strip()
    if env_file is None and not named:
        if not DEFAULT_ENV_FILE.exists():
            return {}
        path = DEFAULT_ENV_FILE
        where = f"the env file {path.absolute()}"
    else:
        path = env_file if env_file is not None else Path(named).expanduser()
        where = f"{ENV_FILE_VARIABLE} names {path}, which"
        if not path.exists():
            raise ConfigError(f"{where} does not exist")
    if path.is_dir():
        raise ConfigError(f"{where} is a directory, not a file")
    try:
        values = dotenv_values(path)
    except OSError as exc:
        raise ConfigError(f"{where} cannot be read ({exc.strerror or exc.__class__.__name__})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{where} is not UTF-8 text") from None
    return {k: v for k, v in values.items() if v is not None}


def load_settings(environ: Mapping[str, str] | None = None, env_file: Path | None = None) -> Settings:
    """Build settings from the env file overlaid by the process environment; raise ConfigError."""
    environ = os.environ if environ is None else environ
    merged = _env_file_values(environ, env_file)
    merged.update(environ)

    database_url = _normalise_pg_url(
        _url(merged, "DATABASE_URL", ("postgresql://", "postgres://", "postgresql+psycopg2://"))
    )
    mongo_url = _url(merged, "MONGO_URL", ("mongodb://", "mongodb+srv://"))
    mongo_db = (merged.get("MONGO_DB") or "skillhub").strip()
    if not mongo_db.replace("_", "").replace("-", "").isalnum() or len(mongo_db) > 60:
        raise ConfigError("MONGO_DB must be letters, digits, '-' or '_' (at most 60 characters)")

    secret = merged.get("SKILLHUB_SECRET_KEY") or None
    if secret is not None and len(secret.encode()) < MIN_SECRET_BYTES:
        raise ConfigError(f"SKILLHUB_SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes long")
    if secret is None and database_url is not None and mongo_url is not None:
        raise ConfigError(
            "SKILLHUB_SECRET_KEY is required when DATABASE_URL and MONGO_URL are set "
            "(generate one with: python -c 'import secrets; print(secrets.token_hex(32))')"
        )

    data_dir = Path(merged.get("SKILLHUB_DATA_DIR") or DEFAULT_DATA_DIR).expanduser()
    backup_dir = Path(merged.get("SKILLHUB_BACKUP_DIR") or data_dir / "backups").expanduser()
    log_dir = Path(merged.get("SKILLHUB_LOG_DIR") or data_dir / "logs").expanduser()
    return Settings(
        database_url=database_url,
        mongo_url=mongo_url,
        mongo_db=mongo_db,
        secret_key=secret,
        token_ttl_minutes=_int(merged, "SKILLHUB_TOKEN_TTL_MINUTES", 60, 1, 24 * 60),
        bcrypt_rounds=_int(merged, "SKILLHUB_BCRYPT_ROUNDS", 12, MIN_BCRYPT_ROUNDS, MAX_BCRYPT_ROUNDS),
        data_dir=data_dir.resolve(),
        backup_dir=backup_dir.resolve(),
        backup_keep=_int(merged, "SKILLHUB_BACKUP_KEEP", 7, 1, 1000),
        connect_timeout_s=_float(merged, "SKILLHUB_CONNECT_TIMEOUT", 3.0, 0.5, 60.0),
        session_max_hours=_int(merged, "SKILLHUB_SESSION_MAX_HOURS", 12, 1, 7 * 24),
        log_dir=log_dir.resolve(),
        ssh_max_sessions=_int(merged, "SKILLHUB_SSH_MAX_SESSIONS", 20, 1, 500),
        ssh_max_sessions_per_user=_int(merged, "SKILLHUB_SSH_MAX_SESSIONS_PER_USER", 3, 1, 50),
    )

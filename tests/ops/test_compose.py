"""The Compose file, Dockerfile and .env.example, checked structurally (Docker cannot run here).

`compose-spec.json` is the Compose file format's JSON Schema (compose-spec project,
Apache-2.0), copied into the repository so the test needs nothing outside it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = Path(__file__).with_name("compose-spec.json")
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:[:?+-][^}]*)?\}")
SECRET_NAME = re.compile(r"PASSWORD|SECRET|(^|_)(KEY|TOKEN)$", re.IGNORECASE)


@pytest.fixture(scope="module")
def compose_text() -> str:
    return (ROOT / "docker-compose.yml").read_text()


@pytest.fixture(scope="module")
def compose(compose_text: str) -> dict[str, Any]:
    return yaml.safe_load(compose_text)


def documented_variables() -> set[str]:
    """Names that .env.example documents, set or commented out."""
    names = set()
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.match(r"^#?\s*([A-Z][A-Z0-9_]*)=", line)
        if match:
            names.add(match.group(1))
    return names


def test_compose_file_validates_against_the_compose_specification(compose: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator(schema).validate(compose)


def test_compose_defines_postgres_mongo_and_app_with_healthchecks_and_named_volumes(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"postgres", "mongo", "app", "ssh"}
    postgres, mongo, app = services["postgres"], services["mongo"], services["app"]

    assert re.fullmatch(r"postgres:1[4-9]", postgres["image"])
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert mongo["image"] == "mongo:7"
    assert {"--replSet", "rs0", "--noscripting"} <= set(mongo["command"])
    mongo_check = " ".join(mongo["healthcheck"]["test"])
    assert "rs.initiate" in mongo_check and "isWritablePrimary" in mongo_check

    named = set(compose["volumes"])
    for service, target in ((postgres, "/var/lib/postgresql/data"), (mongo, "/data/db")):
        sources = {v.split(":")[0] for v in service["volumes"] if v.split(":")[1] == target}
        assert sources and sources <= named, f"{target} is not on a named volume"

    assert app["build"] == "."
    assert app["env_file"] == ".env"
    assert app["stdin_open"] is True and app["tty"] is True
    assert app["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "mongo": {"condition": "service_healthy"},
    }
    assert app["environment"]["SKILLHUB_BACKUP_DIR"] == "/backups"
    assert "./backups:/backups" in app["volumes"]
    assert "replicaSet=rs0" in app["environment"]["MONGO_URL"]


def test_compose_ssh_service_is_optional_and_publishes_its_port_only_where_configured(
        compose: dict[str, Any]) -> None:
    ssh, app = compose["services"]["ssh"], compose["services"]["app"]
    # Only `--profile ssh` (or COMPOSE_PROFILES=ssh) starts it, and so publishes its port.
    assert ssh["profiles"] == ["ssh"]
    assert ssh["command"] == ["ssh", "serve", "--host", "0.0.0.0", "--port", "2222"]
    assert ssh["ports"] == ["${SKILLHUB_SSH_PUBLISH:-127.0.0.1:2222}:2222"]
    assert ssh["image"] == app["image"] and ssh["depends_on"] == app["depends_on"]
    assert {k: ssh["environment"][k] for k in ("DATABASE_URL", "MONGO_URL", "SKILLHUB_DATA_DIR")} == {
        k: app["environment"][k] for k in ("DATABASE_URL", "MONGO_URL", "SKILLHUB_DATA_DIR")}
    # The host key is kept on the named volume, beside the app's data.
    assert "app-data:/var/lib/skillhub" in ssh["volumes"]


def test_compose_file_holds_no_inline_secret(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        environment = service.get("environment", {})
        assert isinstance(environment, dict), f"{name}: use the mapping form of environment"
        for key, value in environment.items():
            value = str(value)
            if SECRET_NAME.search(key):
                assert VARIABLE.fullmatch(value), f"{name}.{key} must come from .env, not be written here"
            # A URL's password, if any, must be a variable too.
            credentials = re.match(r"^\w[\w+.-]*://([^@/]*)@", VARIABLE.sub("<var>", value))
            if credentials and ":" in credentials.group(1):
                password = credentials.group(1).split(":", 1)[1]
                assert password == "<var>", f"{name}.{key} has a password written in the file"


def test_every_variable_the_compose_file_uses_is_documented_in_env_example(compose_text: str) -> None:
    # Drop $$ (a literal dollar for the container's shell) before looking for ${VAR}.
    used = set(VARIABLE.findall(compose_text.replace("$$", "")))
    assert used, "the Compose file should take its settings from .env"
    assert used <= documented_variables(), f"undocumented in .env.example: {sorted(used - documented_variables())}"


def test_env_example_documents_every_setting_with_a_comment_and_no_secret_value() -> None:
    read_by_code = set(re.findall(r'"((?:SKILLHUB|DATABASE|MONGO)_[A-Z_]+)"', (ROOT / "domain/config.py").read_text()))
    required = read_by_code | {
        "DATABASE_URL", "MONGO_URL", "MONGO_DB", "SKILLHUB_SECRET_KEY", "SKILLHUB_TOKEN_TTL_MINUTES",
        "SKILLHUB_BCRYPT_ROUNDS", "SKILLHUB_DATA_DIR", "SKILLHUB_BACKUP_DIR", "SKILLHUB_BACKUP_KEEP",
        "SKILLHUB_CONNECT_TIMEOUT", "SKILLHUB_ENV_FILE", "POSTGRES_PASSWORD", "POSTGRES_USER", "POSTGRES_DB",
    }
    lines = (ROOT / ".env.example").read_text().splitlines()
    assert required <= documented_variables()
    for index, line in enumerate(lines):
        match = re.match(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$", line)
        if not match:
            continue
        assert index > 0 and lines[index - 1].startswith("#"), f"{match.group(1)} has no comment above it"
        if SECRET_NAME.search(match.group(1)):
            assert match.group(2) == "", f"{match.group(1)} must be left empty in .env.example"


def test_dockerfile_is_slim_non_root_with_matching_postgres_client_and_skillhub_entrypoint(compose: dict[str, Any]) -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    base = re.search(r"^FROM\s+(\S+)", dockerfile, re.MULTILINE)
    assert base and re.fullmatch(r"python:3\.1[12]-slim(-\w+)?", base.group(1))
    server_major = compose["services"]["postgres"]["image"].split(":")[1]
    assert f"postgresql-client-{server_major}" in dockerfile
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    assert re.search(r'^ENTRYPOINT\s+\["skillhub"\]', dockerfile, re.MULTILINE)
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".venv", ".git"} <= set(ignored)

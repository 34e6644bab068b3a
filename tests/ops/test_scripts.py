"""backup.sh and restore.sh run as an operator would, against the test servers."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from domain.models.users import SYSTEM
from domain.services.backup import RESTORE_ACTION
from domain.services.container import Services
from tests.conftest import TEST_SECRET
from tests.ops.helpers import fingerprint, mutate, take_entries
from tui.cli.backup import os_user

ROOT = Path(__file__).resolve().parents[2]
SCRIPT_TIMEOUT_S = 120


@pytest.fixture
def env(services: Services, tmp_path: Path) -> dict[str, str]:
    """The environment of a host that points SkillHub at the test servers."""
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("SKILLHUB_", "DATABASE_", "MONGO_", "POSTGRES_", "PG"))}
    return {
        **clean,
        # Where `skillhub` is when the repository has no .venv of its own (it runs this interpreter's).
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{clean.get('PATH', '')}",
        "DATABASE_URL": services.endpoints.database_url,
        "MONGO_URL": services.endpoints.mongo_url,
        "MONGO_DB": services.endpoints.mongo_db,
        "SKILLHUB_SECRET_KEY": TEST_SECRET,
        "SKILLHUB_DATA_DIR": str(tmp_path / "data"),
        "SKILLHUB_BACKUP_DIR": str(tmp_path / "backups"),
        "SKILLHUB_BACKUP_KEEP": "2",
        # Never the developer's own .env.
        "SKILLHUB_ENV_FILE": os.devnull,
    }


def run(script: str, *args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", str(ROOT / script), *args], env=env, input=stdin, capture_output=True, text=True,
                          timeout=SCRIPT_TIMEOUT_S, cwd=ROOT)


def written_archive(result: subprocess.CompletedProcess[str]) -> Path:
    match = re.search(r"^Backup written: (\S+\.tar\.gz) ", result.stdout, re.MULTILINE)
    assert match, result.stdout + result.stderr
    return Path(match.group(1))


def test_backup_sh_then_restore_sh_bring_the_data_back(seeded: Services, env: dict[str, str]) -> None:
    before = fingerprint(seeded.engine, seeded.db)

    backup = run("backup.sh", env=env)
    assert backup.returncode == 0, backup.stderr
    archive = written_archive(backup)
    assert archive.parent == Path(env["SKILLHUB_BACKUP_DIR"])
    assert "[4/4] Retention" in backup.stderr

    verify = run("backup.sh", "--verify", str(archive), env=env)
    assert verify.returncode == 0 and verify.stdout.startswith(f"OK {archive.name}")

    mutate(seeded)
    restore = run("restore.sh", str(archive), "--yes", env=env)

    assert restore.returncode == 0, restore.stderr
    assert "Counts: all match the manifest" in restore.stdout
    # The command line's actor, and the account that ran it; the entry is set aside to compare.
    restored = take_entries(seeded, RESTORE_ACTION)
    assert [(e["actor_email"], e["entity_id"], e["details"]["outcome"], e["details"]["os_user"])
            for e in restored] == [(SYSTEM.email, archive.name, "ok", os_user())]
    assert fingerprint(seeded.engine, seeded.db) == before


def test_restore_sh_asks_for_the_archive_name_and_a_wrong_answer_changes_nothing(
    seeded: Services, env: dict[str, str]
) -> None:
    archive = written_archive(run("backup.sh", "--quiet", env=env))
    mutate(seeded)
    before = fingerprint(seeded.engine, seeded.db)

    refused = run("restore.sh", archive.name, env=env, stdin="yes\n")

    assert refused.returncode == 1
    assert f"Type the archive name ({archive.name})" in refused.stderr
    assert "Restore cancelled: nothing was changed." in refused.stderr
    assert fingerprint(seeded.engine, seeded.db) == before

    typed = run("restore.sh", archive.name, "--quiet", env=env, stdin=f"{archive.name}\n")
    assert typed.returncode == 0, typed.stderr
    assert fingerprint(seeded.engine, seeded.db) != before


def test_scripts_refuse_bad_usage_and_a_corrupt_archive_with_one_line(services: Services, env: dict[str, str],
                                                                      tmp_path: Path) -> None:
    no_archive = run("restore.sh", env=env)
    assert no_archive.returncode == 2 and no_archive.stderr.startswith("usage: restore.sh ARCHIVE")
    unknown = run("backup.sh", "--frobnicate", env=env)
    assert unknown.returncode == 2 and unknown.stderr.startswith("usage: backup.sh")

    archive = written_archive(run("backup.sh", "--quiet", env=env))
    corrupt = tmp_path / archive.name
    corrupt.write_bytes(archive.read_bytes()[:-100])

    verify = run("backup.sh", "--verify", str(corrupt), env=env)
    restore = run("restore.sh", str(corrupt), "--yes", "--quiet", env=env)

    for result in (verify, restore):
        assert result.returncode == 1
        assert result.stdout == ""
        assert result.stderr.count("\n") == 1 and "truncated or corrupt" in result.stderr


def test_scripts_go_through_docker_compose_when_the_stack_is_running(env: dict[str, str], tmp_path: Path) -> None:
    # A stand-in `docker` that says the app service runs and records what it is asked:
    # the scripts' own branching is under test here, not Docker.
    calls = tmp_path / "docker-calls"
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    docker = fake_bin / "docker"
    docker.write_text(
        "#!/bin/sh\n"
        f'echo "$*" >> "{calls}"\n'
        'case "$*" in "compose ps"*) echo postgres; echo app; echo mongo ;; esac\n'
    )
    docker.chmod(0o755)
    outside = tmp_path / "skillhub-20261122T090000Z.tar.gz"
    outside.write_bytes(b"archive bytes")
    compose_env = {**env, "PATH": f"{fake_bin}{os.pathsep}{env['PATH']}"}
    shared = ROOT / "backups"
    shared_existed = shared.exists()

    backup = run("backup.sh", "--quiet", env=compose_env)
    restore = run("restore.sh", str(outside), "--yes", env=compose_env)

    assert backup.returncode == 0 and restore.returncode == 0, backup.stderr + restore.stderr
    recorded = calls.read_text().splitlines()
    assert "compose exec -T app skillhub backup --quiet" in recorded
    assert f"compose exec -T app skillhub restore /backups/{outside.name} --yes" in recorded
    copied = shared / outside.name
    try:
        assert copied.read_bytes() == b"archive bytes"
    finally:
        copied.unlink(missing_ok=True)
        if not shared_existed:
            shared.rmdir()

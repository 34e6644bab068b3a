"""The directories the settings name (SKILLHUB_DATA_DIR, SKILLHUB_BACKUP_DIR): made, or refused in one line."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from domain.errors import StorageError
from domain.infrastructure.directories import directory_problem, ensure_directory
from domain.models.users import SYSTEM
from domain.services.backup import BACKUP_ACTION
from domain.services.container import Services
from tests.conftest import TEST_SECRET
from tests.foundation.conftest import run_module
from tui.cli.backup import os_user


@pytest.fixture
def blocker(tmp_path: Path) -> Path:
    """A plain file where a directory is wanted."""
    path = tmp_path / "a-file"
    path.write_text("in the way")
    return path


def _cli_env(services: Services, tmp_path: Path, **overrides: str) -> dict[str, str]:
    return {"DATABASE_URL": services.endpoints.database_url, "MONGO_URL": services.endpoints.mongo_url,
            "MONGO_DB": services.endpoints.mongo_db, "SKILLHUB_SECRET_KEY": TEST_SECRET,
            "SKILLHUB_DATA_DIR": str(tmp_path / "data"), **overrides}


def test_a_directory_is_made_private_with_its_parents(tmp_path: Path) -> None:
    made = ensure_directory(tmp_path / "a" / "b", "SKILLHUB_BACKUP_DIR")

    assert made.is_dir() and stat.S_IMODE(made.stat().st_mode) == 0o700
    assert ensure_directory(made, "SKILLHUB_BACKUP_DIR") == made
    assert directory_problem(made, "SKILLHUB_BACKUP_DIR") is None
    # Not there yet but creatable: nothing to say, and nothing is created by asking.
    assert directory_problem(tmp_path / "c" / "d", "SKILLHUB_BACKUP_DIR") is None
    assert not (tmp_path / "c").exists()


@pytest.mark.parametrize("below", [False, True], ids=["is-the-file", "under-the-file"])
def test_a_file_in_the_way_is_named(blocker: Path, below: bool) -> None:
    wanted = blocker / "backups" / "daily" if below else blocker
    expected = (f"SKILLHUB_BACKUP_DIR {wanted} cannot be created: {blocker} is a file, not a directory" if below
                else f"SKILLHUB_BACKUP_DIR {wanted} is a file, not a directory")

    with pytest.raises(StorageError) as refused:
        ensure_directory(wanted, "SKILLHUB_BACKUP_DIR")

    assert refused.value.message == expected
    assert directory_problem(wanted, "SKILLHUB_BACKUP_DIR") == expected


def test_a_directory_this_user_may_not_write_in_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The suite may run as root, who may write anywhere: the refusal is played at the system calls.
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access

    def access(path: object, mode: int, **kwargs: object) -> bool:
        return False if Path(str(path)) == locked and mode & os.W_OK else real_access(path, mode, **kwargs)

    def mkdir(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(os, "access", access)
    with pytest.raises(StorageError) as unusable:
        ensure_directory(locked, "SKILLHUB_DATA_DIR")
    monkeypatch.setattr(Path, "mkdir", mkdir)
    with pytest.raises(StorageError) as uncreatable:
        ensure_directory(locked / "data", "SKILLHUB_DATA_DIR")

    assert unusable.value.message == f"SKILLHUB_DATA_DIR {locked} cannot be used: this user may not read and write in it"
    assert uncreatable.value.message == \
        f"SKILLHUB_DATA_DIR {locked / 'data'} cannot be created: this user may not write in {locked}"


def test_backup_command_with_a_backup_dir_under_a_file_is_one_line_exit_1_and_logged(
        services: Services, blocker: Path, tmp_path: Path) -> None:
    directory = blocker / "backups"
    env = _cli_env(services, tmp_path, SKILLHUB_BACKUP_DIR=str(directory))
    expected = (f"skillhub: SKILLHUB_BACKUP_DIR {directory} cannot be created: {blocker} is a file, "
                "not a directory")

    backup = run_module("tui.cli", ["backup", "--quiet"], env)
    listing = run_module("tui.cli", ["backup", "--list"], env)
    restore = run_module("tui.cli", ["restore", str(tmp_path / "skillhub-20261122T090000Z.tar.gz"), "--yes"], env)

    for result in (backup, listing):
        assert (result.returncode, result.stdout, result.stderr.splitlines()) == (1, "", [expected])
    # A restore of an archive that is not there says so first.
    assert restore.returncode == 1 and restore.stderr.count("\n") == 1 and "no backup archive at" in restore.stderr
    [entry] = services.db["activity_logs"].find({"action": BACKUP_ACTION})
    assert (entry["actor_email"], entry["details"]["outcome"]) == (SYSTEM.email, "failed")
    assert (entry["details"]["error"], entry["details"]["os_user"]) == (expected.removeprefix("skillhub: "), os_user())


def test_a_data_dir_under_a_file_is_one_line_exit_1(blocker: Path) -> None:
    data_dir = blocker / "data"

    result = run_module("tui.cli", ["embedded", "start"], {"SKILLHUB_DATA_DIR": str(data_dir)})

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"skillhub: SKILLHUB_DATA_DIR {data_dir} cannot be created: {blocker} is a file, not a directory"
    ]

"""The log file every `skillhub` process writes: where, with which modes, how it rotates, what lands in it."""

from __future__ import annotations

import logging
import os
import re
import stat
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from domain.config import load_settings
from domain.errors import StorageError
from domain.infrastructure.logfile import (
    LOG_NAME,
    LogSetup,
    SharedRotatingFileHandler,
    configure_logging,
    log_unexpected,
    output_to_log,
)
from tests.conftest import TEST_SECRET
from tui import cli
from tui.cli import embedded as embedded_command
from tui.cli.exit_codes import EXIT_ERROR

LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z pid=\d+ (INFO|WARNING|ERROR) [\w.]+: ")


def test_the_log_dir_defaults_to_the_data_dir_and_follows_skillhub_log_dir(tmp_path: Path) -> None:
    env = {"SKILLHUB_DATA_DIR": str(tmp_path / "data")}
    assert load_settings(env, env_file=Path(os.devnull)).logs_dir == tmp_path / "data" / "logs"
    env["SKILLHUB_LOG_DIR"] = str(tmp_path / "elsewhere")
    assert load_settings(env, env_file=Path(os.devnull)).logs_dir == tmp_path / "elsewhere"


def test_directory_and_file_are_created_private_whatever_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        setup = configure_logging(tmp_path / "a" / "logs")
        logging.getLogger("skillhub").warning("first line")
    finally:
        os.umask(previous)
    setup.close()
    assert setup.path == tmp_path / "a" / "logs" / LOG_NAME
    assert stat.S_IMODE(setup.path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(setup.path.stat().st_mode) == 0o600
    assert LINE.match(setup.path.read_text())


def test_a_log_dir_that_cannot_be_created_is_one_line_naming_it(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    # Like every directory a setting names (see domain/infrastructure/directories.py): exit 1, not 2.
    with pytest.raises(StorageError, match="SKILLHUB_LOG_DIR .*a-file/logs cannot be created: .*a-file is a file"):
        configure_logging(blocker / "logs")


def test_an_unexpected_error_is_logged_with_its_id_and_traceback(logs: LogSetup) -> None:
    try:
        raise RuntimeError("boom\nsecond line with parameters")
    except RuntimeError as exc:
        error_id = log_unexpected(exc, "in a test")
    assert re.fullmatch(r"[0-9a-f]{8}", error_id)
    text = logs.path.read_text()
    assert f"ERROR skillhub: error {error_id}: unexpected RuntimeError in a test: boom\n" in text
    assert "Traceback (most recent call last)" in text and "RuntimeError: boom" in text


def test_processes_sharing_the_file_rotate_it_once_and_follow_the_new_file(tmp_path: Path) -> None:
    path = tmp_path / LOG_NAME
    first, second = SharedRotatingFileHandler(path), SharedRotatingFileHandler(path)
    for handler in (first, second):
        handler.maxBytes = 300
    try:
        def write(handler: SharedRotatingFileHandler, text: str) -> None:
            handler.handle(logging.makeLogRecord({"msg": text, "levelno": logging.INFO, "levelname": "INFO"}))

        write(first, "a" * 200)
        write(first, "b" * 200)  # first rotates: the a's go to skillhub.log.1
        write(second, "c" * 50)  # second notices and writes to the new file, not to .1
        write(second, "d" * 200)  # over the limit again: second rotates
        write(first, "e" * 10)
    finally:
        first.close()
        second.close()
    assert (tmp_path / f"{LOG_NAME}.2").read_text() == "a" * 200 + "\n"
    assert (tmp_path / f"{LOG_NAME}.1").read_text() == "b" * 200 + "\n" + "c" * 50 + "\n"
    assert path.read_text() == "d" * 200 + "\n" + "e" * 10 + "\n"
    assert {stat.S_IMODE(p.stat().st_mode) for p in tmp_path.glob(f"{LOG_NAME}*")} == {0o600}


def test_while_the_tui_owns_the_terminal_every_other_output_goes_to_the_log(
        logs: LogSetup, capfd: pytest.CaptureFixture[str]) -> None:
    with output_to_log(logs.path) as terminal:
        os.write(1, b"written to fd 1 by a C library\n")
        os.write(2, b"written to fd 2 by a C library\n")
        child = "import sys; print('child stdout'); print('child stderr', file=sys.stderr)"
        subprocess.run([sys.executable, "-c", child], check=True)
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.warn("a library's warning", UserWarning, stacklevel=1)
        terminal.write("drawn by the TUI\n")
        terminal.flush()
    captured = capfd.readouterr()
    assert captured.out == ""
    assert captured.err == "drawn by the TUI\n"
    text = logs.path.read_text()
    for line in ("written to fd 1 by a C library", "written to fd 2 by a C library", "child stdout", "child stderr",
                 "WARNING py.warnings: ", "a library's warning"):
        assert line in text
    # Afterwards the process writes to the terminal again.
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "after\n"


def _cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ("DATABASE_URL", "MONGO_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SKILLHUB_ENV_FILE", os.devnull)
    monkeypatch.setenv("SKILLHUB_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("SKILLHUB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SKILLHUB_LOG_DIR", str(tmp_path / "logs"))
    return tmp_path / "logs" / LOG_NAME


def _broken(settings: object, args: object) -> int:
    raise RuntimeError("relation does not exist\n[parameters: {'password_hash': '$2b$12$...'}]")


def test_cli_prints_one_line_with_the_error_id_and_logs_the_traceback(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    log_path = _cli_env(monkeypatch, tmp_path)
    monkeypatch.setattr(embedded_command, "cmd_embedded", _broken)
    assert cli.main(["embedded", "status"]) == EXIT_ERROR
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    found = re.fullmatch(r"skillhub: unexpected error: RuntimeError: relation does not exist "
                         r"\(error id ([0-9a-f]{8}), logged in (.+)\)", lines[0])
    assert found and found.group(2) == str(log_path)
    text = log_path.read_text()
    assert f"ERROR skillhub: error {found.group(1)}: unexpected RuntimeError in 'skillhub embedded'" in text
    assert "Traceback (most recent call last)" in text and "password_hash" in text


def test_cli_with_v_adds_the_traceback_after_the_line(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _cli_env(monkeypatch, tmp_path)
    monkeypatch.setattr(embedded_command, "cmd_embedded", _broken)
    assert cli.main(["-v", "embedded", "status"]) == EXIT_ERROR
    err = capsys.readouterr().err
    first, *rest = err.splitlines()
    assert first.startswith("skillhub: unexpected error: RuntimeError: relation does not exist (error id ")
    assert rest[0] == "Traceback (most recent call last):"
    assert "RuntimeError: relation does not exist" in rest


def test_cli_leaves_no_logging_handler_behind(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _cli_env(monkeypatch, tmp_path)
    before = list(logging.getLogger().handlers)
    monkeypatch.setattr(embedded_command, "cmd_embedded", lambda settings, args: 0)
    assert cli.main(["embedded", "status"]) == 0
    assert logging.getLogger().handlers == before

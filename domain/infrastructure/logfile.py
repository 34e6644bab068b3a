"""The log file every `skillhub` process writes, and the error ids that point into it.

`$SKILLHUB_LOG_DIR/skillhub.log` (default `$SKILLHUB_DATA_DIR/logs`): the directory is created
0700 and the files 0600 (never widened afterwards), rotated at 5 MB with 5 older files kept.
Several processes share the file (TUI sessions, CLI commands): a lock file serialises the
rotation, and a process whose file was rotated by another one reopens the new file.

One line per record, times in UTC, a traceback under the line when there is one:

    2026-11-22T09:00:00.123Z pid=4242 ERROR skillhub.tui: error 1f2e3d4c: unexpected RuntimeError …

An unexpected error is logged with a short id (8 hex digits) that the user is shown, so a
report ("error 1f2e3d4c") leads to its traceback and context.
"""

from __future__ import annotations

import fcntl
import io
import logging
import os
import secrets
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import TextIO

from domain.errors import StorageError
from domain.infrastructure.directories import LOG_DIR_SETTING, ensure_directory

LOG_NAME = "skillhub.log"
MAX_BYTES = 5 * 1024 * 1024
BACKUP_COUNT = 5
FILE_MODE = 0o600
LINE_FORMAT = "%(asctime)s.%(msecs)03dZ pid=%(process)d %(levelname)s %(name)s: %(message)s"
# Records marked so go to the log file only: the caller tells the person in its own words.
FILE_ONLY = "skillhub_file_only"

log = logging.getLogger("skillhub")


def new_error_id() -> str:
    """A short id for one unexpected error, shown to the user and written in the log."""
    return secrets.token_hex(4)


def log_unexpected(error: BaseException, where: str, logger: logging.Logger = log) -> str:
    """Log `error` with its traceback, where it happened and a new id (log file only); return the id."""
    error_id = new_error_id()
    logger.error("error %s: unexpected %s %s: %s", error_id, type(error).__name__, where, first_line(error),
                 exc_info=(type(error), error, error.__traceback__), extra={FILE_ONLY: True})
    return error_id


def first_line(error: BaseException, limit: int = 200) -> str:
    """The first line of an error's text (driver errors go on with the SQL and its parameters)."""
    return (str(error).strip().splitlines() or [""])[0][:limit]


def open_private(path: Path) -> int:
    """Open `path` for appending, created with mode 0600 (an existing file keeps its mode)."""
    return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, FILE_MODE)


class SharedRotatingFileHandler(RotatingFileHandler):
    """A rotating file handler that creates its files 0600 and shares them with other processes."""

    def __init__(self, path: Path) -> None:
        self._lock_path = path.with_name(path.name + ".lock")
        super().__init__(path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8", errors="replace")

    def _open(self) -> io.TextIOWrapper:
        return open(open_private(Path(self.baseFilename)), "a", encoding=self.encoding, errors=self.errors)

    def _rotated_elsewhere(self) -> bool:
        """True when another process renamed the file this handler writes to."""
        if self.stream is None:
            return False
        try:
            return os.stat(self.baseFilename).st_ino != os.fstat(self.stream.fileno()).st_ino
        except OSError:
            return True

    def _reopen(self) -> None:
        if self.stream is not None:
            self.stream.close()
        self.stream = self._open()

    def shouldRollover(self, record: logging.LogRecord) -> bool:  # noqa: N802 - logging's name
        if self._rotated_elsewhere():
            self._reopen()
        return bool(super().shouldRollover(record))

    def doRollover(self) -> None:  # noqa: N802 - logging's name
        lock = os.open(self._lock_path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, FILE_MODE)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            # Another process may have rotated while this one waited: then only reopen.
            if self._rotated_elsewhere():
                self._reopen()
            else:
                super().doRollover()
        finally:
            os.close(lock)


class _FileFormatter(logging.Formatter):
    converter = time.gmtime  # type: ignore[assignment]  # UTC times

    def __init__(self) -> None:
        super().__init__(LINE_FORMAT, datefmt="%Y-%m-%dT%H:%M:%S")


class _TerminalFormatter(logging.Formatter):
    """One line per record; the traceback too when `tracebacks` (the CLI's -v)."""

    def __init__(self, tracebacks: bool) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s")
        self._tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        if not self._tracebacks and (record.exc_info or record.exc_text):
            record = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None})
        return super().format(record)


def _not_file_only(record: logging.LogRecord) -> bool:
    return not getattr(record, FILE_ONLY, False)


@dataclass
class LogSetup:
    """What `configure_logging` installed, to find the file and to undo it (tests)."""

    path: Path
    file_handler: logging.Handler
    terminal_handler: logging.Handler | None
    _previous_level: int
    _previous_thread_hook: object

    @contextmanager
    def terminal_silenced(self) -> Iterator[None]:
        """Detach the terminal handler (while the TUI owns the terminal)."""
        root = logging.getLogger()
        if self.terminal_handler is not None:
            root.removeHandler(self.terminal_handler)
        try:
            yield
        finally:
            if self.terminal_handler is not None:
                root.addHandler(self.terminal_handler)

    def close(self) -> None:
        root = logging.getLogger()
        for handler in (self.file_handler, self.terminal_handler):
            if handler is not None:
                root.removeHandler(handler)
                handler.close()
        root.setLevel(self._previous_level)
        logging.captureWarnings(False)
        threading.excepthook = self._previous_thread_hook  # type: ignore[assignment]


def _log_thread_error(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None and not isinstance(args.exc_value, SystemExit):
        name = args.thread.name if args.thread is not None else "?"
        log_unexpected(args.exc_value, f"in thread {name!r}")


def current_log_path() -> Path | None:
    """The log file this process writes to, if `configure_logging` set one up."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, SharedRotatingFileHandler):
            return Path(handler.baseFilename)
    return None


def ensure_log_dir(log_dir: Path) -> Path:
    """Create the log directory 0700 (parents too) and return the log file's path; StorageError
    naming SKILLHUB_LOG_DIR and the reason when it cannot be made or written in."""
    ensure_directory(log_dir, LOG_DIR_SETTING)
    return log_dir / LOG_NAME


def configure_logging(log_dir: Path, *, verbose: bool = False, terminal: TextIO | None = None) -> LogSetup:
    """Send every record (SkillHub's, libraries', Python warnings, uncaught thread errors) to the log file.

    With `terminal` (the CLI passes stderr), warnings also go there as one line each, or
    everything from INFO with tracebacks when `verbose`; records marked FILE_ONLY never do.
    """
    path = ensure_log_dir(log_dir)
    try:
        file_handler: logging.Handler = SharedRotatingFileHandler(path)
    except OSError as exc:
        raise StorageError(f"the log file {path} cannot be opened: {exc.strerror or exc}") from None
    file_handler.setFormatter(_FileFormatter())
    file_handler.setLevel(logging.INFO)
    root = logging.getLogger()
    previous_level = root.level
    root.setLevel(logging.INFO)
    root.addHandler(file_handler)
    terminal_handler: logging.Handler | None = None
    if terminal is not None:
        terminal_handler = logging.StreamHandler(terminal)
        terminal_handler.setLevel(logging.INFO if verbose else logging.WARNING)
        terminal_handler.setFormatter(_TerminalFormatter(tracebacks=verbose))
        terminal_handler.addFilter(_not_file_only)
        root.addHandler(terminal_handler)
    logging.captureWarnings(True)
    previous_hook = threading.excepthook
    threading.excepthook = _log_thread_error
    return LogSetup(path, file_handler, terminal_handler, previous_level, previous_hook)


@contextmanager
def output_to_log(path: Path) -> Iterator[io.TextIOWrapper]:
    """Point file descriptors 1 and 2 at the log file; yield a stream on the original stderr.

    For the time the TUI owns the terminal: whatever a library, a C extension or a child
    process (pg_dump, pg_restore, a server started now) writes to stdout or stderr lands in
    the log file, unformatted, instead of over the screen. The TUI draws on the stream yielded.
    """
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    saved = [os.dup(1), os.dup(2)]
    target = open_private(path)
    encoding = getattr(sys.__stderr__, "encoding", None) or "utf-8"
    terminal = open(os.dup(saved[1]), "w", encoding=encoding, errors="replace", closefd=True)
    log.info("the TUI takes the terminal: output of other code and child processes follows, unformatted")
    try:
        os.dup2(target, 1)
        os.dup2(target, 2)
        yield terminal
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, target):
            os.close(fd)
        terminal.close()
        log.info("the TUI gave the terminal back")

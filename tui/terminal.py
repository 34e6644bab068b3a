"""Running the TUI on a terminal that nothing else writes to.

Textual's Linux driver draws on `sys.__stderr__`, the same file descriptor that Python
warnings, logging handlers, C libraries and child processes (pg_dump, pg_restore) write to.
While the TUI runs, descriptors 1 and 2 point at the log file (see `output_to_log`) and the
driver draws on a copy of the original stderr that only it holds.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.driver import Driver
from textual.drivers.linux_driver import LinuxDriver

from domain.infrastructure.logfile import LogSetup, output_to_log

if TYPE_CHECKING:
    from domain.services.container import Services
    from tui.startup import ServicesStartup


def driver_on(terminal: io.TextIOWrapper) -> type[Driver]:
    """Textual's Linux driver, drawing on `terminal` instead of `sys.__stderr__`."""

    class TerminalDriver(LinuxDriver):
        def __init__(self, app: App[Any], **kwargs: Any) -> None:
            super().__init__(app, **kwargs)
            self._file = terminal

        def _get_terminal_size(self) -> tuple[int, int]:
            # shutil asks stdout, which now points at the log file.
            try:
                size = os.get_terminal_size(terminal.fileno())
            except OSError:
                return super()._get_terminal_size()
            return size.columns or 80, size.lines or 25

    return TerminalDriver


@contextmanager
def quiet_terminal(logs: LogSetup) -> Iterator[type[Driver] | None]:
    """For the time of the block, fds 1 and 2 go to the log file; yields the driver class that
    draws on the terminal (None where Textual's own driver must do, on Windows)."""
    if sys.platform == "win32":
        yield None
        return
    with logs.terminal_silenced(), output_to_log(logs.path) as terminal:
        yield driver_on(terminal)


def run_quietly(services: Services | ServicesStartup, logs: LogSetup) -> str | None:
    """Run the TUI with every other output sent to the log file; the id of the error that stopped it, if any.

    Given a ServicesStartup, the login screen shows first and the services are prepared behind it."""
    from tui.app import SkillHubApp

    with quiet_terminal(logs) as driver:
        app = SkillHubApp(services, driver_class=driver)
        app.run()
    return app.crash_id

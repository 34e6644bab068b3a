"""Services prepared behind the login screen.

`skillhub` shows the login screen first and prepares the rest in a thread worker: importing
the database libraries, starting or reaching the servers, checking the schema, warming the
password hasher. `ServicesStartup` is what the app holds meanwhile; a login sent before the
services are ready waits for them (`wait`), and one sent after a failed start tries again.
This module imports nothing heavy: the app imports it before its first frame.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from domain.services.container import Services


class ServicesStartup:
    """The services once `prepare` has returned them, and the password hasher warmed up.

    `run()` prepares them (the app calls it from a worker after its first frame); `wait()`
    returns them, blocking until they are ready, and raises what the last attempt raised
    after trying once more (a database that was down may be up by the next login).
    """

    def __init__(self, prepare: Callable[[], Services]) -> None:
        self._prepare = prepare
        self._lock = threading.Lock()
        self._services: Services | None = None

    @classmethod
    def ready_with(cls, services: Services) -> ServicesStartup:
        """Services built already (tests, an SSH session's app): nothing left to prepare."""
        startup = cls(lambda: services)
        startup._services = services
        return startup

    @property
    def ready(self) -> bool:
        return self._services is not None

    @property
    def services(self) -> Services | None:
        """The services if ready, without waiting."""
        return self._services

    def run(self) -> Services:
        """Prepare the services if no one has (blocking); raise what preparing them raised."""
        with self._lock:
            if self._services is None:
                services = self._prepare()
                # The dummy hash an unknown email is checked against is made now, behind the
                # login screen and before any login is answered: from the first attempt, an
                # unknown email costs one bcrypt check, as a known one does.
                services.auth.warm_up()
                self._services = services
            return self._services

    def settle(self) -> None:
        """Wait for a start under way to end (the app has ended: what it opens must be closed)."""
        with self._lock:
            pass

    def wait(self) -> Services:
        """The services, once ready: waits for a start under way, tries again after a failed one."""
        services = self._services
        return services if services is not None else self.run()

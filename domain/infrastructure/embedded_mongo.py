"""The embedded MongoDB: the `nx-27017` wire-protocol server, its SQLite files under SKILLHUB_DATA_DIR."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from domain.errors import EmbeddedServerError
from domain.infrastructure.processes import (
    START_TIMEOUT_S,
    ServerStatus,
    free_port,
    pid_alive,
    port_is_free,
    wait_for_port,
)


class EmbeddedMongo:
    """One nx-27017 MongoDB wire-protocol server with its SQLite files in `<data_dir>/mongo`."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.db_dir = data_dir / "mongo"
        # Each instance gets its own PID file: the default /tmp one would be shared.
        self.pid_file = data_dir / "nx-27017.pid"
        self.log_file = data_dir / "nx-27017.log"
        self.port_file = data_dir / "nx-27017.port"

    def _command(self) -> list[str]:
        script = Path(sys.executable).parent / "nx-27017"
        if script.exists():
            return [str(script)]
        return [sys.executable, "-c", "import sys; from nx_27017.nx_27017 import main; sys.exit(main())"]

    def pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def running_port(self) -> int | None:
        if not pid_alive(self.pid()):
            return None
        try:
            return int(self.port_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def ensure_running(self, preferred_port: int | None) -> int:
        port = self.running_port()
        if port is not None:
            return port
        self.db_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.pid_file.unlink(missing_ok=True)
        port = preferred_port if preferred_port and port_is_free(preferred_port) else free_port()
        result = subprocess.run(
            [
                *self._command(), "--daemon", "--host", "127.0.0.1", "--port", str(port),
                "--data-dir", str(self.db_dir), "--pid-file", str(self.pid_file), "--log-file", str(self.log_file),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            timeout=START_TIMEOUT_S,
            cwd=str(self.data_dir),
        )
        if result.returncode != 0:
            raise EmbeddedServerError(f"nx-27017 failed to start: {result.stderr.strip()[-200:]} (log: {self.log_file})")
        self.port_file.write_text(str(port))
        if not wait_for_port(port, START_TIMEOUT_S):
            raise EmbeddedServerError(f"nx-27017 did not open port {port} (log: {self.log_file})")
        return port

    def url(self, port: int) -> str:
        return f"mongodb://127.0.0.1:{port}/?directConnection=true"

    def stop(self) -> bool:
        pid = self.pid()
        if not pid_alive(pid):
            self.pid_file.unlink(missing_ok=True)
            return False
        assert pid is not None
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        return True

    def status(self) -> ServerStatus:
        pid = self.pid()
        alive = pid_alive(pid)
        return ServerStatus("MongoDB wire server (nx-27017)", alive, pid if alive else None, self.running_port(), self.db_dir)

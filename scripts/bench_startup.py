"""Launch → login screen visible: `skillhub` next to a bare Textual app with the same widgets.

Both run in a pseudo-terminal (80x24 by default), interleaved, until the login card's text
("Log in with your email") is on the terminal; the script prints min / median / max for
each, the ratio of medians, and the resident memory (RSS) of each process at that moment.

Warm (default): the embedded servers of a scratch data directory are started and seeded
first (`skillhub prepare`), as on any day after the first. `--cold`: every run gets a new,
empty data directory (initdb, migrations, demo data), and the servers are stopped after.
Your own data directory is never used.

    .venv/bin/python scripts/bench_startup.py               # 10 runs each
    .venv/bin/python scripts/bench_startup.py --runs 20 --size 120x40
    .venv/bin/python scripts/bench_startup.py --cold --runs 5
"""

from __future__ import annotations

import argparse
import fcntl
import os
import re
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MARKER = "Log in with your email"
# CSI and OSC sequences, and the single-character escapes Textual sends.
_ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[=>()][0-9A-Za-z]?")


@dataclass(frozen=True)
class Launch:
    """One launch: seconds until the marker was on screen, and the process's RSS then (KiB)."""

    seconds: float
    rss_kib: int


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _controlling_tty() -> None:
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def open_pty(argv: list[str], env: dict[str, str], size: tuple[int, int]) -> tuple[subprocess.Popen[bytes], int]:
    """Start `argv` on a new pty of `size` (columns, rows) that is its controlling terminal."""
    master, slave = os.openpty()
    columns, rows = size
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT,
                               preexec_fn=_controlling_tty, close_fds=True)
    os.close(slave)
    return process, master


def launch(argv: list[str], env: dict[str, str], size: tuple[int, int], timeout: float = 60.0,
           quit_within: float = 5.0) -> Launch:
    """Start `argv` on a new pty of `size` (columns, rows); return when MARKER is visible.

    Then ctrl+q; a process that has not ended within `quit_within` seconds is killed."""
    started = time.perf_counter()
    process, master = open_pty(argv, env, size)
    seen = b""
    elapsed: float | None = None
    rss = 0
    try:
        deadline = started + timeout
        while time.perf_counter() < deadline:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                seen += chunk
                if MARKER.encode() in _ESCAPES.sub(b"", seen):
                    elapsed = time.perf_counter() - started
                    rss = _rss_kib(process.pid)
                    break
            elif process.poll() is not None:
                break
        if elapsed is None:
            tail = _ESCAPES.sub(b"", seen)[-400:].decode(errors="replace")
            raise SystemExit(f"{argv[0]}: the login screen never showed (exit {process.poll()}): …{tail}")
        return Launch(elapsed, rss)
    finally:
        _quit(process, master, quit_within)


def _quit(process: subprocess.Popen[bytes], master: int, within: float = 5.0) -> None:
    """ctrl+q, as a person would; a kill if the app does not go within `within` seconds."""
    try:
        os.write(master, b"\x11")
    except OSError:
        pass
    deadline = time.monotonic() + within
    while process.poll() is None and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.05)
        if ready:
            try:
                os.read(master, 65536)
            except OSError:
                break
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
        process.wait()
    os.close(master)


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MONGO_URL", "SKILLHUB_ENV_FILE")}
    env.update(TERM="xterm-256color", SKILLHUB_DATA_DIR=str(data_dir), SKILLHUB_ENV_FILE=os.devnull,
               TEXTUAL_ANIMATIONS="none")
    return env


def _skillhub(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(BIN / "skillhub"), *args], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _summary(name: str, launches: list[Launch]) -> tuple[str, float]:
    seconds = [launch.seconds for launch in launches]
    median = statistics.median(seconds)
    rss = statistics.median(launch.rss_kib for launch in launches) / 1024
    return (f"{name:<28} {min(seconds):6.3f} {median:6.3f} {max(seconds):6.3f}   {rss:6.1f} MiB", median)


def warm(runs: int, size: tuple[int, int]) -> None:
    with tempfile.TemporaryDirectory(prefix="skillhub-bench-startup-") as tmp:
        data_dir = Path(tmp) / "data"
        env = _env(data_dir)
        _skillhub(env, "prepare")
        try:
            bare_argv = [sys.executable, str(ROOT / "scripts" / "bare_login.py")]
            app_argv = [str(BIN / "skillhub")]
            bare: list[Launch] = []
            app: list[Launch] = []
            # One of each first, unmeasured: the page cache then holds both programs' files.
            launch(bare_argv, env, size)
            launch(app_argv, env, size)
            for index in range(runs):
                order = [(bare_argv, bare), (app_argv, app)]
                for argv, into in order if index % 2 == 0 else reversed(order):
                    into.append(launch(argv, env, size))
        finally:
            _skillhub(env, "embedded", "stop")
    print(f"launch → login screen visible, {runs} runs each, interleaved, {size[0]}x{size[1]}, servers running")
    print(f"{'':<28} {'min':>6} {'median':>6} {'max':>6}   RSS at login")
    bare_line, bare_median = _summary("bare Textual login app", bare)
    app_line, app_median = _summary("skillhub", app)
    print(bare_line)
    print(app_line)
    bare_rss = statistics.median(x.rss_kib for x in bare)
    app_rss = statistics.median(x.rss_kib for x in app)
    print(f"ratio (medians): time {app_median / bare_median:.2f}×, RSS {app_rss / bare_rss:.2f}×"
          f"   (goals: ≤ 1.5× and ≤ 1.5×)")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def cold(runs: int, size: tuple[int, int]) -> None:
    launches: list[Launch] = []
    for _ in range(runs):
        tmp = Path(tempfile.mkdtemp(prefix="skillhub-bench-cold-"))
        env = _env(tmp / "data")
        try:
            # The login shows before the servers are up; quit waits for their start to end
            # (a kill would leave it half done), so it is given the time of a cold start.
            launches.append(launch([str(BIN / "skillhub")], env, size, timeout=120, quit_within=120))
        finally:
            _skillhub(env, "embedded", "stop")
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"cold start (new data directory each run) → login screen visible, {runs} runs, {size[0]}x{size[1]}")
    print(f"{'':<28} {'min':>6} {'median':>6} {'max':>6}   RSS at login")
    line, median = _summary("skillhub, cold", launches)
    print(line)
    print(f"goal: ≤ 2.5 s; median {median:.2f} s")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--size", default="80x24", help="terminal size, COLUMNSxROWS")
    parser.add_argument("--cold", action="store_true", help="a new data directory for every run")
    args = parser.parse_args()
    columns, _, rows = args.size.partition("x")
    size = (int(columns), int(rows))
    (cold if args.cold else warm)(args.runs, size)


if __name__ == "__main__":
    main()

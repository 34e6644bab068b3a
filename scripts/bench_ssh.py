"""Time an SSH login to SkillHub's first frame, and measure the memory of sessions and server.

Runs on a scratch pair of embedded servers (a temporary directory, stopped at the end):
creates five learners (bcrypt at the production cost, 12, unless --rounds), starts
`skillhub ssh serve --port 0` as a separate process, then

- logs in `--logins` times (default 10) with a password and as many times with a key,
  each time from TCP connect to the first frame that shows the person's name on Home,
  and prints the medians next to their floors: one bcrypt check at the same cost (the
  share of a password login no server can avoid) and the import time of the app in a
  fresh interpreter (what the fork server saves each login);
- opens five sessions at once and prints each app's proportional set size (PSS: its
  private pages plus its share of the pages it shares with the fork server and its
  siblings), the fork server's, and the SSH server's own.

    .venv/bin/python scripts/bench_ssh.py
    .venv/bin/python scripts/bench_ssh.py --logins 20 --rounds 10
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import asyncssh
import bcrypt

from domain.bootstrap import SkillHub
from domain.devdata.scratch import scratch_skillhub
from domain.models.users import SYSTEM, Role

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench password 123"
SESSIONS = 5


def start_server(skillhub: SkillHub) -> tuple[subprocess.Popen[str], int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SKILLHUB_", "DATABASE_", "MONGO_"))}
    env.update({
        "SKILLHUB_ENV_FILE": os.devnull, "DATABASE_URL": skillhub.resources.endpoints.database_url,
        "MONGO_URL": skillhub.resources.endpoints.mongo_url, "MONGO_DB": skillhub.resources.endpoints.mongo_db,
        "SKILLHUB_SECRET_KEY": skillhub.resources.endpoints.secret_key, "SKILLHUB_DATA_DIR": str(skillhub.resources.settings.data_dir),
        "SKILLHUB_BCRYPT_ROUNDS": str(skillhub.resources.settings.bcrypt_rounds),
    })
    process = subprocess.Popen([sys.executable, "-m", "tui.cli", "ssh", "serve", "--port", "0"], cwd=ROOT, env=env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        match = re.search(r"listening on [\d.]+:(\d+)", line)
        if match:
            return process, int(match.group(1))
    raise SystemExit("the SSH server did not start")


async def first_frame(port: int, email: str, name: str, password: str | None = None,
                      key: asyncssh.SSHKey | None = None) -> tuple[float, float]:
    """(seconds to authenticate, seconds from then to the first frame naming the person); quits after."""
    started = time.perf_counter()
    async with asyncssh.connect("127.0.0.1", port, username=email, password=password,
                                client_keys=[key] if key else None, known_hosts=None, agent_path=None) as conn:
        authenticated = time.perf_counter()
        process = await conn.create_process(term_type="xterm-256color", term_size=(100, 30), encoding=None)
        seen, wanted = b"", f"{name} <{email}>".encode()
        while wanted not in seen:
            chunk = await asyncio.wait_for(process.stdout.read(65536), 60)
            if not chunk:
                raise SystemExit(f"the session ended before its first frame: {seen[-300:]!r}")
            seen += chunk
        drawn = time.perf_counter()
        process.stdin.write(b"\x11")
        await process.wait_closed()
    return authenticated - started, drawn - authenticated


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def memory(pid: int) -> dict[str, float]:
    """PSS, private and RSS in MiB, from /proc/PID/smaps_rollup."""
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == "kB":
            fields[parts[0].rstrip(":")] = int(parts[1]) / 1024
    return {"pss": fields.get("Pss", 0.0), "private": fields.get("Private_Clean", 0.0) + fields.get("Private_Dirty", 0.0),
            "rss": fields.get("Rss", 0.0)}


async def five_sessions(port: int, people: list[tuple[str, str]], server_pid: int) -> None:
    forks = [pid for pid in children_of(server_pid)
             if b"tui.ssh.forkserver" in Path(f"/proc/{pid}/cmdline").read_bytes()][0]
    connections, processes = [], []
    for email, _name in people:
        conn = await asyncssh.connect("127.0.0.1", port, username=email, password=PASSWORD, known_hosts=None,
                                      client_keys=None, agent_path=None)
        process = await conn.create_process(term_type="xterm-256color", term_size=(100, 30), encoding=None)
        seen = b""
        while f"<{email}>".encode() not in seen:
            seen += await asyncio.wait_for(process.stdout.read(65536), 60)
        connections.append(conn)
        processes.append(process)
    await asyncio.sleep(2)  # let every app settle (workers done, first collection passed)
    apps = [memory(pid) for pid in children_of(forks)]
    fork, server = memory(forks), memory(server_pid)
    print(f"\nMemory with {len(apps)} sessions open (MiB; PSS counts shared pages split between their users):")
    for n, app in enumerate(apps, 1):
        print(f"  session {n}: PSS {app['pss']:6.1f}  private {app['private']:6.1f}  RSS {app['rss']:6.1f}")
    print(f"  per session: PSS median {statistics.median(a['pss'] for a in apps):.1f}, "
          f"private median {statistics.median(a['private'] for a in apps):.1f}")
    print(f"  fork server: PSS {fork['pss']:6.1f}  private {fork['private']:6.1f}  RSS {fork['rss']:6.1f}")
    print(f"  SSH server:  PSS {server['pss']:6.1f}  private {server['private']:6.1f}  RSS {server['rss']:6.1f}")
    total = sum(a["pss"] for a in apps) + fork["pss"] + server["pss"]
    print(f"  all together: PSS {total:.1f}")
    for process in processes:
        process.stdin.write(b"\x11")
    for process, conn in zip(processes, connections, strict=True):
        await process.wait_closed()
        conn.close()


def fresh_import_seconds() -> float:
    """Import the app in a new interpreter, as a login would without the fork server."""
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import tui.app"], cwd=ROOT, check=True)
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def bcrypt_seconds(rounds: int, count: int) -> float:
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds))
    runs = []
    for _ in range(count):
        started = time.perf_counter()
        bcrypt.checkpw(PASSWORD.encode(), hashed)
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


async def measure(port: int, people: list[tuple[str, str]], key_owner: tuple[str, str], key: asyncssh.SSHKey,
                  logins: int, server_pid: int, rounds: int) -> None:
    email, name = people[0]
    await first_frame(port, email, name, password=PASSWORD)  # warm the server's pools once
    by_password = [await first_frame(port, email, name, password=PASSWORD) for _ in range(logins)]
    by_key = [await first_frame(port, *key_owner, key=key) for _ in range(logins)]
    check = bcrypt_seconds(rounds, logins)
    imports = fresh_import_seconds()

    def line(label: str, runs: list[tuple[float, float]]) -> str:
        auth = statistics.median(a for a, _ in runs)
        frame = statistics.median(f for _, f in runs)
        total = statistics.median(a + f for a, f in runs)
        return (f"  {label:<9} login → first frame {total:.3f} s  (connect + key exchange + authentication "
                f"{auth:.3f} s, app start → first frame {frame:.3f} s)")

    print(f"Median of {logins} logins (100x30 terminal, asyncssh client on the same machine):")
    print(line("password", by_password))
    print(line("key", by_key))
    print("Floors:")
    print(f"  one bcrypt check at cost {rounds}: {check:.3f} s "
          f"({check / statistics.median(a + f for a, f in by_password):.0%} of a password login)")
    print(f"  importing the app in a fresh interpreter: {imports:.3f} s (paid once by the fork server, not per login)")
    await five_sessions(port, people, server_pid)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--logins", type=int, default=10, help="logins to time per method (default 10)")
    parser.add_argument("--rounds", type=int, default=12, help="bcrypt cost of the accounts (default 12)")
    args = parser.parse_args()
    with scratch_skillhub(bcrypt_rounds=args.rounds) as skillhub:
        people = []
        for n in range(SESSIONS):
            user = skillhub.services.users.create(SYSTEM, f"bench{n}@bench.example", f"Bench Person{n}", Role.LEARNER.value,
                                         PASSWORD)
            people.append((user.email, user.full_name))
        key = asyncssh.generate_private_key("ssh-ed25519")
        owner = skillhub.services.users.create(SYSTEM, "keyed@bench.example", "Keyed Person", Role.LEARNER.value, PASSWORD)
        skillhub.services.ssh_keys.add(SYSTEM, owner.id, key.export_public_key().decode())
        process, port = start_server(skillhub)
        try:
            asyncio.run(measure(port, people, (owner.email, owner.full_name), key, args.logins, process.pid,
                                args.rounds))
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
    return 0


if __name__ == "__main__":
    sys.exit(main())

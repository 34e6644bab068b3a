"""Helpers of the backup and restore tests: content fingerprints, data changes, archive surgery."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bson import Binary, Int64, ObjectId
from pymongo.database import Database
from sqlalchemy import Engine, text

from domain.models.users import Role
from domain.repositories.mongo.archive import encode
from domain.repositories.sql.catalog import DatabaseCatalog
from domain.services.container import Services
from tests.conftest import NOW, TEST_PASSWORD, make_user

# A table and a collection that no SkillHub module declares: the backup must cover
# whatever the database holds, not a list of known names.
PROBE = "ops_probe"


def fingerprint(engine: Engine, db: Database) -> dict[str, str]:
    """A content hash per table and per collection (plus which ones exist)."""
    prints: dict[str, str] = {}
    with engine.connect() as conn:
        for schema, name in DatabaseCatalog(conn).tables():
            prints[f"pg:{schema}.{name}"] = conn.execute(
                text(f'SELECT md5(coalesce(string_agg(t::text, chr(10) ORDER BY t::text), \'\')) FROM "{schema}"."{name}" t')
            ).scalar_one()
    for name in sorted(db.list_collection_names()):
        # `_id` first, as MongoDB itself stores it (nx-27017 leaves an upserted `_id` last).
        lines = sorted(encode({"_id": doc.pop("_id"), **doc}) for doc in db[name].find({}))
        prints[f"mongo:{name}"] = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    return prints


def ticking_clock(start: datetime = NOW) -> Callable[[], datetime]:
    """A clock one second later at every call, so archives get distinct UTC names."""
    state = {"now": start}

    def clock() -> datetime:
        state["now"] += timedelta(seconds=1)
        return state["now"]

    return clock


def drop_probe(services: Services) -> None:
    with services.engine.begin() as conn:
        conn.execute(text(f"DROP TABLE IF EXISTS {PROBE}"))
    for name in (PROBE, "stray"):
        services.db.drop_collection(name)


def rewrite_archive(source: Path, target: Path, edit: Callable[[str, bytes], bytes | None],
                    extra: dict[str, bytes] | None = None) -> Path:
    """Repack `source` into `target`, passing each member through `edit` (None drops it)."""
    with tarfile.open(source, "r:gz") as tar_in, tarfile.open(target, "w:gz") as tar_out:
        for member in tar_in.getmembers():
            handle = tar_in.extractfile(member)
            assert handle is not None
            content = edit(member.name, handle.read())
            if content is None:
                continue
            info = tarfile.TarInfo(member.name)
            info.size = len(content)
            tar_out.addfile(info, io.BytesIO(content))
        for name, content in (extra or {}).items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar_out.addfile(info, io.BytesIO(content))
    return target


def replace_member(source: Path, target: Path, member: str, change: Callable[[bytes], bytes]) -> Path:
    """Repack `source` with `member` passed through `change`, the manifest's size and SHA-256 of
    it updated to match (so that only what the change did to the content can be noticed)."""
    step = target.with_suffix(".step")
    rewrite_archive(source, step, lambda name, data: change(data) if name == member else data)
    with tarfile.open(step, "r:gz") as tar:
        handle = tar.extractfile(member)
        assert handle is not None
        changed = handle.read()

    def manifest(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        described = json.loads(data)
        described["files"][member] = {"size": len(changed), "sha256": hashlib.sha256(changed).hexdigest()}
        return json.dumps(described).encode()

    rewrite_archive(step, target, manifest)
    step.unlink()
    return target


def mutate(services: Services) -> None:
    """Change, add and delete data in both databases, the way work after a backup would."""
    admin = services.auth.authenticate(services.auth.login("admin@example.org", TEST_PASSWORD).token)
    services.users.create(admin, "late@example.org", "Late Comer", "learner", TEST_PASSWORD)
    with services.engine.begin() as conn:
        conn.execute(text("UPDATE users SET full_name = 'Renamed' WHERE email = 'trainer@example.org'"))
        conn.execute(text("DELETE FROM users WHERE email = 'learner5@example.org'"))
        conn.execute(text(f"DROP TABLE {PROBE}"))
    services.db["activity_logs"].delete_many({"action": "user.create"})
    services.db["auth_events"].drop()
    services.db["stray"].insert_one({"_id": 1, "left": "over"})
    services.db[PROBE].update_one({"_id": 3}, {"$set": {"list": []}})
    services.relay.relay()


def seed(services: Services) -> None:
    """Users, activity, login attempts, a revoked token, and a probe table and collection of varied types."""
    admin = make_user(services, "admin@example.org", Role.ADMIN, "Ada Admin")
    make_user(services, "trainer@example.org", Role.TRAINER, "Tom Trainer")
    learners = [make_user(services, f"learner{i}@example.org", Role.LEARNER, f"Learner {i}") for i in range(6)]
    services.users.change_role(admin, learners[0].user_id, "trainer")
    services.users.set_active(admin, learners[1].user_id, False)
    session = services.auth.login("admin@example.org", TEST_PASSWORD)
    services.auth.logout(session.token)
    services.auth.login("learner2@example.org", TEST_PASSWORD)
    try:
        services.auth.login("learner3@example.org", "wrong password!!")
    except Exception:  # noqa: BLE001 - only the recorded failed attempt matters here
        pass
    with services.engine.begin() as conn:
        conn.execute(text(
            f"CREATE TABLE {PROBE} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, label text NOT NULL, "
            "amount numeric(12, 4), tags text[], doc jsonb, raw bytea, at timestamptz, flag boolean)"
        ))
        conn.execute(
            text(f"INSERT INTO {PROBE} (label, amount, tags, doc, raw, at, flag) "
                 "VALUES (:label, :amount, :tags, CAST(:doc AS jsonb), :raw, :at, :flag)"),
            [
                {"label": "plain", "amount": "12.3456", "tags": ["a", "b"], "doc": '{"k": [1, 2]}',
                 "raw": b"\x00\xff", "at": NOW, "flag": True},
                {"label": "quote ' and \\ and é", "amount": None, "tags": [], "doc": "null", "raw": None,
                 "at": None, "flag": None},
            ],
        )
    services.db[PROBE].insert_many([
        {"_id": ObjectId("650000000000000000000001"), "i32": 7, "i64": Int64(2**40), "f": -0.5,
         "d": datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC), "bin": Binary(b"\x00\x01\xff"),
         "nested": {"a": [1, {"b": "é"}], "none": None}, "ok": True},
        {"_id": "string-id", "text": "line\nbreak", "empty": {}},
        {"_id": 3, "list": [[1, 2], ["x"]]},
    ])
    services.relay.relay()


def take_entries(services: Services, action: str) -> list[dict[str, Any]]:
    """Remove the activity entries of `action` and their outbox records; return them, oldest first.

    A backup's or a restore's own entry is written once the archive is taken or the data is
    back, so it is set aside before comparing the databases' contents with an archive's."""
    entries = sorted(services.db["activity_logs"].find({"action": action}), key=lambda entry: entry["_id"])
    services.db["activity_logs"].delete_many({"_id": {"$in": [entry["_id"] for entry in entries]}})
    with services.engine.begin() as conn:
        conn.execute(text("DELETE FROM outbox WHERE id = ANY(:ids)"),
                     {"ids": [int(entry["_id"].removeprefix("outbox:")) for entry in entries]})
    return entries

"""`skillhub ssh fingerprint | add-key | keys | remove-key` as an operator runs them."""

from __future__ import annotations

import stat
from pathlib import Path

from domain.models.users import Principal
from domain.infrastructure.connections import Endpoints
from domain.services.container import Services
from tests.conftest import TEST_SECRET
from tests.foundation.conftest import run_module
from tests.ssh.keys import key_pair, pub_line
from tui.ssh.hostkey import HOST_KEY_NAME


def _settings(endpoints: Endpoints, data_dir: Path) -> dict[str, str]:
    return {"DATABASE_URL": endpoints.database_url, "MONGO_URL": endpoints.mongo_url, "MONGO_DB": endpoints.mongo_db,
            "SKILLHUB_SECRET_KEY": TEST_SECRET, "SKILLHUB_DATA_DIR": str(data_dir)}


def test_host_key_is_made_once_private_and_kept(tmp_path: Path) -> None:
    settings = {"SKILLHUB_DATA_DIR": str(tmp_path / "data")}
    first = run_module("tui.cli", ["ssh", "fingerprint"], settings)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("256 SHA256:") and first.stdout.rstrip().endswith("(ED25519)")
    key = tmp_path / "data" / HOST_KEY_NAME
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert run_module("tui.cli", ["ssh", "fingerprint"], settings).stdout == first.stdout

    key.chmod(0o644)
    refused = run_module("tui.cli", ["ssh", "fingerprint"], settings)
    assert refused.returncode == 2
    assert refused.stderr.strip().endswith("is readable by others (mode 644): chmod 600 it")
    assert len(refused.stderr.splitlines()) == 1


def test_add_list_and_remove_keys_from_the_shell(services: Services, learner: Principal, migrated: Endpoints,
                                                 tmp_path: Path) -> None:
    settings = _settings(migrated, tmp_path)
    key = key_pair()
    pub = tmp_path / "id_ed25519.pub"
    pub.write_text(pub_line(key))
    fingerprint = key.get_fingerprint("sha256")

    added = run_module("tui.cli", ["ssh", "add-key", learner.email, str(pub)], settings)
    assert added.returncode == 0, added.stderr
    assert added.stdout == f"Added ED25519 key {fingerprint} (tester@laptop) for {learner.email}.\n"
    from_stdin = run_module("tui.cli", ["ssh", "add-key", learner.email, "-"], settings,
                            stdin=pub_line(key_pair("ecdsa-sha2-nistp384")))
    assert from_stdin.returncode == 0, from_stdin.stderr

    listed = run_module("tui.cli", ["ssh", "keys", learner.email], settings)
    assert listed.returncode == 0
    lines = listed.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith(f"256 {fingerprint} tester@laptop (ED25519, added ")
    assert lines[1].startswith("384 SHA256:")

    removed = run_module("tui.cli", ["ssh", "remove-key", learner.email, fingerprint], settings)
    assert removed.stdout == f"Removed ED25519 key {fingerprint} of {learner.email}.\n"
    assert len(services.ssh_keys.list(learner, learner.user_id)) == 1


def test_bad_input_gets_one_line_and_a_non_zero_status(services: Services, learner: Principal,
                                                      migrated: Endpoints, tmp_path: Path) -> None:
    settings = _settings(migrated, tmp_path)
    weak = tmp_path / "id_rsa.pub"
    weak.write_text(pub_line(key_pair("ssh-rsa", key_size=2048)))
    private = tmp_path / "id_ed25519"
    private.write_bytes(key_pair().export_private_key())
    cases = [
        (["add-key", learner.email, str(weak)], "this RSA key has 2048 bits"),
        (["add-key", learner.email, str(private)], "this is a PRIVATE key"),
        (["add-key", learner.email, str(tmp_path / "missing.pub")], "no file"),
        (["add-key", "nobody@example.org", str(weak)], "No user with the email nobody@example.org"),
        (["remove-key", learner.email, "MD5:12:34"], "a fingerprint looks like SHA256:"),
        (["keys", "nobody@example.org"], "No user with the email"),
        (["serve", "--port", "99999"], "the port must be between 0 and 65535"),
    ]
    for args, says in cases:
        result = run_module("tui.cli", ["ssh", *args], settings)
        assert result.returncode != 0, args
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert says in result.stderr, (args, result.stderr)

"""SSH public keys: parsing, who may manage them, the activity log, and key logins in AuthService."""

from __future__ import annotations

import base64

import pytest

from domain.errors import AuthenticationFailed, Conflict, NotFound, PermissionDenied, ValidationError
from domain.models.users import SYSTEM, Principal
from domain.services.container import Services
from domain.security.ssh_keys import fingerprint_of, parse_public_key
from domain.services.ssh_keys import MAX_KEYS_PER_USER
from tests.conftest import TEST_PASSWORD
from tests.ssh.keys import key_pair, pub_line


@pytest.mark.parametrize(("kind", "options", "algorithm", "bits"), [
    ("ssh-ed25519", {}, "ED25519", 256),
    ("ecdsa-sha2-nistp256", {}, "ECDSA", 256),
    ("ecdsa-sha2-nistp521", {}, "ECDSA", 521),
    ("ssh-rsa", {"key_size": 3072}, "RSA", 3072),
])
def test_accepted_key_types_parse_with_openssh_fingerprint(kind: str, options: dict[str, int], algorithm: str,
                                                          bits: int) -> None:
    key = key_pair(kind, **options)
    parsed = parse_public_key(pub_line(key))
    assert (parsed.algorithm, parsed.bits, parsed.comment) == (algorithm, bits, "tester@laptop")
    assert parsed.fingerprint == key.get_fingerprint("sha256")
    assert parsed.fingerprint == fingerprint_of(key.public_data)


@pytest.mark.parametrize(("text", "says"), [
    (pub_line(key_pair("ssh-rsa", key_size=2048)), "2048 bits"),
    ("", "no key found"),
    ("ssh-dss AAAAB3NzaC1kc3MAAACBAP", "DSA"),
    ("-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----", "PRIVATE"),
    ("ssh-ed25519 not-base64!!", "damaged"),
    ('from="10.0.0.1" ssh-ed25519 AAAA', "options"),
    ("ssh-ed25519 " + base64.b64encode(b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x05short").decode(), "damaged"),
    ("ssh-rsa " + pub_line(key_pair()).split()[1], "does not match its type"),
    (pub_line(key_pair()) + "\n" + pub_line(key_pair()), "one key at a time"),
    ("x" * 20000, "longer than"),
])
def test_bad_keys_are_refused_with_a_reason(text: str, says: str) -> None:
    with pytest.raises(ValidationError, match=says):
        parse_public_key(text)


def test_comment_is_kept_literally_without_control_characters() -> None:
    key_type, b64 = pub_line(key_pair()).split()[:2]
    parsed = parse_public_key(f"{key_type} {b64} [/] \x1b[31mred [@click=app.quit]x[/]")
    assert parsed.comment == "[/]  [31mred [@click=app.quit]x[/]"


def test_a_user_manages_their_own_keys_and_each_change_is_logged(services: Services, learner: Principal) -> None:
    key = key_pair()
    added = services.ssh_keys.add(learner, learner.user_id, pub_line(key))
    assert added.fingerprint == key.get_fingerprint("sha256")
    assert [k.fingerprint for k in services.ssh_keys.list(learner, learner.user_id)] == [added.fingerprint]

    removed = services.ssh_keys.remove(learner, learner.user_id, added.fingerprint.removeprefix("SHA256:"))
    assert removed.id == added.id
    assert services.ssh_keys.list(learner, learner.user_id) == []
    actions = [e.action for e in services.activity.list(SYSTEM, _page()).items]
    assert actions[:2] == ["ssh_key.remove", "ssh_key.add"]


def _page():
    from domain.models.paging import PageRequest

    return PageRequest(1, 50)


def test_only_an_admin_manages_someone_elses_keys(services: Services, admin: Principal, trainer: Principal,
                                                  learner: Principal) -> None:
    with pytest.raises(PermissionDenied):
        services.ssh_keys.add(trainer, learner.user_id, pub_line(key_pair()))
    with pytest.raises(PermissionDenied):
        services.ssh_keys.list(learner, trainer.user_id)
    added = services.ssh_keys.add(admin, learner.user_id, pub_line(key_pair()))
    with pytest.raises(PermissionDenied):
        services.ssh_keys.remove(trainer, learner.user_id, added.fingerprint)
    # A non-admin looking an email up learns nothing about other accounts.
    with pytest.raises(NotFound):
        services.ssh_keys.owner_by_email(trainer, learner.email)
    assert services.ssh_keys.owner_by_email(admin, learner.email.upper()).id == learner.user_id
    assert services.ssh_keys.remove(admin, learner.user_id, added.fingerprint).id == added.id


def test_a_key_belongs_to_one_account_and_accounts_hold_at_most_twenty(services: Services, trainer: Principal,
                                                                      learner: Principal) -> None:
    line = pub_line(key_pair())
    services.ssh_keys.add(learner, learner.user_id, line)
    with pytest.raises(Conflict, match="this account"):
        services.ssh_keys.add(learner, learner.user_id, line)
    with pytest.raises(Conflict, match="already registered to an account"):
        services.ssh_keys.add(trainer, trainer.user_id, line)
    for _ in range(MAX_KEYS_PER_USER - 1):
        services.ssh_keys.add(learner, learner.user_id, pub_line(key_pair()))
    with pytest.raises(Conflict, match="remove one first"):
        services.ssh_keys.add(learner, learner.user_id, pub_line(key_pair()))


def test_removing_an_unknown_or_malformed_fingerprint_says_so(services: Services, learner: Principal) -> None:
    with pytest.raises(ValidationError, match="SHA256"):
        services.ssh_keys.remove(learner, learner.user_id, "MD5:aa:bb")
    with pytest.raises(NotFound, match="has no key"):
        services.ssh_keys.remove(learner, learner.user_id, "SHA256:" + "A" * 43)


def test_key_login_issues_a_session_and_is_recorded(services: Services, learner: Principal) -> None:
    key = key_pair()
    services.ssh_keys.add(learner, learner.user_id, pub_line(key))
    assert services.auth.key_outcome(learner.email, key.public_data) == "success"
    assert services.auth.key_outcome(learner.email, key_pair().public_data) == "bad_credentials"

    session = services.auth.login_with_key(learner.email.upper(), key.public_data)
    assert services.auth.authenticate(session.token).user_id == learner.user_id
    event = services.db["auth_events"].find_one({"outcome": "success"}, {"_id": 0})
    assert (event["source"], event["method"], event["user_id"]) == ("ssh", "publickey", learner.user_id)
    assert services.ssh_keys.list(learner, learner.user_id)[0].last_used_at is not None


def test_key_login_refuses_inactive_and_locked_accounts(services: Services, admin: Principal,
                                                        learner: Principal) -> None:
    key = key_pair()
    services.ssh_keys.add(learner, learner.user_id, pub_line(key))
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            services.auth.login(learner.email, "wrong password!")
    assert services.auth.key_outcome(learner.email, key.public_data) == "locked"
    with pytest.raises(AuthenticationFailed):
        services.auth.login_with_key(learner.email, key.public_data)

    services.users.reset_password(admin, learner.user_id, TEST_PASSWORD)  # clears the lock
    services.users.set_active(admin, learner.user_id, False)
    assert services.auth.key_outcome(learner.email, key.public_data) == "inactive"
    with pytest.raises(AuthenticationFailed):
        services.auth.login_with_key(learner.email, key.public_data)
    outcomes = [e["outcome"] for e in services.db["auth_events"].find({"method": "publickey"}).sort("at", 1)]
    assert outcomes == ["locked", "inactive"]

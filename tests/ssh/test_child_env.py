"""What a session's app takes from its client: TERM and an allow-list of variables, nothing else."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.models.users import Principal, Role
from domain.services.auth import Session
from tui.ssh.child import DEFAULT_TERM, client_environment, decode_session, encode_session, terminal_type


def test_only_colorterm_lang_and_lc_variables_pass() -> None:
    sent = {
        "LANG": "fr_FR.UTF-8", "LC_ALL": "C.UTF-8", "LC_TIME": "en_GB.UTF-8", "COLORTERM": "truecolor",
        "SKILLHUB_SECRET_KEY": "x" * 40, "DATABASE_URL": "postgresql://evil", "TEXTUAL_DRIVER": "web",
        "PATH": "/tmp", "LD_PRELOAD": "/tmp/x.so", "LC_1": "digits", "LANG2": "no",
        "LC_CTYPE": "bad\x1b[31m", "LC_NUMERIC": "y" * 300,
    }
    assert client_environment(sent) == {
        "LANG": "fr_FR.UTF-8", "LC_ALL": "C.UTF-8", "LC_TIME": "en_GB.UTF-8", "COLORTERM": "truecolor",
    }


def test_terminal_type_comes_from_the_client_when_it_is_a_plain_name() -> None:
    assert terminal_type("xterm-kitty") == "xterm-kitty"
    assert terminal_type("screen.xterm-256color") == "screen.xterm-256color"
    for odd in (None, "", "xterm; rm -rf /", "x" * 80, "../../etc"):
        assert terminal_type(odd) == DEFAULT_TERM


def test_the_session_crosses_the_pipe_whole() -> None:
    session = Session("header.payload.signature", Principal(7, "a@b.org", "Ann [/] B", Role.TRAINER, "jti7"),
                      datetime(2026, 11, 22, 10, 0, tzinfo=UTC))
    assert decode_session(encode_session(session)) == session

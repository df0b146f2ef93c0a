"""Password hashing parameters and rules."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from quizapp import passwords


def params(password_hash: str) -> dict[str, int]:
    m = re.match(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$", password_hash)
    assert m, password_hash
    return {"m": int(m.group(1)), "t": int(m.group(2)), "p": int(m.group(3))}


def test_fast_hash_in_tests_is_still_argon2id(app: Flask) -> None:
    with app.app_context():
        h = passwords.hash_password("violet kettle drums")
        assert h.startswith("$argon2id$")
        assert passwords.verify_password(h, "violet kettle drums")
        assert not passwords.verify_password(h, "violet kettle drum")


def test_real_parameters_meet_asvs(app: Flask) -> None:
    app.config["PASSWORD_HASH_FAST"] = False
    with app.app_context():
        h = passwords.hash_password("violet kettle drums")
        p = params(h)
        assert p["m"] >= 19456  # 19 MiB, in KiB
        assert p["t"] >= 2
        assert p["p"] >= 1
        assert passwords.verify_password(h, "violet kettle drums")
        assert not passwords.needs_rehash(h)
        # a hash made in test mode is weaker than the real parameters: upgraded at login
        app.config["PASSWORD_HASH_FAST"] = True
        weak = passwords.hash_password("violet kettle drums")
        app.config["PASSWORD_HASH_FAST"] = False
        assert passwords.needs_rehash(weak)
        assert passwords.verify_password(weak, "violet kettle drums")


def test_salted(app: Flask) -> None:
    with app.app_context():
        assert passwords.hash_password("same password") != passwords.hash_password("same password")


def test_broken_hash_never_verifies(app: Flask) -> None:
    with app.app_context():
        assert not passwords.verify_password("!unusable", "anything at all")
        assert not passwords.verify_password("", "anything at all")
        assert passwords.needs_rehash("!unusable")


def test_unicode_passwords_are_normalised(app: Flask) -> None:
    composed = "caf\u00e9 au lait ok"
    decomposed = "cafe\u0301 au lait ok"
    with app.app_context():
        h = passwords.hash_password(composed)
        assert passwords.verify_password(h, decomposed)


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("", "Use at least 8 characters."),
        ("1234567", "Use at least 8 characters."),
        ("x" * 129, "Use at most 128 characters."),
        ("password", "too common"),
        ("PASSWORD", "too common"),
        ("Qwerty123", "too common"),
        (" iloveyou ", "too common"),
    ],
)
def test_rules_refuse(password: str, problem: str) -> None:
    found = passwords.password_problem(password)
    assert found is not None and problem in found


@pytest.mark.parametrize(
    "password",
    [
        "abcdefgh-not-common",
        "alllowercaseletters",
        "x" * 128,
        "ñandú ñandú",
        "12345678901234567890x",
    ],
)
def test_rules_accept_without_composition_rules(password: str) -> None:
    assert passwords.password_problem(password) is None


def test_common_list_shipped() -> None:
    common = passwords.common_passwords()
    assert 1000 <= len(common) <= 10000
    assert all(p == p.lower() for p in common)
    assert "password" in common and "12345678" in common


def test_fast_setting_is_ignored_in_production(app: Flask) -> None:
    app.config["ENV_NAME"] = "production"
    with app.app_context():
        assert params(passwords.hash_password("violet kettle drums"))["m"] >= 19456


def test_unknown_user_costs_a_verification_too(app: Flask, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from quizapp.services import accounts

    burned: list[str] = []
    monkeypatch.setattr(passwords, "burn_verification_time", burned.append)
    with app.app_context():
        assert accounts.authenticate("nobody", "some password") is None
    assert burned == ["some password"]

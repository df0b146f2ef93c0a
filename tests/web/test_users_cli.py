"""``flask users ...`` and ``flask welcome``."""

from __future__ import annotations

from flask import Flask

from quizapp.extensions import db
from quizapp.models import User
from quizapp.services import accounts

PASSWORD = "violet kettle drums"


def get_user(app: Flask, username: str) -> User | None:
    with app.app_context():
        user = accounts.find_user(username)
        if user is not None:
            db.session.expunge(user)
        return user


def test_create_with_password(app: Flask, runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--username",
            "Prof.Lee",
            "--display-name",
            "Prof. Lee",
            "--role",
            "instructor",
            "--password",
            PASSWORD,
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Created instructor 'prof.lee'" in result.output
    user = get_user(app, "prof.lee")
    assert user is not None
    assert (user.role, user.display_name) == ("instructor", "Prof. Lee")
    assert user.password_hash.startswith("$argon2id$")
    client = app.test_client()
    resp = client.post("/login", data={"username": "prof.lee", "password": PASSWORD})
    assert resp.status_code == 302


def test_create_prompts_for_the_password(app: Flask, runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(
        args=["users", "create", "--username", "ana"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output  # hidden input
    user = get_user(app, "ana")
    assert user is not None and user.role == "student" and user.display_name == "ana"


def test_create_duplicate_username_exits_1(app: Flask, runner) -> None:  # type: ignore[no-untyped-def]
    runner.invoke(args=["users", "create", "--username", "ana", "--password", PASSWORD])
    result = runner.invoke(args=["users", "create", "--username", "ANA", "--password", PASSWORD])
    assert result.exit_code == 1
    assert "Error: A user named 'ana' exists." in result.output
    assert "Traceback" not in result.output


def test_create_bad_input_exits_1(app: Flask, runner) -> None:  # type: ignore[no-untyped-def]
    cases = [
        (["--username", "ana", "--password", "password"], "too common"),
        (["--username", "ana", "--password", "short"], "at least 8"),
        (["--username", "a b", "--password", PASSWORD], "Use only letters"),
        (["--username", "ana", "--role", "wizard", "--password", PASSWORD], "Unknown role"),
    ]
    for args, message in cases:
        result = runner.invoke(args=["users", "create", *args])
        assert result.exit_code == 1, (args, result.output)
        assert message in result.output
        assert "Traceback" not in result.output
    assert get_user(app, "ana") is None


def test_set_role(app: Flask, runner) -> None:  # type: ignore[no-untyped-def]
    runner.invoke(args=["users", "create", "--username", "ana", "--password", PASSWORD])
    result = runner.invoke(args=["users", "set-role", "ANA", "instructor"])
    assert result.exit_code == 0, result.output
    assert "'ana' is now instructor." in result.output
    user = get_user(app, "ana")
    assert user is not None and user.role == "instructor"


def test_set_role_errors(app: Flask, runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["users", "set-role", "ghost", "admin"])
    assert result.exit_code == 1
    assert "No user named 'ghost'." in result.output
    runner.invoke(args=["users", "create", "--username", "ana", "--password", PASSWORD])
    result = runner.invoke(args=["users", "set-role", "ana", "king"])
    assert result.exit_code == 1
    assert "Unknown role 'king'" in result.output
    user = get_user(app, "ana")
    assert user is not None and user.role == "student"


def test_list(app: Flask, runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["users", "list"])
    assert result.exit_code == 0
    assert "No users yet" in result.output
    runner.invoke(args=["users", "create", "--username", "zoe", "--password", PASSWORD])
    runner.invoke(
        args=["users", "create", "--username", "ana", "--role", "admin", "--password", PASSWORD]
    )
    result = runner.invoke(args=["users", "list"])
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert lines[0].split()[:2] == ["username", "role"]
    assert lines[1].split()[:2] == ["ana", "admin"]
    assert lines[2].split()[:2] == ["zoe", "student"]


def test_welcome(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["welcome"])
    assert result.exit_code == 0
    assert "http://127.0.0.1:5000" in result.output
    assert "/register" in result.output
    assert ".venv/bin/flask --app quizapp users create --role instructor --username NAME" in (
        result.output
    )

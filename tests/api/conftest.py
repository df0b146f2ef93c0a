"""Fixtures for the API tests: users with passwords, tokens, and a client that sends them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from quizapp.clock import now
from quizapp.extensions import db
from quizapp.models import User
from quizapp.services import accounts, api_tokens

from ..conftest import FIXTURE_BANKS
from ..helpers import import_bank

SOLAR = FIXTURE_BANKS / "solar_system.yaml"
SOLAR_ID = "solar-system-exploration"
PASSWORD = "correct horse battery staple"


def create_account(app: Flask, username: str, role: str = "student", **fields: Any) -> int:
    with app.app_context():
        user = accounts.create_user(username, PASSWORD, role=role)
        if fields:
            from quizapp.database import write_transaction

            with write_transaction():
                for key, value in fields.items():
                    setattr(db.session.get(User, user.id), key, value)
        return user.id


def make_token(app: Flask, user_id: int, name: str = "tests") -> str:
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        return api_tokens.create_token(user, name, now()).secret


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Api:
    """A test client that sends one bearer token with every request."""

    def __init__(self, client: FlaskClient, token: str) -> None:
        self.client = client
        self.token = token

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, headers=bearer(self.token), **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.client.post(path, headers=bearer(self.token), **kwargs)


@pytest.fixture
def solar(app: Flask) -> int:
    return import_bank(app, SOLAR)


@pytest.fixture
def student_id(app: Flask) -> int:
    return create_account(app, "ana")


@pytest.fixture
def api(app: Flask, client: FlaskClient, student_id: int) -> Api:
    return Api(client, make_token(app, student_id))


@pytest.fixture
def api_for(app: Flask, client: FlaskClient) -> Callable[[int], Api]:
    def build(user_id: int) -> Api:
        return Api(client, make_token(app, user_id))

    return build


def right(q: dict[str, Any]) -> list[str]:
    return [] if q["type"] == "flashcard" else list(q["answer"])


def wrong(q: dict[str, Any]) -> list[str]:
    if q["type"] in ("single_choice", "multiple_choice"):
        return [next(o for o in q["options"] if o not in q["answer"])]
    if q["type"] == "ordering":
        return list(reversed(q["answer"]))
    return []

"""Data factories and shortcuts for the web tests."""

from __future__ import annotations

import re
from pathlib import Path
from random import Random

from flask import Flask
from flask.testing import FlaskClient
from flask_login.utils import _create_identifier
from sqlalchemy import text

from quizapp.clock import now
from quizapp.core.questions import Question
from quizapp.database import write_transaction
from quizapp.extensions import db
from quizapp.models import Bank, Item, User
from quizapp.services import study
from quizapp.services.banks import import_bank_file

TOKEN_RE = re.compile(r'name="token"[^>]*value="([^"]+)"')
INSERT_USER = text(
    "INSERT INTO users (username, display_name, role, password_hash, desired_retention, "
    "new_per_day, reviews_per_day, timezone, session_version, created_at) VALUES "
    "(:name, 'X', 'student', '!unusable', 0.9, 20, 200, 'UTC', 1, CURRENT_TIMESTAMP)"
)
"""A student row written with one plain statement (``name`` bound), for tests of transactions."""


def make_user(app: Flask, username: str, role: str = "student", **fields: object) -> int:
    with app.app_context():
        with write_transaction():
            values: dict[str, object] = {
                "display_name": username.title(),
                "password_hash": "!unusable",
                "desired_retention": 0.9,
                "new_per_day": 20,
                "reviews_per_day": 200,
                "timezone": "UTC",
                "session_version": 1,
                **fields,
            }
            user = User(username=username, role=role, created_at=now(), **values)
            db.session.add(user)
        return user.id


def login_as(app: Flask, client: FlaskClient, user_id: int) -> None:
    """Log a test client in without a password (the auth tests cover the real login)."""
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        token = user.get_id()
    with app.test_request_context():
        identifier = _create_identifier()
    with client.session_transaction() as sess:
        sess["_user_id"] = token
        sess["_fresh"] = True
        sess["_id"] = identifier


def import_bank(app: Flask, path: Path) -> int:
    with app.app_context():
        return import_bank_file(path).bank.id


def shown_question(app: Flask, html: str) -> tuple[str, Question]:
    """The token on a question page and the question it shows (re-drawn from its seed)."""
    m = TOKEN_RE.search(html)
    assert m, "no question token on the page"
    token = m.group(1)
    with app.test_request_context():
        data = study._serializer().loads(token)
        item = db.session.get(Item, data["i"])
        bank = db.session.get(Bank, data["b"])
        assert item is not None and bank is not None
        return token, study.render(bank, item, data["s"])


def right_answer(q: Question) -> list[str]:
    if q.type == "flashcard":
        return []
    return [str(q.options.index(a)) for a in q.answer]


def wrong_answer(q: Question) -> list[str]:
    if q.type == "single_choice":
        return [str(next(i for i, o in enumerate(q.options) if o not in q.answer))]
    if q.type == "multiple_choice":
        wrong = [i for i, o in enumerate(q.options) if o not in q.answer]
        return [str(wrong[0])]
    if q.type == "ordering":
        right = [q.options.index(a) for a in q.answer]
        return [str(i) for i in reversed(right)]
    return []


def seeded(seed: int = 1) -> Random:
    return Random(seed)

"""Headers, cookies, CSRF on the study forms, and bank text shown as text."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from quizapp import create_app
from quizapp.extensions import db
from quizapp.models import Presentation, Review
from quizapp.security import CSP
from quizapp.services.accounts import create_user

from ..conftest import FIXTURE_BANKS, csrf_token
from ..helpers import import_bank, login_as, make_user, right_answer, shown_question

PASSWORD = "correct horse battery staple"


def test_every_page_carries_the_security_headers(client: FlaskClient) -> None:
    for path in ("/", "/login", "/register", "/no-such-page"):
        resp = client.get(path)
        assert resp.headers["Content-Security-Policy"] == CSP
        assert "'unsafe-inline'" not in CSP and "'unsafe-eval'" not in CSP
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Referrer-Policy"] == "same-origin"
    for directive in (
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ):
        assert directive in CSP


def test_pages_have_no_inline_script(client: FlaskClient) -> None:
    for path in ("/", "/login", "/register"):
        html = client.get(path).text
        assert "<script>" not in html and " onclick=" not in html and " onload=" not in html


def _login(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        create_user("cookie", PASSWORD)
    resp = client.post("/login", data={"username": "cookie", "password": PASSWORD})
    assert resp.status_code == 302


def test_session_cookie_is_httponly_and_samesite_lax(app: Flask, client: FlaskClient) -> None:
    _login(app, client)
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.http_only and cookie.same_site == "Lax"
    assert not cookie.secure  # development serves plain http on loopback


def test_production_cookies_are_secure(tmp_path: Path) -> None:
    app = create_app(
        {
            "ENV_NAME": "production",
            "SECRET_KEY": "p" * 48,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite'}",
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


class TestCsrf:
    @pytest.fixture
    def app_config(self) -> dict[str, object]:
        return {"WTF_CSRF_ENABLED": True}

    def test_study_posts_without_a_token_are_refused(self, app: Flask, client: FlaskClient) -> None:
        slug = yaml.safe_load((FIXTURE_BANKS / "solar_system.yaml").read_text())["id"]
        import_bank(app, FIXTURE_BANKS / "solar_system.yaml")
        login_as(app, client, make_user(app, "ana"))
        page = client.get(f"/study/{slug}")
        token, q = shown_question(app, page.text)
        form = {"token": token, "answer": right_answer(q)}
        refused = client.post(f"/study/{slug}/answer", data=form)
        assert refused.status_code == 400 and "Form expired" in refused.text
        assert client.post("/logout").status_code == 400
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(Presentation)) == 0
        # with the page's token the same answer goes through, and rating needs it too
        form["csrf_token"] = csrf_token(page.text)
        accepted = client.post(f"/study/{slug}/answer", data=form)
        assert accepted.status_code == 302
        pid = accepted.headers["Location"].rsplit("/", 1)[-1]
        assert client.post(f"/study/p/{pid}/rate", data={"rating": "3"}).status_code == 400
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(Review)) == 0


def test_bank_text_with_markup_is_shown_as_text(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    bank = yaml.safe_load((FIXTURE_BANKS / "solar_system.yaml").read_text())
    evil = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    bank.pop("source_text", None)
    for fact in bank["facts"]:
        fact["explanation"] = evil
        fact["source"] = evil
        if "what" in fact:
            fact["what"] = evil + fact["what"]
    path = tmp_path / "evil.yaml"
    path.write_text(yaml.safe_dump(bank, allow_unicode=True, sort_keys=False))
    import_bank(app, path)
    login_as(app, client, make_user(app, "ana"))
    page = client.get(f"/study/{bank['id']}")
    token, q = shown_question(app, page.text)
    resp = client.post(
        f"/study/{bank['id']}/answer", data={"token": token, "answer": right_answer(q)}
    )
    feedback = client.get(resp.headers["Location"]).text
    for html in (page.text, feedback):
        assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in feedback


def test_style_sheets_and_scripts_are_compressed_but_pages_are_not(
    app: Flask, client: FlaskClient
) -> None:
    """Compression keeps a phone's page weight down; pages stay uncompressed because they carry
    a CSRF token beside text a visitor can choose (BREACH)."""
    accept = {"Accept-Encoding": "gzip"}
    for path in ("/static/vendor/pico/pico.min.css", "/static/js/study.js"):
        resp = client.get(path, headers=accept)
        plain = client.get(path)
        assert resp.headers.get("Content-Encoding") == "gzip", path
        assert "Accept-Encoding" in resp.headers["Vary"]
        assert len(resp.get_data()) < len(plain.get_data()) / 2, path
        resp.close()
        plain.close()
    for path in ("/", "/login", "/register"):
        page = client.get(path, headers=accept)
        assert "Content-Encoding" not in page.headers, path
        assert b"<html" in page.data

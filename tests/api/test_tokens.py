"""Personal API tokens: created with a password or on the settings page, stored hashed, revoked."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from quizapp.clock import FakeClock
from quizapp.extensions import db
from quizapp.models import ApiToken

from ..helpers import login_as
from .conftest import PASSWORD, bearer, create_account, make_token

PROBLEM = "application/problem+json"


def test_token_from_username_and_password(app: Flask, client: FlaskClient) -> None:
    create_account(app, "ana")
    resp = client.post(
        "/api/v1/tokens", json={"username": "ana", "password": PASSWORD, "name": "my script"}
    )
    assert resp.status_code == 201, resp.text
    body = resp.get_json()
    secret = body["token"]
    assert secret.startswith("qz_") and len(secret) > 40
    assert body["name"] == "my script" and secret.startswith(body["prefix"])
    # Stored hashed: the database holds the SHA-256 and a short prefix, never the token.
    with app.app_context():
        row = db.session.execute(select(ApiToken)).scalar_one()
        assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert row.prefix == secret[:8] and secret not in (row.token_hash, row.prefix)
    # It works as a bearer token.
    assert client.get("/api/v1/banks", headers=bearer(secret)).status_code == 200


def test_a_token_is_shown_once(app: Flask, client: FlaskClient) -> None:
    uid = create_account(app, "ana")
    login_as(app, client, uid)
    created = client.post("/settings/tokens/", data={"name": "laptop"})
    assert created.status_code == 200
    assert created.headers["Cache-Control"] == "no-store"
    with app.app_context():
        row = db.session.execute(select(ApiToken)).scalar_one()
        prefix = row.prefix
    assert f'value="{prefix}' in created.text  # the whole token, in the page that made it
    page = client.get("/settings/tokens/")
    assert page.status_code == 200
    assert "laptop" in page.text and f"{prefix}…" in page.text
    assert f'value="{prefix}' not in page.text  # never again


def test_wrong_password_is_a_401_problem(app: Flask, client: FlaskClient) -> None:
    create_account(app, "ana")
    for username, password in (("ana", "not the password"), ("nobody", PASSWORD)):
        resp = client.post("/api/v1/tokens", json={"username": username, "password": password})
        assert resp.status_code == 401
        assert resp.mimetype == PROBLEM
        problem = resp.get_json()
        assert problem["status"] == 401 and problem["detail"] == "Invalid username or password."
        assert problem["type"] == "about:blank" and problem["title"] == "Unauthorized"
    with app.app_context():
        assert db.session.execute(select(ApiToken)).first() is None


def test_revoked_token_is_refused(app: Flask, client: FlaskClient) -> None:
    uid = create_account(app, "ana")
    secret = make_token(app, uid)
    assert client.get("/api/v1/stats", headers=bearer(secret)).status_code == 200
    login_as(app, client, uid)
    with app.app_context():
        token_id = db.session.execute(select(ApiToken.id)).scalar_one()
    resp = client.post(f"/settings/tokens/{token_id}/revoke", data={})
    assert resp.status_code == 302
    client.delete_cookie("session")
    refused = client.get("/api/v1/stats", headers=bearer(secret))
    assert refused.status_code == 401 and refused.mimetype == PROBLEM
    assert "revoked" in refused.get_json()["detail"]
    assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
    with app.app_context():
        assert db.session.execute(select(ApiToken.revoked_at)).scalar_one() is not None


def test_someone_elses_token_cannot_be_revoked(app: Flask, client: FlaskClient) -> None:
    owner = create_account(app, "ana")
    make_token(app, owner)
    login_as(app, client, create_account(app, "ben"))
    with app.app_context():
        token_id = db.session.execute(select(ApiToken.id)).scalar_one()
    assert client.post(f"/settings/tokens/{token_id}/revoke", data={}).status_code == 404
    with app.app_context():
        assert db.session.execute(select(ApiToken.revoked_at)).scalar_one() is None


def test_a_cookie_session_alone_does_not_authorize_the_api(app: Flask, client: FlaskClient) -> None:
    login_as(app, client, create_account(app, "ana"))
    assert client.get("/settings").status_code == 200  # the session works for the web
    for path in ("/api/v1/banks", "/api/v1/stats", "/api/v1/study/next?bank=x"):
        resp = client.get(path)
        assert resp.status_code == 401, path
        assert resp.mimetype == PROBLEM
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")
        assert "Authorization: Bearer" in resp.get_json()["detail"]
    # No CSRF token is needed, and none helps: a cookie-only POST is refused for want of a token.
    resp = client.post("/api/v1/study/answer", json={"presentation_id": "x", "answer": []})
    assert resp.status_code == 401


def test_malformed_authorization_headers(app: Flask, client: FlaskClient) -> None:
    create_account(app, "ana")
    for value in ("Bearer", "Basic YW5hOnB3", "Bearer qz_nope", "Bearer " + "x" * 500, "qz_abc"):
        resp = client.get("/api/v1/banks", headers={"Authorization": value})
        assert resp.status_code == 401, value
        assert resp.mimetype == PROBLEM


def test_last_used_is_written_at_most_once_a_minute(
    app: Flask, client: FlaskClient, clock: FakeClock
) -> None:
    secret = make_token(app, create_account(app, "ana"))

    def last_used():  # type: ignore[no-untyped-def]
        with app.app_context():
            return db.session.execute(select(ApiToken.last_used_at)).scalar_one()

    assert last_used() is None
    client.get("/api/v1/stats", headers=bearer(secret))
    first = last_used()
    assert first == clock.current
    clock.advance(seconds=30)
    client.get("/api/v1/stats", headers=bearer(secret))
    assert last_used() == first
    clock.advance(seconds=31)
    client.get("/api/v1/stats", headers=bearer(secret))
    assert last_used() == first + timedelta(seconds=61)


def test_token_page_needs_login_and_a_csrf_token(app: Flask, client: FlaskClient) -> None:
    resp = client.get("/settings/tokens/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    app.config["WTF_CSRF_ENABLED"] = True
    login_as(app, client, create_account(app, "ana"))
    refused = client.post("/settings/tokens/", data={"name": "x"})
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.execute(select(ApiToken)).first() is None


def test_settings_page_links_to_tokens(app: Flask, client: FlaskClient) -> None:
    login_as(app, client, create_account(app, "ana"))
    assert 'href="/settings/tokens/"' in client.get("/settings").text


def test_token_name_too_long_on_the_page(app: Flask, client: FlaskClient) -> None:
    login_as(app, client, create_account(app, "ana"))
    resp = client.post("/settings/tokens/", data={"name": "x" * 101})
    assert resp.status_code == 422
    with app.app_context():
        assert db.session.execute(select(ApiToken)).first() is None

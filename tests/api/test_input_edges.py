"""Text a JSON body can carry but a database cannot store is refused with 400, never a 500."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from .conftest import SOLAR_ID, bearer, create_account, make_token

BODIES = [
    ("/api/v1/tokens", '{"username": "\\ud800", "password": "x"}', "username"),
    ("/api/v1/tokens", '{"username": "te\\u0000ss", "password": "x"}', "username"),
    ("/api/v1/study/answer", '{"presentation_id": "p", "answer": ["\\ud800"]}', "answer.0"),
    ("/api/v1/author/banks/validate", '{"filename": "a.yaml", "content": "\\ud800"}', "content"),
    (
        "/api/v1/author/banks",
        '{"filename": "a.yaml", "content": "x", "document_text": "a\\u0000b"}',
        "document_text",
    ),
]


def test_lone_surrogates_and_nul_are_refused(app: Flask, client: FlaskClient, solar: int) -> None:
    headers = {
        **bearer(make_token(app, create_account(app, "tess", role="instructor"))),
        "Content-Type": "application/json",
    }
    for path, body, field in BODIES:
        resp = client.post(path, data=body, headers=headers)
        assert resp.status_code == 400, (path, body, resp.text)
        assert resp.get_json()["errors"][0]["path"] == field
    assert client.get("/api/v1/study/next?bank=%00", headers=headers).status_code == 400
    resp = client.post("/api/v1/author/banks/a%00b/publish", headers=headers)
    assert resp.status_code == 404
    resp = client.get(f"/api/v1/study/next?bank={SOLAR_ID}", headers=headers)
    assert resp.status_code == 200


def test_token_names_lose_control_characters(app: Flask, client: FlaskClient) -> None:
    from .conftest import PASSWORD

    create_account(app, "ana")
    resp = client.post(
        "/api/v1/tokens",
        json={"username": "ana", "password": PASSWORD, "name": " my\tlaptop\u0007 "},
    )
    assert resp.status_code == 201 and resp.get_json()["name"] == "my laptop"

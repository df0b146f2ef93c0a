"""Rate limits count per token: one token's burst does not hold up another's."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from .conftest import PASSWORD, bearer, create_account, make_token


@pytest.fixture
def app_config() -> dict[str, object]:
    return {
        "RATELIMIT_ENABLED": True,
        "API_RATE_LIMIT": "3 per minute",
        "AUTH_RATE_LIMIT": "2/minute",
    }


def test_limit_per_token(app: Flask, client: FlaskClient) -> None:
    ana = create_account(app, "ana")
    first, second = make_token(app, ana, "one"), make_token(app, ana, "two")
    paths = ["/api/v1/banks", "/api/v1/stats", "/api/v1/banks"]  # one budget for every operation
    for path in paths:
        assert client.get(path, headers=bearer(first)).status_code == 200
    refused = client.get("/api/v1/stats", headers=bearer(first))
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    problem = refused.get_json()
    assert problem["status"] == 429 and "3 per 1 minute" in problem["detail"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 61
    # Another token (even of the same person) has its own budget.
    assert client.get("/api/v1/stats", headers=bearer(second)).status_code == 200
    ben = make_token(app, create_account(app, "ben"))
    assert client.get("/api/v1/stats", headers=bearer(ben)).status_code == 200


def test_requests_without_a_working_token_count_per_address(
    app: Flask, client: FlaskClient
) -> None:
    for _ in range(3):
        assert client.get("/api/v1/banks", headers=bearer("qz_guess")).status_code == 401
    assert client.get("/api/v1/banks", headers=bearer("qz_guess2")).status_code == 429


def test_token_endpoint_is_limited_like_login(app: Flask, client: FlaskClient) -> None:
    create_account(app, "ana")
    body = {"username": "ana", "password": "wrong password"}
    assert client.post("/api/v1/tokens", json=body).status_code == 401
    assert client.post("/api/v1/tokens", json=body).status_code == 401
    body["password"] = PASSWORD
    resp = client.post("/api/v1/tokens", json=body)
    assert resp.status_code == 429 and resp.mimetype == "application/problem+json"

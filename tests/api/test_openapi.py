"""The OpenAPI description: generated, 3.1, and kept by the code (schemathesis checks it)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from quizapp.services.banks import import_bank_file

from .conftest import PASSWORD, SOLAR, SOLAR_ID, bearer, create_account, make_token, right

OPERATIONS = {
    ("post", "/api/v1/tokens"),
    ("get", "/api/v1/banks"),
    ("get", "/api/v1/study/next"),
    ("post", "/api/v1/study/answer"),
    ("get", "/api/v1/stats"),
    ("get", "/api/v1/author/banks"),
    ("post", "/api/v1/author/banks"),
    ("post", "/api/v1/author/banks/validate"),
    ("post", "/api/v1/author/banks/{slug}/publish"),
    ("post", "/api/v1/author/banks/{slug}/unpublish"),
    ("get", "/api/v1/author/banks/{slug}/questions"),
    ("get", "/api/v1/author/banks/{slug}/export/{fmt}"),
    ("get", "/api/v1/drills"),
    ("post", "/api/v1/drills"),
    ("get", "/api/v1/drills/{drill_id}"),
    ("post", "/api/v1/drills/{drill_id}/answers"),
    ("post", "/api/v1/drills/{drill_id}/submit"),
    ("get", "/api/v1/drills/{drill_id}/report"),
}


def spec_of(client: FlaskClient) -> dict[str, Any]:
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    return resp.get_json()


def test_description_is_openapi_3_1_and_lists_every_operation(client: FlaskClient) -> None:
    spec = spec_of(client)  # public: no token needed
    assert spec["openapi"] == "3.1.0"
    listed = {(m, p) for p, ops in spec["paths"].items() for m in ops}
    assert listed == OPERATIONS
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal API token (qz_...).",
    }
    assert spec["security"] == [{"bearerAuth": []}]
    assert spec["paths"]["/api/v1/tokens"]["post"]["security"] == []


def test_description_is_valid_openapi_3_1(client: FlaskClient) -> None:
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.validators import OpenAPIV31SpecValidator

    validate(spec_of(client), cls=OpenAPIV31SpecValidator)


def test_errors_are_documented_as_problem_details(client: FlaskClient) -> None:
    spec = spec_of(client)
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            for status, response in op["responses"].items():
                if status.startswith(("4", "5")):
                    assert list(response["content"]) == ["application/problem+json"], (
                        method,
                        path,
                        status,
                    )
            assert "429" in op["responses"], (method, path)
            if (method, path) != ("post", "/api/v1/tokens"):
                assert "401" in op["responses"], (method, path)
    problem = spec["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}


def test_every_operation_but_the_token_one_needs_a_token(client: FlaskClient) -> None:
    for method, path in OPERATIONS - {("post", "/api/v1/tokens")}:
        url = path.replace("{slug}", SOLAR_ID).replace("{fmt}", "yaml").replace("{drill_id}", "1")
        resp = client.open(url, method=method.upper(), json={} if method == "post" else None)
        assert resp.status_code == 401, (method, path)


# --- schemathesis: generated requests against the description ----------------------------------

MAX_EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
"""Every default check but ``positive_data_acceptance``: a schema-valid request may still be
refused for what it says (a bank with errors is 422, an unknown bank 404, a forged
presentation id 400), as the description documents."""


@pytest.mark.slow
def test_api_keeps_its_description(app: Flask, client: FlaskClient) -> None:
    """Every operation answers without a server error and with a response its description
    allows (status, media type, headers, body schema): first for requests that succeed (a
    bank, a question and an answer that exist), then for ones Hypothesis generates from the
    description, at most MAX_EXAMPLES per operation.

    In-process through the WSGI app, with an instructor's token (the instructors' operations
    run too; instructors can study). schemathesis's own pytest loader (``from_fixture``) does
    not run on pytest 9, so Hypothesis drives each operation's strategy directly.
    """
    tess = create_account(app, "tess", role="instructor")
    with app.app_context():
        import_bank_file(SOLAR, owner_id=tess)
    token = make_token(app, tess)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = {(op.method, op.path): op for op in (r.ok() for r in schema.get_all_operations())}
    assert set(operations) == OPERATIONS

    def run(case: Any) -> Any:
        return case.call_and_validate(headers=bearer(token), checks=CHECKS)

    # Requests that succeed, so that the success bodies are checked too.
    def op(method: str, path: str) -> Any:
        return operations[(method, path)]

    shown = run(op("get", "/api/v1/study/next").Case(query={"bank": SOLAR_ID})).json()
    body = {"presentation_id": shown["presentation_id"], "answer": right(shown), "rating": 3}
    assert run(op("post", "/api/v1/study/answer").Case(body=body)).status_code == 200
    assert run(op("post", "/api/v1/study/answer").Case(body=body)).status_code == 200
    for path in ("/api/v1/banks", "/api/v1/stats", "/api/v1/author/banks"):
        assert run(op("get", path).Case()).status_code == 200
    bank = {"slug": SOLAR_ID}
    upload = {
        "filename": "solar_system.yaml",
        "content": SOLAR.read_text(),
        "document_text": SOLAR.with_name("solar_system.txt").read_text(),
    }
    successes = [
        (op("post", "/api/v1/author/banks/validate").Case(body=upload), 200),
        (op("post", "/api/v1/author/banks").Case(body=upload), 201),
        (op("post", "/api/v1/author/banks/{slug}/unpublish").Case(path_parameters=bank), 200),
        (op("post", "/api/v1/author/banks/{slug}/publish").Case(path_parameters=bank), 200),
        (op("get", "/api/v1/author/banks/{slug}/questions").Case(path_parameters=bank), 200),
        (
            op("get", "/api/v1/author/banks/{slug}/export/{fmt}").Case(
                path_parameters={**bank, "fmt": "yaml"}
            ),
            200,
        ),
        (
            op("post", "/api/v1/tokens").Case(
                body={"username": "tess", "password": PASSWORD, "name": "schemathesis"}
            ),
            201,
        ),
    ]
    for case, status in successes:
        assert run(case).status_code == status, case.operation.label

    # A drill from start to report.
    drill = run(op("post", "/api/v1/drills").Case(body={"banks": [SOLAR_ID]})).json()
    first = drill["questions"][0]
    path = {"drill_id": drill["id"]}
    chosen = first["options"] if first["type"] == "ordering" else first["options"][:1]
    answers = {"answers": [{"position": 1, "answer": chosen}]}
    drill_successes = [
        op("post", "/api/v1/drills/{drill_id}/answers").Case(path_parameters=path, body=answers),
        op("get", "/api/v1/drills/{drill_id}").Case(path_parameters=path),
        op("post", "/api/v1/drills/{drill_id}/submit").Case(path_parameters=path),
        op("get", "/api/v1/drills/{drill_id}/report").Case(path_parameters=path),
        op("get", "/api/v1/drills").Case(),
    ]
    for case in drill_successes:
        assert run(case).status_code == 200, case.operation.label

    # Generated requests, valid by the description but made of arbitrary values.
    for operation in operations.values():

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            phases=[Phase.explicit, Phase.generate],
        )
        def check(case: Any) -> None:
            run(case)

        check()

"""Instructors through the API: check and upload a bank (the web's report), publish, export."""

from __future__ import annotations

import html
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Bank, Review

from ..helpers import login_as
from .conftest import SOLAR, SOLAR_ID, Api, create_account, right

SOLAR_TEXT = SOLAR.with_name("solar_system.txt")
PROBLEM = "application/problem+json"


def solar(**replace: str) -> str:
    text = SOLAR.read_text()
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new, 1)
    return text


def upload_body(content: str, filename: str = "solar_system.yaml", **extra: Any) -> dict:
    return {
        "filename": filename,
        "content": content,
        "document_text": SOLAR_TEXT.read_text(),
        **extra,
    }


@pytest.fixture
def teacher_id(app: Flask) -> int:
    return create_account(app, "tess", role="instructor")


@pytest.fixture
def teacher(teacher_id: int, api_for: Callable[[int], Api]) -> Api:
    return api_for(teacher_id)


def banks_in_db(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Bank)) or 0


def test_validate_a_good_bank(app: Flask, teacher: Api) -> None:
    resp = teacher.post("/api/v1/author/banks/validate", json=upload_body(SOLAR.read_text()))
    assert resp.status_code == 200, resp.text
    report = resp.get_json()
    assert report["valid"] is True and report["id"] == SOLAR_ID
    assert report["facts"] == 16 and report["exists"] is False and report["resets"] == []
    assert banks_in_db(app) == 0  # checking imports nothing


def test_invalid_bank_gives_the_web_report(
    app: Flask, client: FlaskClient, teacher_id: int, teacher: Api
) -> None:
    content = solar(**{"parties: [soviet-union]": "parties: [atlantis]", "format: 1": "format: 1"})
    content = content.replace("title: Exploring the Solar System\n", "", 1)
    for path in ("/api/v1/author/banks/validate", "/api/v1/author/banks"):
        resp = teacher.post(path, json=upload_body(content))
        assert resp.status_code == 422 and resp.mimetype == PROBLEM
        problem = resp.get_json()
        assert problem["type"] == "tag:quizapp,2026:problems/invalid-bank"
        assert problem["detail"].startswith("2 problems in solar_system.yaml: nothing was imported")
        errors = {e["path"]: e for e in problem["errors"]}
        assert errors["facts[0].parties[0]"]["line"] == 76
        assert "unknown entity 'atlantis'" in errors["facts[0].parties[0]"]["message"]
        assert all(e["file"] == "solar_system.yaml" for e in problem["errors"])
    assert banks_in_db(app) == 0
    # The web's upload page reports the same problems, word for word.
    login_as(app, client, teacher_id)
    page = client.post(
        "/author/upload",
        data={
            "bank_file": (io.BytesIO(content.encode()), "solar_system.yaml"),
            "document_text": SOLAR_TEXT.read_text(),
        },
        content_type="multipart/form-data",
    )
    assert page.status_code == 422
    text = html.unescape(page.text)
    for error in problem["errors"]:
        assert error["message"] in text and error["path"] in text


def test_malformed_yaml_and_wrong_suffix(teacher: Api) -> None:
    resp = teacher.post(
        "/api/v1/author/banks/validate",
        json={"filename": "bad.yaml", "content": "id: x\ntitle: [unclosed\nsource: {title: t}\n"},
    )
    assert resp.status_code == 422
    (error,) = resp.get_json()["errors"]
    assert error["line"] == 3 and "is not closed with ']'" in error["message"]
    resp = teacher.post(
        "/api/v1/author/banks/validate", json={"filename": "bank.docx", "content": "x"}
    )
    assert resp.status_code == 422
    assert "not a bank file" in resp.get_json()["errors"][0]["message"]


def test_upload_creates_a_draft_then_publish(
    app: Flask, teacher: Api, api_for: Callable[[int], Api]
) -> None:
    resp = teacher.post("/api/v1/author/banks", json=upload_body(SOLAR.read_text()))
    assert resp.status_code == 201, resp.text
    result = resp.get_json()
    assert result["created"] is True and len(result["facts_added"]) == 16
    assert result["bank"]["id"] == SOLAR_ID and result["bank"]["status"] == "draft"
    student = api_for(create_account(app, "ana"))
    assert student.get("/api/v1/banks").get_json()["banks"] == []  # a draft: only tess sees it
    assert [b["id"] for b in teacher.get("/api/v1/banks").get_json()["banks"]] == [SOLAR_ID]

    published = teacher.post(f"/api/v1/author/banks/{SOLAR_ID}/publish")
    assert published.status_code == 200 and published.get_json()["status"] == "published"
    # Published but not public: students of its classes see it (ana is in none).
    assert student.get("/api/v1/banks").get_json()["banks"] == []
    with app.app_context():
        from quizapp.database import write_transaction

        with write_transaction():
            db.session.execute(select(Bank)).scalar_one().is_public = True
    assert [b["id"] for b in student.get("/api/v1/banks").get_json()["banks"]] == [SOLAR_ID]
    listed = teacher.get("/api/v1/author/banks").get_json()["banks"]
    assert [(b["id"], b["status"], b["is_public"]) for b in listed] == [
        (SOLAR_ID, "published", True)
    ]
    back = teacher.post(f"/api/v1/author/banks/{SOLAR_ID}/unpublish")
    assert back.get_json()["status"] == "draft"
    assert student.get("/api/v1/banks").get_json()["banks"] == []


def test_replacing_asks_before_resetting_progress(
    app: Flask, teacher: Api, api_for: Callable[[int], Api]
) -> None:
    assert (
        teacher.post("/api/v1/author/banks", json=upload_body(SOLAR.read_text())).status_code == 201
    )
    teacher.post(f"/api/v1/author/banks/{SOLAR_ID}/publish")
    with app.app_context():
        from quizapp.database import write_transaction

        with write_transaction():
            db.session.execute(select(Bank)).scalar_one().is_public = True
    # A student learns the first fact (Sputnik 1, 1957).
    student = api_for(create_account(app, "ana"))
    q = student.get(f"/api/v1/study/next?bank={SOLAR_ID}").get_json()
    assert "Sputnik" in q["prompt"]
    student.post(
        "/api/v1/study/answer",
        json={"presentation_id": q["presentation_id"], "answer": right(q), "rating": 3},
    )
    data = yaml.safe_load(SOLAR.read_text())
    first = data["facts"][0]
    assert first["id"] == "sputnik-1-launch"
    changed = SOLAR.read_text().replace('date: "1957-10-04"', 'date: "1957-10-05"', 1)
    changed = changed.replace("on October 4, 1957", "on October 5, 1957", 1)
    text = SOLAR_TEXT.read_text().replace("on October 4, 1957", "on October 5, 1957")
    body = {"filename": "solar_system.yaml", "content": changed, "document_text": text}
    report = teacher.post("/api/v1/author/banks/validate", json=body).get_json()
    assert report.get("valid"), report
    assert report["exists"] is True
    assert [(r["key"], r["students"]) for r in report["resets"]] == [("sputnik-1-launch", 1)]
    resp = teacher.post("/api/v1/author/banks", json=body)
    assert resp.status_code == 409 and "confirm_reset" in resp.get_json()["detail"]
    assert resp.get_json()["errors"][0]["path"] == "sputnik-1-launch"
    resp = teacher.post("/api/v1/author/banks", json={**body, "confirm_reset": True})
    assert resp.status_code == 201
    result = resp.get_json()
    assert result["created"] is False and result["facts_reset"] == ["sputnik-1-launch"]
    assert result["bank"]["status"] == "published"  # replacing keeps the status
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Review)) == 1  # log kept


def test_someone_elses_bank(app: Flask, teacher: Api, api_for: Callable[[int], Api]) -> None:
    teacher.post("/api/v1/author/banks", json=upload_body(SOLAR.read_text()))
    other = api_for(create_account(app, "otto", role="instructor"))
    for path in ("publish", "unpublish"):
        resp = other.post(f"/api/v1/author/banks/{SOLAR_ID}/{path}")
        assert resp.status_code == 404 and resp.mimetype == PROBLEM
    assert other.get(f"/api/v1/author/banks/{SOLAR_ID}/questions").status_code == 404
    assert other.get("/api/v1/author/banks").get_json() == {"banks": []}
    resp = other.post("/api/v1/author/banks", json=upload_body(SOLAR.read_text()))
    assert resp.status_code == 422
    assert f"A bank with id '{SOLAR_ID}' already exists" in resp.get_json()["errors"][0]["message"]
    admin = api_for(create_account(app, "adam", role="admin"))
    assert admin.post(f"/api/v1/author/banks/{SOLAR_ID}/publish").status_code == 200


def test_students_may_not(app: Flask, api: Api, solar: int) -> None:
    calls = [
        ("get", "/api/v1/author/banks", None),
        ("post", "/api/v1/author/banks/validate", upload_body(SOLAR.read_text())),
        ("post", "/api/v1/author/banks", upload_body(SOLAR.read_text())),
        ("post", f"/api/v1/author/banks/{SOLAR_ID}/publish", None),
        ("post", f"/api/v1/author/banks/{SOLAR_ID}/unpublish", None),
        ("get", f"/api/v1/author/banks/{SOLAR_ID}/questions", None),
        ("get", f"/api/v1/author/banks/{SOLAR_ID}/export/yaml", None),
    ]
    for method, path, body in calls:
        resp = getattr(api, method)(path, **({"json": body} if body else {}))
        assert resp.status_code == 403, path
        assert resp.mimetype == PROBLEM and "instructor" in resp.get_json()["detail"]


def test_export_questions_matches_the_cli(app: Flask, teacher: Api, runner: Any) -> None:
    teacher.post("/api/v1/author/banks", json=upload_body(SOLAR.read_text()))
    resp = teacher.get(f"/api/v1/author/banks/{SOLAR_ID}/questions?seed=7")
    assert resp.status_code == 200
    cli = runner.invoke(args=["export-questions", str(SOLAR), "--seed", "7"])
    assert cli.exit_code == 0, cli.output
    assert resp.get_json() == json.loads(cli.stdout)


def test_export_files(app: Flask, teacher: Api) -> None:
    teacher.post("/api/v1/author/banks", json=upload_body(SOLAR.read_text()))
    resp = teacher.get(f"/api/v1/author/banks/{SOLAR_ID}/export/yaml")
    assert resp.status_code == 200
    assert f"{SOLAR_ID}.yaml" in resp.headers["Content-Disposition"]
    assert yaml.safe_load(resp.get_data(as_text=True))["id"] == SOLAR_ID
    resp = teacher.get(f"/api/v1/author/banks/{SOLAR_ID}/export/docx")
    assert resp.status_code == 404 and "choose one of" in resp.get_json()["detail"]

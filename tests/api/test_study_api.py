"""The study loop through the API: banks, next question, answer, and what gets recorded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from fsrs import Rating
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Presentation, Review

from .conftest import SOLAR_ID, Api, create_account, right, wrong

PROBLEM = "application/problem+json"


def next_q(api: Api) -> dict[str, Any]:
    resp = api.get(f"/api/v1/study/next?bank={SOLAR_ID}")
    assert resp.status_code == 200, resp.text
    return resp.get_json()


def next_of_type(api: Api, kind: str | tuple[str, ...]) -> dict[str, Any]:
    """Answer questions (right, rated Easy so they leave the queue) until one of ``kind``."""
    kinds = (kind,) if isinstance(kind, str) else kind
    for _ in range(30):
        q = next_q(api)
        if q["type"] in kinds:
            return q
        answer(api, q, right(q), rating=4)
    raise AssertionError(f"no {kind} question came up")


def answer(api: Api, q: dict[str, Any], given: list[str], **extra: Any) -> Any:
    body = {"presentation_id": q["presentation_id"], "answer": given, **extra}
    return api.post("/api/v1/study/answer", json=body)


def reviews(app: Flask) -> list[Review]:
    with app.app_context():
        rows = list(db.session.execute(select(Review).order_by(Review.id)).scalars())
        db.session.expunge_all()
        return rows


def test_banks_list_with_counts(app: Flask, api: Api, solar: int) -> None:
    resp = api.get("/api/v1/banks")
    assert resp.status_code == 200
    (bank,) = resp.get_json()["banks"]
    assert bank["id"] == SOLAR_ID and bank["title"] == "Exploring the Solar System"
    assert bank["due"] == 0 and bank["learned"] == 0
    assert bank["new"] == 20 and bank["total"] > 20  # the daily new-item limit
    q = next_q(api)
    assert answer(api, q, right(q), rating=4).status_code == 200  # Easy: learned at once
    (bank,) = api.get("/api/v1/banks").get_json()["banks"]
    assert bank["new"] == 19 and bank["learned"] == 1 and bank["due"] == 0


def test_banks_list_hides_drafts_of_others(app: Flask, api: Api) -> None:
    from quizapp.services.banks import import_bank_file

    from .conftest import SOLAR

    with app.app_context():
        import_bank_file(SOLAR, status="draft", is_public=False)
    assert api.get("/api/v1/banks").get_json() == {"banks": []}
    resp = api.get(f"/api/v1/study/next?bank={SOLAR_ID}")
    assert resp.status_code == 404 and resp.mimetype == PROBLEM
    assert "GET /api/v1/banks" in resp.get_json()["detail"]


def test_next_is_in_the_export_format(api: Api, solar: int) -> None:
    q = next_q(api)
    assert set(q) == {
        "presentation_id",
        "id",
        "type",
        "prompt",
        "options",
        "answer",
        "fact_ids",
        "source",
        "explanation",
        "counts",
    }
    assert q["counts"]["new"] >= 1 and q["counts"]["due"] == 0
    # A GET records nothing and shows the same item again.
    assert next_q(api)["id"] == q["id"]


def test_right_answer_records_good(app: Flask, api: Api, solar: int) -> None:
    q = next_of_type(api, ("single_choice", "multiple_choice", "ordering"))
    before = len(reviews(app))
    resp = answer(api, q, right(q), duration_ms=4200)
    assert resp.status_code == 200, resp.text
    result = resp.get_json()
    assert result["correct"] is True and result["score"] == 1.0
    assert result["rating"] == 3 and result["rating_label"] == "Good"
    assert result["correct_answer"] == q["answer"] and result["answer"] == right(q)
    assert result["explanation"] == q["explanation"] and result["source"] == q["source"]
    assert result["next_due"] > result["answered_at"]
    rows = reviews(app)
    assert len(rows) == before + 1
    assert rows[-1].rating == Rating.Good and rows[-1].correct and rows[-1].duration_ms == 4200


def test_wrong_answer_records_again(app: Flask, api: Api, solar: int) -> None:
    q = next_of_type(api, "single_choice")
    result = answer(api, q, wrong(q)).get_json()
    assert result["correct"] is False and result["rating"] == 1
    assert result["rating_label"] == "Again" and result["correct_answer"] == q["answer"]
    last = reviews(app)[-1]
    assert last.rating == Rating.Again and not last.correct


def test_ordering_answer_in_the_students_order(app: Flask, api: Api, solar: int) -> None:
    q = next_of_type(api, "ordering")
    result = answer(api, q, wrong(q)).get_json()
    assert result["correct"] is False and result["answer"] == wrong(q)
    assert len(result["per_position"]) == len(q["options"])
    assert reviews(app)[-1].rating == Rating.Again


def test_the_rating_sent_wins(app: Flask, api: Api, solar: int) -> None:
    q = next_of_type(api, "single_choice")
    result = answer(api, q, right(q), rating=2).get_json()
    assert result["correct"] is True and result["rating_label"] == "Hard"
    assert reviews(app)[-1].rating == Rating.Hard


def test_same_presentation_twice_gives_the_same_result_and_one_review(
    app: Flask, api: Api, solar: int
) -> None:
    q = next_of_type(api, "single_choice")
    first = answer(api, q, right(q))
    count = len(reviews(app))
    again = answer(api, q, wrong(q), rating=4)  # a different answer changes nothing
    assert again.status_code == 200
    assert again.get_data() == first.get_data()
    assert len(reviews(app)) == count
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Presentation)) == count


def test_flashcard_needs_a_rating(app: Flask, api: Api, solar: int) -> None:
    q = next_of_type(api, "flashcard")
    count = len(reviews(app))
    resp = answer(api, q, [])
    assert resp.status_code == 400 and resp.mimetype == PROBLEM
    problem = resp.get_json()
    assert problem["type"] == "tag:quizapp,2026:problems/rating-required"
    assert "rating" in problem["detail"] and problem["errors"][0]["path"] == "rating"
    assert len(reviews(app)) == count
    result = answer(api, q, [], rating=1).get_json()
    assert result["correct"] is False and result["rating_label"] == "Again"
    assert result["score"] is None and result["correct_answer"] == q["answer"]
    assert reviews(app)[-1].rating == Rating.Again


def test_flashcard_takes_no_answer(api: Api, solar: int) -> None:
    q = next_of_type(api, "flashcard")
    resp = answer(api, q, ["right"], rating=3)
    assert resp.status_code == 400 and 'send "answer": []' in resp.get_json()["detail"]


def test_answers_that_are_not_options(app: Flask, api: Api, solar: int) -> None:
    q = next_of_type(api, "single_choice")
    count = len(reviews(app))
    cases = {
        "not one of the options": ["Atlantis"],
        "exactly one option": q["options"][:2],
        "at least one option": [],
        "sent twice": [q["options"][0], q["options"][0]],
    }
    for expected, given in cases.items():
        resp = answer(api, q, given)
        assert resp.status_code == 400, given
        problem = resp.get_json()
        assert expected in problem["detail"] and problem["errors"][0]["path"] == "answer"
    assert len(reviews(app)) == count
    assert answer(api, q, right(q)).status_code == 200  # the question is still open


def test_ordering_needs_every_item(api: Api, solar: int) -> None:
    q = next_of_type(api, "ordering")
    resp = answer(api, q, q["answer"][:-1])
    assert resp.status_code == 400
    assert f"all {len(q['options'])} options" in resp.get_json()["detail"]


def test_bad_presentation_ids(
    app: Flask, api: Api, api_for: Callable[[int], Api], solar: int
) -> None:
    resp = api.post("/api/v1/study/answer", json={"presentation_id": "forged", "answer": ["x"]})
    assert resp.status_code == 400 and resp.mimetype == PROBLEM
    assert resp.get_json()["errors"][0]["path"] == "presentation_id"
    q = next_q(api)
    other = api_for(create_account(app, "ben"))
    assert answer(other, q, right(q), rating=3).status_code == 404


def test_invalid_bodies_are_400_problems(api: Api, solar: int) -> None:
    for body in ({}, {"presentation_id": "x"}, {"presentation_id": "x", "answer": "x"}, []):
        resp = api.post("/api/v1/study/answer", json=body)
        assert resp.status_code == 400, body
        assert resp.mimetype == PROBLEM and resp.get_json()["errors"]
    resp = api.post(
        "/api/v1/study/answer", json={"presentation_id": "x", "answer": [], "rating": 5}
    )
    assert resp.status_code == 400 and resp.get_json()["errors"][0]["path"] == "rating"
    resp = api.post("/api/v1/study/answer", data="not json", content_type="text/plain")
    assert resp.status_code == 400 and "application/json" in resp.get_json()["detail"]
    assert api.get("/api/v1/study/next").status_code == 400  # no bank


def test_204_when_nothing_is_due_or_new(app: Flask, client: Any, solar: int) -> None:
    from .conftest import make_token

    api = Api(client, make_token(app, create_account(app, "ana", new_per_day=2)))
    for _ in range(2):
        q = next_q(api)
        assert answer(api, q, right(q), rating=4).status_code == 200  # Easy: due in days
    resp = api.get(f"/api/v1/study/next?bank={SOLAR_ID}")
    assert resp.status_code == 204 and resp.get_data() == b""


def test_a_changed_bank_refuses_an_open_question(app: Flask, api: Api, solar: int) -> None:
    from quizapp.database import write_transaction
    from quizapp.models import Bank

    q = next_q(api)
    with app.app_context(), write_transaction():
        db.session.get(Bank, solar).content_hash = "0" * 64
    resp = answer(api, q, right(q), rating=3)
    assert resp.status_code == 409 and "GET /api/v1/study/next" in resp.get_json()["detail"]


def test_unknown_addresses_and_methods_are_problems(api: Api) -> None:
    resp = api.get("/api/v1/nothing/here")
    assert resp.status_code == 404 and resp.mimetype == PROBLEM
    resp = api.client.delete("/api/v1/banks")
    assert resp.status_code == 405 and resp.mimetype == PROBLEM
    assert "GET" in resp.headers["Allow"]
    resp = api.get("/api/v1/study/answer")
    assert resp.status_code == 405 and "POST" in resp.headers["Allow"]
    # The web keeps its HTML error pages.
    page = api.client.get("/no/such/page")
    assert page.status_code == 404 and page.mimetype == "text/html"

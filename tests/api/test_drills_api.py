"""Drills over the API: create, answer (and change the answer), submit, report, history.

The right answers are not in the drill until it is submitted, so the tests read them from the
stored drill questions, as the report will show them.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select

from quizapp.clock import FakeClock
from quizapp.extensions import db
from quizapp.models import DrillQuestion, ItemState, Review

from .conftest import SOLAR_ID, Api, create_account


def keys(app: Flask, drill_id: int) -> dict[int, list[str]]:
    """The right answer of every question of a drill, by position."""
    with app.app_context():
        rows = db.session.execute(
            select(DrillQuestion.position, DrillQuestion.question).where(
                DrillQuestion.drill_id == drill_id
            )
        ).all()
    return {position: list(question["answer"]) for position, question in rows}


def wrong_of(q: dict[str, Any], key: list[str]) -> list[str]:
    if q["type"] == "ordering":
        return list(reversed(key))
    return [next(o for o in q["options"] if o not in key)]


def new_drill(api: Api, **settings: Any) -> dict[str, Any]:
    resp = api.post("/api/v1/drills", json={"banks": [SOLAR_ID], **settings})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def count(app: Flask, model: Any) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_a_drill_from_start_to_report(app: Flask, api: Api, solar: int) -> None:
    drill = new_drill(api, types=["single_choice", "ordering"])
    assert drill["status"] == "in progress" and drill["deadline"] is None
    questions = drill["questions"]
    assert len(questions) == 10
    assert {q["type"] for q in questions} <= {"single_choice", "ordering"}
    # Nothing gives the answers away before the drill is submitted.
    assert all("correct_answer" not in q and q["answer"] is None for q in questions)
    key = keys(app, drill["id"])

    # Answer everything wrong, then change all but the last three to right.
    wrongs = [
        {"position": q["position"], "answer": wrong_of(q, key[q["position"]])} for q in questions
    ]
    saved = api.post(f"/api/v1/drills/{drill['id']}/answers", json={"answers": wrongs})
    assert saved.status_code == 200
    assert all(q["answer"] for q in saved.get_json()["questions"])
    rights = [{"position": q["position"], "answer": key[q["position"]]} for q in questions[:7]]
    assert (
        api.post(f"/api/v1/drills/{drill['id']}/answers", json={"answers": rights}).status_code
        == 200
    )

    # The report is refused until the drill is submitted.
    early = api.get(f"/api/v1/drills/{drill['id']}/report")
    assert early.status_code == 409 and "submit it" in early.get_json()["detail"]

    report = api.post(f"/api/v1/drills/{drill['id']}/submit").get_json()
    assert report["status"] == "submitted" and report["max_score"] == 10
    results = {r["position"]: r for r in report["results"]}
    for q in questions[:7]:
        assert results[q["position"]]["correct"] is True
        assert results[q["position"]]["score"] == 1.0
    for q in questions[7:]:
        r = results[q["position"]]
        assert r["correct"] is False and r["correct_answer"] == key[q["position"]]
        assert r["source"] and r["explanation"]
        if q["type"] == "ordering":
            # Reversed: no pair of items in the right relative order, so no partial credit.
            assert r["score"] == 0.0 and r["per_position"] is not None
    assert report["score"] == sum(r["score"] for r in report["results"])
    assert report["percent"] == round(100 * report["score"] / 10, 2)
    assert sum(t["questions"] for t in report["by_type"]) == 10
    assert sum(t["questions"] for t in report["by_topic"]) == 10

    # Submitting again changes nothing; answers are refused now.
    assert api.post(f"/api/v1/drills/{drill['id']}/submit").get_json() == report
    late = api.post(f"/api/v1/drills/{drill['id']}/answers", json={"answers": rights[:1]})
    assert late.status_code == 409 and late.get_json()["type"].endswith("drill-closed")
    assert api.get(f"/api/v1/drills/{drill['id']}/report").get_json() == report

    # Untouched schedule: the drill did not count as reviews.
    assert count(app, Review) == 0 and count(app, ItemState) == 0
    (listed,) = api.get("/api/v1/drills").get_json()["drills"]
    assert listed["id"] == drill["id"] and listed["percent"] == report["percent"]


def test_a_drill_counted_as_reviews_records_one_review_per_answer(
    app: Flask, api: Api, solar: int
) -> None:
    drill = new_drill(api, count_as_reviews=True, types=["single_choice"])
    key = keys(app, drill["id"])
    first, second = drill["questions"][:2]
    answers = [
        {"position": first["position"], "answer": key[first["position"]]},
        {"position": second["position"], "answer": wrong_of(second, key[second["position"]])},
    ]
    api.post(f"/api/v1/drills/{drill['id']}/answers", json={"answers": answers})
    api.post(f"/api/v1/drills/{drill['id']}/submit")
    with app.app_context():
        reviews = db.session.execute(select(Review.correct, Review.rating)).all()
    assert sorted(reviews) == [(False, 1), (True, 3)]  # Again for the wrong one, Good right


def test_bad_requests_say_what_to_change(app: Flask, api: Api, solar: int) -> None:
    unknown = api.post("/api/v1/drills", json={"banks": ["no-such-bank"]})
    assert unknown.status_code == 400 and "no-such-bank" in unknown.get_json()["detail"]
    assert unknown.get_json()["errors"][0]["path"] == "banks"
    typo = api.post("/api/v1/drills", json={"banks": [SOLAR_ID], "cuont": 10})
    assert typo.status_code == 400
    drill = new_drill(api)
    q = drill["questions"][0]
    url = f"/api/v1/drills/{drill['id']}/answers"
    not_option = api.post(
        url, json={"answers": [{"position": q["position"], "answer": ["Pluto?"]}]}
    )
    assert not_option.status_code == 400
    assert "'Pluto?' is not one of the options" in not_option.get_json()["detail"]
    assert not_option.get_json()["errors"][0]["path"] == "answers[0].answer"
    no_such = api.post(url, json={"answers": [{"position": 99, "answer": []}]})
    assert no_such.status_code == 400 and "no question 99" in no_such.get_json()["detail"]
    # None of it saved anything.
    assert all(
        q["answer"] is None
        for q in api.get(f"/api/v1/drills/{drill['id']}").get_json()["questions"]
    )


def test_a_timed_drill_past_its_deadline_is_submitted_by_itself(
    app: Flask, api: Api, solar: int, clock: FakeClock
) -> None:
    drill = new_drill(api, time_limit_min=5)
    assert drill["deadline"] is not None
    clock.advance(minutes=6)
    seen = api.get(f"/api/v1/drills/{drill['id']}").get_json()
    assert seen["status"] == "auto-submitted"
    report = api.get(f"/api/v1/drills/{drill['id']}/report").get_json()
    assert report["score"] == 0 and report["status"] == "auto-submitted"


def test_another_users_drill_is_not_found(app: Flask, api: Api, api_for: Any, solar: int) -> None:
    drill = new_drill(api)
    other = api_for(create_account(app, "bea"))
    for method, path in (
        ("get", f"/api/v1/drills/{drill['id']}"),
        ("get", f"/api/v1/drills/{drill['id']}/report"),
        ("post", f"/api/v1/drills/{drill['id']}/submit"),
        ("post", f"/api/v1/drills/{drill['id']}/answers"),
    ):
        body = {"answers": [{"position": 1, "answer": []}]} if path.endswith("answers") else None
        resp = getattr(other, method)(path, json=body) if body else getattr(other, method)(path)
        assert resp.status_code == 404, (method, path)
    assert other.get("/api/v1/drills").get_json() == {"drills": []}
    assert api.get(f"/api/v1/drills/{drill['id']}").get_json()["status"] == "in progress"
    assert other.get(f"/api/v1/drills/{2**40}").status_code == 404

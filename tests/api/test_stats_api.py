"""GET /api/v1/stats on a small history built through the API, figures worked out by hand.

The student lives in Lima (UTC-5), so local days differ from UTC days. FSRS fuzz is off in the
tests, so the intervals are exact: Easy on a new item schedules it 8 days later.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient

from quizapp.clock import FakeClock
from quizapp.database import write_transaction
from quizapp.extensions import db
from quizapp.models import User

from .conftest import Api, create_account, make_token, right, wrong
from .test_study_api import answer, next_q


def test_stats_figures(app: Flask, client: FlaskClient, clock: FakeClock, solar: int) -> None:
    uid = create_account(app, "ana", new_per_day=3, timezone="America/Lima")
    api = Api(client, make_token(app, uid))

    # Monday 2 March, 04:00 in Lima: three new items; two right (Easy), one wrong.
    first = []
    for is_right, rating in ((True, 4), (True, 4), (False, 1)):
        q = next_q(api)
        first.append(q["id"])
        given = right(q) if is_right else wrong(q)
        assert answer(api, q, given, rating=rating).get_json()["correct"] is is_right
    a, b, c = first

    # Wednesday 4 March 02:00 UTC is still Tuesday 3 March in Lima: the wrong one, now right.
    clock.current = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)
    q = next_q(api)
    assert q["id"] == c
    assert answer(api, q, right(q), rating=4).get_json()["correct"] is True

    # Tuesday 10 March: a and b are due (learned 8 days ago), and so is c. No new items.
    with app.app_context(), write_transaction():
        db.session.get(User, uid).new_per_day = 0
    clock.current = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    plan = {a: True, b: False, c: True}
    for _ in range(3):
        q = next_q(api)
        is_right = plan.pop(q["id"])
        given = right(q) if is_right else wrong(q)
        assert answer(api, q, given, rating=3 if is_right else 1).status_code == 200
    assert plan == {}

    stats = api.get("/api/v1/stats").get_json()
    assert stats["timezone"] == "America/Lima"
    assert stats["reviews_today"] == 3
    assert stats["streak"] == 1  # 10 March; 9 March had none
    assert stats["reviews_total"] == 7
    assert stats["new_left_today"] == 0
    (bank,) = stats["banks"]
    # a and c are learned; b lapsed (relearning, due in 10 minutes); nothing new today.
    assert (bank["due"], bank["new"], bank["learned"]) == (0, 0, 2)
    days = stats["reviews_per_day"]
    assert len(days) == 30 and days[0]["day"] == "2026-02-09" and days[-1]["day"] == "2026-03-10"
    busy = {d["day"]: (d["reviews"], d["correct"]) for d in days if d["reviews"]}
    assert busy == {"2026-03-02": (3, 2), "2026-03-03": (1, 1), "2026-03-10": (3, 2)}
    # Retention: only the reviews of items already learned count (the three of 10 March);
    # the answers to new items and the one in its learning step do not.
    assert stats["retention"] == {"reviews": 3, "correct": 2, "rate": 0.6667}
    months = stats["retention_by_month"]
    assert [m["month"] for m in (months[0], months[-1])] == ["2025-04", "2026-03"]
    assert len(months) == 12 and months[-1] == {
        "month": "2026-03",
        "reviews": 3,
        "correct": 2,
        "rate": 0.6667,
    }
    assert all(m["reviews"] == 0 and m["rate"] is None for m in months[:-1])
    assert stats["reviews_last_year"] == [
        {"day": "2026-03-02", "reviews": 3},
        {"day": "2026-03-03", "reviews": 1},
        {"day": "2026-03-10", "reviews": 3},
    ]
    forecast = stats["due_forecast"]
    assert len(forecast) == 30 and forecast[0]["day"] == "2026-03-10"
    # b lapsed and is due again in 10 minutes; a and c went on to later days.
    assert forecast[0]["due"] == 1 and sum(d["due"] for d in forecast) <= 3
    # All three were just answered, so their retrievability is 1: three facts mastered.
    assert {t["bank"] for t in stats["mastery"]} == {"solar-system-exploration"}
    assert sum(t["started"] for t in stats["mastery"]) == 3
    assert sum(t["mastered"] for t in stats["mastery"]) == 3
    assert all(0 <= t["share"] <= 1 and t["facts"] >= t["started"] for t in stats["mastery"])

    # Wednesday 1 April: the window is 3 March to 1 April; 2 March has left it.
    clock.current = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
    stats = api.get("/api/v1/stats").get_json()
    assert (stats["reviews_today"], stats["streak"], stats["reviews_total"]) == (0, 0, 7)
    days = stats["reviews_per_day"]
    assert days[0]["day"] == "2026-03-03" and days[-1]["day"] == "2026-04-01"
    busy = {d["day"]: (d["reviews"], d["correct"]) for d in days if d["reviews"]}
    assert busy == {"2026-03-03": (1, 1), "2026-03-10": (3, 2)}
    assert stats["retention"] == {"reviews": 3, "correct": 2, "rate": 0.6667}


def test_stats_of_a_new_student(api: Api) -> None:
    stats = api.get("/api/v1/stats").get_json()
    assert stats["reviews_today"] == 0 and stats["streak"] == 0 and stats["reviews_total"] == 0
    assert stats["banks"] == [] and len(stats["reviews_per_day"]) == 30
    assert stats["retention"] == {"reviews": 0, "correct": 0, "rate": None}
    assert stats["reviews_last_year"] == [] and stats["mastery"] == []
    assert len(stats["retention_by_month"]) == 12 and len(stats["due_forecast"]) == 30

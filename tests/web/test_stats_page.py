"""The statistics page (GET /stats) and its service, on review-log and FSRS-state rows written
with known dates, against figures worked out by hand.

The student lives in Paris (UTC+1 in winter) and "now" is Monday 2 March 2026, 09:00 UTC
(10:00 in Paris), so answers and due times near midnight UTC land on the next local day.
Another student's rows and rows in a bank the student cannot see are added too: none of them
may change a figure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from fsrs import Card, Scheduler, State
from sqlalchemy import event, select

from quizapp.clock import FakeClock
from quizapp.core.bank import load_bank
from quizapp.database import write_transaction
from quizapp.extensions import db
from quizapp.models import Fact, Item, ItemState, Review, User
from quizapp.services.banks import import_bank as import_core_bank
from quizapp.services.statistics import student_statistics

from ..conftest import FIXTURE_BANKS
from ..helpers import import_bank, login_as, make_user, right_answer, shown_question

SOLAR = FIXTURE_BANKS / "solar_system.yaml"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TODAY = date(2026, 3, 2)
PARIS = "Europe/Paris"


def at(day: str, hh_mm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hh_mm}:00+00:00")


# --- factories ---------------------------------------------------------------------------------


def items_of_fact(app: Flask, bank_id: int, key: str) -> list[int]:
    """The active item ids of one fact, in bank order."""
    with app.app_context():
        return list(
            db.session.execute(
                select(Item.id)
                .join(Fact, Fact.id == Item.fact_id)
                .where(Fact.bank_id == bank_id, Fact.key == key, Item.active.is_(True))
                .order_by(Item.position)
            ).scalars()
        )


def add_review(
    app: Flask,
    user_id: int,
    item_id: int,
    answered_at: datetime,
    *,
    correct: bool,
    before: int | None,
) -> None:
    """One review-log row; ``before`` is the fsrs state before the answer (None: new item)."""
    with app.app_context(), write_transaction():
        item = db.session.get_one(Item, item_id)
        db.session.add(
            Review(
                user_id=user_id,
                item_id=item_id,
                fact_id=item.fact_id,
                bank_id=item.bank_id,
                rating=3 if correct else 1,
                answered_at=answered_at,
                local_day=answered_at.date(),
                correct=correct,
                was_new=before is None,
                state_before=None if before is None else {"state": before, "step": None},
                state_after={"state": int(State.Review)},
            )
        )


def add_state(
    app: Flask, user_id: int, item_id: int, *, stability: float, days_ago: int, due: datetime
) -> None:
    """An FSRS review-state card last reviewed ``days_ago`` whole days before now."""
    with app.app_context(), write_transaction():
        item = db.session.get_one(Item, item_id)
        db.session.add(
            ItemState(
                user_id=user_id,
                item_id=item_id,
                bank_id=item.bank_id,
                state=int(State.Review),
                step=None,
                stability=stability,
                difficulty=5.0,
                due=due,
                last_review=NOW - timedelta(days=days_ago),
                reps=3,
                lapses=0,
            )
        )


def fsrs_r(stability: float, days_ago: int) -> float:
    card = Card(
        card_id=0,
        state=State.Review,
        stability=stability,
        difficulty=5.0,
        due=NOW,
        last_review=NOW - timedelta(days=days_ago),
    )
    return Scheduler().get_card_retrievability(card, NOW)


@dataclass(frozen=True)
class World:
    ana: int
    bob: int
    solar: int
    hidden: int


@pytest.fixture
def world(app: Flask, clock: FakeClock) -> World:
    clock.current = NOW
    solar = import_bank(app, SOLAR)
    # The same bank under another id, published but neither public nor in a class of Ana's.
    hidden_core = load_bank(SOLAR).model_copy(update={"id": "hidden-solar", "title": "Hidden"})
    with app.app_context():
        hidden = import_core_bank(hidden_core, is_public=False).bank.id
    ana = make_user(app, "ana", timezone=PARIS)
    bob = make_user(app, "bob", timezone=PARIS)

    sputnik = items_of_fact(app, solar, "sputnik-1-launch")
    apollo = items_of_fact(app, solar, "apollo-11-landing")
    voyager = items_of_fact(app, solar, "voyager-1-interstellar")
    armstrong = items_of_fact(app, solar, "armstrong-commander")
    iss = items_of_fact(app, solar, "iss-crewed")
    item = sputnik[0]

    # Ana's review log, in Paris days:
    reviews = [
        # Monday 2 March (today): 23:30 UTC on 1 March is already 00:30 on the 2nd in Paris.
        (at("2026-03-01", "23:30"), True, 2),
        (at("2026-03-02", "08:00"), False, 2),
        (at("2026-03-02", "08:30"), True, 2),
        # Sunday 1 March: a new item (no retention) and a learned one.
        (at("2026-03-01", "22:30"), True, None),
        (at("2026-03-01", "10:00"), True, 2),
        # February: one of two learned answers right; the learning-step answer does not count.
        (at("2026-02-28", "12:00"), True, 2),
        (at("2026-02-10", "10:00"), False, 2),
        (at("2026-02-10", "11:00"), True, 1),
        # 23:30 UTC on New Year's Eve is 1 January in Paris: January, not December.
        (at("2025-12-31", "23:30"), True, 2),
        # The heatmap's first day, 3 March 2025, begins at 23:00 UTC on the 2nd in Paris...
        (at("2025-03-02", "23:30"), True, 2),
        # ...so this one, 23:30 on 2 March in Paris, is a day too old.
        (at("2025-03-02", "22:30"), True, 2),
    ]
    for answered_at, correct, before in reviews:
        add_review(app, ana, item, answered_at, correct=correct, before=before)

    # Ana's cards: stabilities and elapsed days put retrievability just above or below 0.9;
    # due times test the forecast (Paris is UTC+1: 23:30 UTC on the 2nd is the 3rd there).
    add_state(app, ana, sputnik[0], stability=10, days_ago=9, due=at("2026-03-03", "09:00"))
    add_state(app, ana, sputnik[1], stability=5, days_ago=4, due=at("2026-02-25", "09:00"))
    add_state(app, ana, apollo[0], stability=10, days_ago=11, due=at("2026-03-02", "22:30"))
    add_state(app, ana, voyager[0], stability=30, days_ago=1, due=at("2026-03-31", "12:00"))
    add_state(app, ana, voyager[1], stability=20, days_ago=21, due=at("2026-03-02", "23:30"))
    add_state(app, ana, armstrong[0], stability=3, days_ago=2, due=at("2026-04-01", "12:00"))
    # A retired item: neither due nor a start on its fact.
    add_state(app, ana, iss[0], stability=50, days_ago=1, due=at("2026-03-02", "08:00"))
    with app.app_context(), write_transaction():
        db.session.get_one(Item, iss[0]).active = False

    # Ana's rows in the bank she cannot see, and Bob's rows: none of them may count for Ana.
    hidden_item = items_of_fact(app, hidden, "iss-crewed")[0]
    add_state(app, ana, hidden_item, stability=50, days_ago=1, due=at("2026-03-02", "08:00"))
    for _ in range(5):
        add_review(app, ana, hidden_item, at("2026-03-02", "07:00"), correct=False, before=2)
    add_state(app, bob, iss[1], stability=50, days_ago=1, due=at("2026-03-02", "08:00"))
    for _ in range(7):
        add_review(app, bob, iss[1], at("2026-03-02", "07:00"), correct=False, before=2)
    return World(ana=ana, bob=bob, solar=solar, hidden=hidden)


def stats_of(app: Flask, user_id: int):  # type: ignore[no-untyped-def]
    with app.app_context():
        return student_statistics(db.session.get_one(User, user_id), NOW)


# --- the figures -------------------------------------------------------------------------------


def test_heatmap_counts_local_days_over_365_days(app: Flask, world: World) -> None:
    hm = stats_of(app, world.ana).heatmap
    assert (hm.days[0].day, hm.days[-1].day) == (date(2025, 3, 3), TODAY)
    assert {d.day: d.count for d in hm.days if d.count} == {
        TODAY: 3,
        date(2026, 3, 1): 2,
        date(2026, 2, 28): 1,
        date(2026, 2, 10): 2,
        date(2026, 1, 1): 1,
        date(2025, 3, 3): 1,
    }
    assert (hm.total, hm.busiest) == (10, 3)
    totals = {m.month: m.reviews for m in hm.months if m.reviews}
    assert totals == {
        date(2025, 3, 1): 1,
        date(2026, 1, 1): 1,
        date(2026, 2, 1): 3,
        date(2026, 3, 1): 5,
    }


def test_reviews_per_day_over_30_days(app: Flask, world: World) -> None:
    days = stats_of(app, world.ana).reviews_per_day
    assert len(days) == 30 and days[0].day == date(2026, 2, 1) and days[-1].day == TODAY
    assert {d.day: (d.right, d.wrong) for d in days if d.total} == {
        TODAY: (2, 1),
        date(2026, 3, 1): (2, 0),
        date(2026, 2, 28): (1, 0),
        date(2026, 2, 10): (1, 1),
    }


def test_due_forecast_over_30_local_days(app: Flask, world: World) -> None:
    forecast = stats_of(app, world.ana).due_forecast
    assert len(forecast) == 30 and forecast[0].day == TODAY
    # Today: the overdue sputnik card and apollo at 23:30 in Paris. Tomorrow: sputnik's other
    # card and voyager's at 00:30 in Paris. 31 March: voyager. Armstrong (1 April) is beyond;
    # the retired item, the hidden bank's and Bob's are not Ana's to study.
    assert {d.day: d.count for d in forecast if d.count} == {
        TODAY: 2,
        date(2026, 3, 3): 2,
        date(2026, 3, 31): 1,
    }


def test_true_retention_per_local_month(app: Flask, world: World) -> None:
    stats = stats_of(app, world.ana)
    assert (stats.retention[0].month, stats.retention[-1].month) == (
        date(2025, 4, 1),
        date(2026, 3, 1),
    )
    months = {m.month: (m.reviews, m.right, m.rate) for m in stats.retention}
    assert months[date(2026, 3, 1)] == (4, 3, 0.75)
    assert months[date(2026, 2, 1)] == (2, 1, 0.5)
    assert months[date(2026, 1, 1)] == (1, 1, 1.0)
    assert months[date(2025, 12, 1)] == (0, 0, None)
    overall = stats.retention_overall
    assert (overall.reviews, overall.right) == (7, 5)


def test_mastery_per_topic_uses_each_facts_weakest_item(app: Flask, world: World) -> None:
    # sputnik: min(0.907, 0.915) mastered; apollo: 0.893 not; voyager: min(0.996, 0.897) not
    # (its mean is above 0.9); armstrong: 0.925 mastered.
    assert min(fsrs_r(10, 9), fsrs_r(5, 4)) > 0.9 > fsrs_r(10, 11)
    assert fsrs_r(20, 21) < 0.9 < (fsrs_r(30, 1) + fsrs_r(20, 21)) / 2
    assert fsrs_r(3, 2) > 0.9
    mastery = stats_of(app, world.ana).mastery
    # The solar bank's topics in its order: 7 milestone facts, 5 on cooperation, 4 on people.
    assert [(t.bank_title, t.topic_title, t.facts, t.started, t.mastered) for t in mastery] == [
        ("Exploring the Solar System", "Milestones", 7, 3, 1),
        ("Exploring the Solar System", "Treaties and cooperation", 5, 0, 0),
        ("Exploring the Solar System", "People", 4, 1, 1),
    ]
    assert [t.percent for t in mastery] == [14, 0, 25]


def test_another_students_figures_are_his_own(app: Flask, world: World) -> None:
    stats = stats_of(app, world.bob)
    assert stats.heatmap.total == 7
    assert {d.day: d.count for d in stats.due_forecast if d.count} == {TODAY: 1}
    assert [(t.topic_title, t.started, t.mastered) for t in stats.mastery] == [
        ("Milestones", 0, 0),
        ("Treaties and cooperation", 1, 1),
        ("People", 0, 0),
    ]


def test_the_statistics_take_a_handful_of_queries(app: Flask, world: World) -> None:
    with app.app_context():
        user = db.session.get_one(User, world.ana)
        student_statistics(user, NOW)  # the parsed bank is cached from here on
        with counting_queries() as statements:
            student_statistics(user, NOW)
    assert len(statements) <= 4


@contextmanager
def counting_queries() -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


# --- the page ----------------------------------------------------------------------------------


def row(label: str, *cells: str) -> re.Pattern[str]:
    """A table row: its header cell containing ``label``, then exactly these cells."""
    tds = r"\s*".join(rf'<td class="num">{re.escape(c)}</td>' for c in cells)
    return re.compile(rf'<th scope="row">[^<]*{re.escape(label)}[^<]*</th>\s*{tds}')


def test_the_page_shows_the_figures_charts_and_tables(
    app: Flask, client: FlaskClient, world: World
) -> None:
    login_as(app, client, world.ana)
    page = client.get("/stats")
    assert page.status_code == 200
    html = page.text
    assert "<h1>Your statistics</h1>" in html and "Europe/Paris" in html
    assert "stats.css" in html and "style=" not in html and "<script" not in html
    # Every chart is a labelled image with a data table beside it.
    charts = re.findall(r'<svg class="chart [^"]*" role="img" aria-labelledby="([^"]+)"', html)
    assert len(charts) == 5
    for labelled_by in charts:
        for part in labelled_by.split():
            assert f'id="{part}"' in html
    assert html.count("<table") == 6 and html.count("<caption>") == 6
    assert 'scope="col"' in html
    # Activity: 10 reviews on 6 days; today's square says 3.
    assert "<b>10</b> reviews on\n      <b>6</b> days" in html
    assert "<title>Mon 2 Mar 2026: 3 reviews</title>" in html
    assert row("March 2025 (from Mon 3 Mar)", "1").search(html)
    assert row("February 2026", "3").search(html)
    # The last 30 days, right / wrong / total.
    assert row("Mon 2 Mar 2026", "2", "1", "3").search(html)
    assert row("Tue 10 Feb 2026", "1", "1", "2").search(html)
    assert "<title>Mon 2 Mar 2026: 1 wrong</title>" in html
    # Due: 2 today, 2 tomorrow, 5 in all.
    assert "<b>2</b> due today (overdue included),\n      <b>5</b> in the next 30 days" in html
    assert row("Today, Mon 2 Mar 2026 (overdue included)", "2").search(html)
    assert row("Tue 3 Mar 2026", "2").search(html)
    # Retention per month, as Anki's table.
    assert row("March 2026", "4", "3", "75.0%").search(html)
    assert row("February 2026", "2", "1", "50.0%").search(html)
    assert row("January 2026", "1", "1", "100.0%").search(html)
    assert row("Last 12 months", "7", "5", "71.4%").search(html)
    # Mastery per topic.
    assert row("Milestones", "7", "3", "1", "14%").search(html)
    assert row("People", "4", "1", "1", "25%").search(html)
    assert "<title>Milestones: 14% (1 of 7 facts)</title>" in html
    # Nothing of the bank Ana cannot see.
    assert "Hidden" not in html


def test_another_students_data_never_appears(app: Flask, client: FlaskClient, world: World) -> None:
    login_as(app, client, world.bob)
    html = client.get("/stats").text
    assert "<b>7</b> reviews on\n      <b>1</b> day" in html
    assert row("Mon 2 Mar 2026", "0", "7", "7").search(html)
    assert row("March 2026", "7", "0", "0.0%").search(html)
    # None of Ana's days, months or topics.
    for of_ana in ("Sat 28 Feb 2026: 1 review<", "Sun 1 Mar 2026: 2 reviews", "Milestones: 14%"):
        assert of_ana not in html
    assert not row("February 2026", "3").search(html)
    assert not row("March 2026", "4", "3", "75.0%").search(html)


def test_without_reviews_the_page_says_what_to_do(app: Flask, client: FlaskClient) -> None:
    import_bank(app, SOLAR)
    login_as(app, client, make_user(app, "cleo"))
    page = client.get("/stats")
    assert page.status_code == 200
    assert "No reviews yet — study a few cards and come back" in page.text
    assert "<svg" not in page.text and "<table" not in page.text


def test_the_page_needs_a_login(client: FlaskClient) -> None:
    resp = client.get("/stats")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_answers_given_through_the_study_loop_are_counted(
    app: Flask, client: FlaskClient, clock: FakeClock
) -> None:
    """Rows written by the real study service, not by hand: two new items answered today."""
    import_bank(app, SOLAR)
    uid = make_user(app, "dora", timezone=PARIS)
    login_as(app, client, uid)
    slug = load_bank(SOLAR).id
    for _ in range(2):
        token, q = shown_question(app, client.get(f"/study/{slug}").text)
        resp = client.post(
            f"/study/{slug}/answer", data={"token": token, "answer": right_answer(q)}
        )
        client.post(resp.headers["Location"] + "/rate", data={"rating": "4"})
    stats = stats_of(app, uid)
    # START is 09:00 UTC on 2 March; Easy on a new item schedules it 8 days later.
    assert [(d.day, d.right) for d in stats.reviews_per_day if d.total] == [(date(2026, 3, 2), 2)]
    assert stats.retention_overall.reviews == 0  # new items are not in retention
    assert {d.day: d.count for d in stats.due_forecast if d.count} == {date(2026, 3, 10): 2}
    assert sum(t.started for t in stats.mastery) == 2

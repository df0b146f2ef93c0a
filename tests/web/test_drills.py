"""Drills through the Flask test client on a real, migrated SQLite file."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from fsrs import Rating
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from quizapp.clock import FakeClock
from quizapp.core.questions import Question
from quizapp.extensions import db
from quizapp.models import (
    DailyCounter,
    Drill,
    DrillQuestion,
    Item,
    ItemState,
    Presentation,
    Review,
    User,
)
from quizapp.services import drills as drill_service

from ..conftest import FIXTURE_BANKS, PERU_BANK, csrf_token
from ..helpers import (
    import_bank,
    login_as,
    make_user,
    right_answer,
    shown_question,
    wrong_answer,
)

SOLAR = FIXTURE_BANKS / "solar_system.yaml"
SLUG = "solar-system-exploration"
PERU = "peru-foreign-relations"
CHOICE_TYPES = ["single_choice", "multiple_choice", "ordering"]
ALL_TYPES = [*CHOICE_TYPES, "flashcard"]
PAGE_TOKEN_RE = re.compile(r'name="page_token" value="([^"]+)"')


@pytest.fixture
def student(app: Flask, client: FlaskClient) -> int:
    import_bank(app, SOLAR)
    uid = make_user(app, "ana")
    login_as(app, client, uid)
    return uid


# --- helpers -------------------------------------------------------------------------------------


def new_drill(client: FlaskClient, **fields: Any) -> int:
    data = {"banks": [SLUG], "types": CHOICE_TYPES, "count": "10", "layout": "paged", **fields}
    resp = client.post("/drills/new", data=data)
    assert resp.status_code == 302, resp.text
    return int(resp.headers["Location"].rsplit("/", 1)[-1])


def stored(app: Flask, drill_id: int) -> list[DrillQuestion]:
    with app.app_context():
        rows = db.session.execute(
            select(DrillQuestion)
            .where(DrillQuestion.drill_id == drill_id)
            .order_by(DrillQuestion.position)
        ).scalars()
        return list(rows)


def drill_questions(app: Flask, drill_id: int) -> list[tuple[int, Question]]:
    """(position, question as shown) of every question of the drill."""
    return [(dq.position, Question.from_dict(dq.question)) for dq in stored(app, drill_id)]


def get_drill(app: Flask, drill_id: int) -> Drill:
    with app.app_context():
        drill = db.session.get(Drill, drill_id)
        assert drill is not None
        return drill


def right(q: Question) -> list[str]:
    return ["right"] if q.type == "flashcard" else right_answer(q)


def wrong(q: Question) -> list[str]:
    return ["wrong"] if q.type == "flashcard" else wrong_answer(q)


def answer_fields(position: int, q: Question, answer: list[str]) -> dict[str, Any]:
    fields: dict[str, Any] = {f"answer_{position}": answer}
    if q.type == "ordering":
        fields[f"ordered_{position}"] = "1"  # what drill.js sets once the list is moved
    return fields


def save(
    client: FlaskClient,
    drill_id: int,
    position: int,
    q: Question,
    answer: list[str],
    follow_redirects: bool = False,
    **extra: Any,
) -> TestResponse:
    """Save one question's answer, as the one-question-per-page form does."""
    data = {"on_page": str(position), **answer_fields(position, q, answer), **extra}
    return client.post(f"/drills/{drill_id}/answer", data=data, follow_redirects=follow_redirects)


def page_token(html: str) -> str:
    found = PAGE_TOKEN_RE.search(html)
    assert found, "no page token on the page"
    return found.group(1)


def count(app: Flask, model: Any) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def text_of(html: str) -> str:
    return html.replace("&#39;", "'").replace("&#34;", '"').replace("&amp;", "&")


# --- the settings form ---------------------------------------------------------------------------


def test_new_drill_form_offers_banks_topics_grouped_and_types(
    client: FlaskClient, student: int
) -> None:
    page = client.get("/drills/new")
    assert page.status_code == 200
    html = page.text
    assert f'name="banks" value="{SLUG}" checked' in html  # the only bank is ticked
    for topic in ("milestones", "cooperation", "people"):
        assert f'value="{SLUG}:{topic}"' in html
    assert "<legend>Exploring the Solar System</legend>" in html
    for kind in CHOICE_TYPES:
        assert f'value="{kind}" checked' in html
    assert 'value="flashcard">' in html  # offered, not ticked
    assert 'value="10" checked' in html and 'value="all"' in html
    assert 'name="time_limit"' in html and 'for="time_limit"' in html
    assert 'name="csrf_token"' in html


def test_a_new_drill_has_one_question_per_fact_stored_as_drawn(
    app: Flask, client: FlaskClient, student: int
) -> None:
    drill_id = new_drill(client)
    drill = get_drill(app, drill_id)
    assert drill.user_id == student and drill.layout == "paged" and not drill.count_as_reviews
    assert drill.deadline is None and drill.submitted_at is None and drill.max_score == 10
    assert drill.settings["banks"] == [SLUG] and drill.settings["count"] == 10
    rows = stored(app, drill_id)
    assert [r.position for r in rows] == list(range(1, 11))
    with app.app_context():
        facts = [db.session.get(Item, r.item_id).fact_id for r in rows]
    assert len(set(facts)) == 10, "two questions on one fact give each other away"
    for row in rows:
        q = Question.from_dict(row.question)
        assert q.type in CHOICE_TYPES and row.answer is None and row.time_ms == 0
    # what the page shows is what was stored
    first = Question.from_dict(rows[0].question)
    html = text_of(client.get(f"/drills/{drill_id}").text)
    assert first.prompt in html and all(option in html for option in first.options)


def test_count_beyond_the_facts_gives_seconds_only_after_every_fact(
    app: Flask, client: FlaskClient, student: int
) -> None:
    rows = stored(app, new_drill(client, count="20"))
    with app.app_context():
        facts = [db.session.get(Item, r.item_id).fact_id for r in rows]
    assert len(rows) == 20
    assert len(set(facts)) == 16  # every fact of the bank, then four of them again


def test_topic_and_type_filters(app: Flask, client: FlaskClient, student: int) -> None:
    people = drill_questions(app, new_drill(client, topics=[f"{SLUG}:people"], count="all"))
    assert people and {q.topic for _, q in people} == {"people"}
    # every people item of the choice types: 6 single choice, 2 ordering, 2 select-all
    assert len(people) == 10
    orderings = drill_questions(app, new_drill(client, types=["ordering"], count="all"))
    assert len(orderings) == 11 and {q.type for _, q in orderings} == {"ordering"}
    cards = drill_questions(app, new_drill(client, types=["flashcard"], count="10"))
    assert len(cards) == 10 and {q.type for _, q in cards} == {"flashcard"}


def test_no_match_and_bad_settings_are_explained_and_create_nothing(
    app: Flask, client: FlaskClient, student: int
) -> None:
    def refused(**fields: Any) -> str:
        data = {"banks": [SLUG], "types": CHOICE_TYPES, "count": "10", "layout": "paged"}
        data.update(fields)
        resp = client.post("/drills/new", data=data)
        assert resp.status_code == 400
        return text_of(resp.text)

    html = refused(due_only="y")
    assert "No questions match: “Exploring the Solar System”" in html
    assert "only what is due — untick a filter or choose another bank." in html
    assert "No questions match" in refused(wrong_only="y")
    assert "Choose at least one bank." in refused(banks=[])
    assert "There is no bank “nope” that you can study" in refused(banks=["nope"])
    assert "Choose at least one question type." in refused(types=[])
    assert "“essay” is not a question type" in refused(types=["essay"])
    assert "is not a topic of the banks you chose" in refused(topics=["other-bank:people"])
    assert "Choose 10, 20, 50 or all questions." in refused(count="7")
    for limit in ("0", "181", "-5"):
        assert "Enter a time limit from 1 to 180 minutes" in refused(time_limit=limit)
    assert "whole number of minutes" in refused(time_limit="ten")
    # a value that cannot be read does not hide the other problems
    html = refused(time_limit="ten", types=[], count="7")
    assert "whole number of minutes" in html and "Choose at least one question type." in html
    assert "Choose 10, 20, 50 or all questions." in html
    assert "Choose one question per page or all on one page." in refused(layout="scroll")
    assert count(app, Drill) == 0 and count(app, DrillQuestion) == 0


def test_wrong_only_takes_items_whose_latest_attempt_was_wrong(
    app: Flask, client: FlaskClient, student: int
) -> None:
    # A wrong answer in study...
    token, q = shown_question(app, client.get(f"/study/{SLUG}").text)
    while q.type == "flashcard":
        resp = client.post(f"/study/{SLUG}/answer", data={"token": token})
        client.post(resp.headers["Location"] + "/rate", data={"rating": "3"})
        token, q = shown_question(app, client.get(f"/study/{SLUG}").text)
    resp = client.post(f"/study/{SLUG}/answer", data={"token": token, "answer": wrong_answer(q)})
    client.post(resp.headers["Location"] + "/rate", data={"rating": "1"})
    studied_wrong = q.id
    # ...and one in a submitted drill where everything else is right.
    drill_id = new_drill(client, types=ALL_TYPES, layout="single")
    questions = drill_questions(app, drill_id)
    form: dict[str, Any] = {"on_page": [str(p) for p, _ in questions]}
    for position, question in questions:
        answer = wrong(question) if position == 1 else right(question)
        form.update(answer_fields(position, question, answer))
    assert client.post(f"/drills/{drill_id}/submit", data=form).status_code == 302
    wrong_keys = {questions[0][1].id, studied_wrong}
    for _, question in questions[1:]:
        wrong_keys.discard(question.id)  # put right in the drill since

    retest = drill_questions(app, new_drill(client, types=ALL_TYPES, wrong_only="y"))
    assert {q.id for _, q in retest} == wrong_keys


def test_due_only_takes_items_due_now(
    app: Flask, client: FlaskClient, student: int, clock: FakeClock
) -> None:
    token, q = shown_question(app, client.get(f"/study/{SLUG}").text)
    resp = client.post(f"/study/{SLUG}/answer", data={"token": token, "answer": right_answer(q)})
    client.post(resp.headers["Location"] + "/rate", data={"rating": str(int(Rating.Good))})
    form = {"banks": [SLUG], "types": ALL_TYPES, "count": "10", "due_only": "y"}
    assert client.post("/drills/new", data={**form, "layout": "paged"}).status_code == 400
    clock.advance(hours=1)  # the 10-minute learning step is over
    due = drill_questions(app, new_drill(client, types=ALL_TYPES, due_only="y"))
    assert [q.id for _, q in due] == [q.id]


# --- taking a drill ------------------------------------------------------------------------------


def test_paged_layout_answer_change_and_navigate(
    app: Flask, client: FlaskClient, student: int, clock: FakeClock
) -> None:
    drill_id = new_drill(client)
    questions = drill_questions(app, drill_id)
    page = client.get(f"/drills/{drill_id}")
    assert page.status_code == 200
    html = text_of(page.text)
    assert "Question 1 of 10" in html and questions[0][1].prompt in html
    assert "Submit drill" in html and "Next" in html and "Previous" not in html
    assert 'aria-current="step"' in html
    token = page_token(page.text)

    position, q = questions[0]
    clock.advance(seconds=30)
    resp = save(client, drill_id, position, q, wrong(q), page_token=token, go="2")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/drills/{drill_id}?q=2")
    first = stored(app, drill_id)[0]
    assert first.answer == [q.options[int(i)] for i in wrong(q)]
    assert first.time_ms == 30_000  # measured by the server between showing and saving

    clock.advance(seconds=20)
    save(client, drill_id, position, q, right(q), page_token=token, duration_ms="9000")
    first = stored(app, drill_id)[0]
    assert first.answer == list(q.answer) and first.answered_at == clock.current
    assert first.time_ms == 39_000  # the browser's 9 s is plausible: it is added

    save(client, drill_id, position, q, right(q), page_token=token, duration_ms="999999")
    assert stored(app, drill_id)[0].time_ms == 39_000 + 50_000  # implausible: the server's

    second = text_of(client.get(f"/drills/{drill_id}?q=2").text)
    assert "Question 2 of 10" in second and "Previous" in second
    assert "1 of 10 answered" in re.sub(r"</?b>", "", second)
    assert "drill-nav-item is-answered" in second  # the navigator marks question 1
    bad = client.get(f"/drills/{drill_id}?q=11", follow_redirects=True)
    assert "This drill has questions 1 to 10" in bad.text


def test_an_ordering_question_counts_as_answered_only_once_set(
    app: Flask, client: FlaskClient, student: int
) -> None:
    drill_id = new_drill(client, types=["ordering"])
    position, q = drill_questions(app, drill_id)[0]
    shown_order = [str(i) for i in range(len(q.options))]
    client.post(
        f"/drills/{drill_id}/answer",
        data={"on_page": "1", "answer_1": shown_order, "ordered_1": ""},
    )
    assert stored(app, drill_id)[0].answer is None
    save(client, drill_id, position, q, right(q))
    assert stored(app, drill_id)[0].answer == list(q.answer)
    page = text_of(client.get(f"/drills/{drill_id}").text)
    # shown in the saved order, with the flag set so a save keeps it
    assert page.index(q.answer[0]) < page.index(q.answer[-1])
    assert 'name="ordered_1" value="1"' in page


def test_bad_answers_are_refused_and_change_nothing(
    app: Flask, client: FlaskClient, student: int
) -> None:
    drill_id = new_drill(client, types=ALL_TYPES, count="all", layout="single")
    questions = drill_questions(app, drill_id)
    by_type = {q.type: (p, q) for p, q in questions}
    position, _ = by_type["single_choice"]
    cases = [
        ({"on_page": str(position), f"answer_{position}": ["99"]}, "not one of the options"),
        ({"on_page": str(position), f"answer_{position}": ["x"]}, "not one of the options"),
        ({"on_page": str(position), f"answer_{position}": ["0", "1"]}, "Choose exactly one"),
        ({"on_page": "999", "answer_999": ["0"]}, "There is no question 999"),
        ({"on_page": "two"}, "The form was damaged"),
    ]
    p, _ = by_type["ordering"]
    cases.append(({"on_page": str(p), f"answer_{p}": ["0"], f"ordered_{p}": "1"}, "Every item"))
    p, _ = by_type["flashcard"]
    cases.append(({"on_page": str(p), f"answer_{p}": ["maybe"]}, "choose “I knew it”"))
    _, first = questions[0]  # never one of the above: each type's last question is taken
    for bad, message in cases:
        # a good answer on the same page is not saved either
        form = {**bad, **answer_fields(1, first, right(first)), "on_page": [bad["on_page"], "1"]}
        resp = client.post(f"/drills/{drill_id}/answer", data=form, follow_redirects=True)
        assert resp.status_code == 200
        assert message in text_of(resp.text), message
    assert all(r.answer is None for r in stored(app, drill_id))


def test_single_layout_saves_every_answer_and_the_focus_times(
    app: Flask, client: FlaskClient, student: int, clock: FakeClock
) -> None:
    drill_id = new_drill(client, layout="single", types=ALL_TYPES)
    questions = drill_questions(app, drill_id)
    page = client.get(f"/drills/{drill_id}")
    html = text_of(page.text)
    assert all(q.prompt in html for _, q in questions)
    assert "Save answers" in html and "Submit drill" in html
    assert 'name="time_ms_10"' in html
    token = page_token(page.text)
    clock.advance(minutes=2)
    form: dict[str, Any] = {"on_page": [str(p) for p, _ in questions], "page_token": token}
    for position, q in questions[:4]:
        form.update(answer_fields(position, q, right(q)))
        form[f"time_ms_{position}"] = str(10_000 * position)
    resp = client.post(f"/drills/{drill_id}/answer", data=form, follow_redirects=True)
    assert "Your answers are saved" in resp.text
    rows = stored(app, drill_id)
    assert [r.answer is not None for r in rows] == [True] * 4 + [False] * 6
    assert [r.time_ms for r in rows[:5]] == [10_000, 20_000, 30_000, 40_000, 0]
    # times adding up to more than the page was open are not believed
    form["page_token"] = page_token(client.get(f"/drills/{drill_id}").text)
    clock.advance(seconds=5)
    client.post(f"/drills/{drill_id}/answer", data=form)
    assert [r.time_ms for r in stored(app, drill_id)[:4]] == [10_000, 20_000, 30_000, 40_000]


# --- submitting and the report -------------------------------------------------------------------


def test_submit_grades_right_wrong_and_partial_credit(
    app: Flask, client: FlaskClient, student: int, clock: FakeClock
) -> None:
    drill_id = new_drill(client, types=["ordering"], layout="single")
    questions = drill_questions(app, drill_id)
    (p1, q1), (p2, q2), (p3, q3) = questions[:3]
    right_order = [q2.options.index(a) for a in q2.answer]
    swapped = [right_order[1], right_order[0], *right_order[2:]]  # first two swapped
    form: dict[str, Any] = {"on_page": [str(p) for p, _ in questions]}
    form.update(answer_fields(p1, q1, right(q1)))
    form.update(answer_fields(p2, q2, [str(i) for i in swapped]))
    form.update(answer_fields(p3, q3, wrong(q3)))  # reversed: no pair in the right order
    clock.advance(minutes=3)
    assert client.post(f"/drills/{drill_id}/submit", data=form).status_code == 302
    # The bank's ordering questions have 4 items: 6 pairs, of which swapping the first two
    # puts one the wrong way round, so 5/6; reversing puts all 6 the wrong way round, so 0.
    assert len(q2.answer) == 4
    expected_partial = 5 / 6
    rows = stored(app, drill_id)
    assert rows[0].score == 1.0 and rows[0].correct is True
    assert rows[1].score == pytest.approx(expected_partial) and rows[1].correct is False
    assert rows[2].score == 0.0 and rows[2].correct is False
    assert all(r.score == 0.0 and r.correct is False for r in rows[3:])  # unanswered
    drill = get_drill(app, drill_id)
    assert drill.submitted_at == clock.current and not drill.auto_submitted
    assert drill.score == pytest.approx(1 + expected_partial) and drill.max_score == 10
    assert count(app, Review) == 0  # not counted as reviews


def test_select_all_partial_credit_and_flashcards(
    app: Flask, client: FlaskClient, student: int
) -> None:
    types = ["multiple_choice", "flashcard"]
    drill_id = new_drill(client, types=types, count="all", layout="single")
    questions = drill_questions(app, drill_id)
    form: dict[str, Any] = {"on_page": [str(p) for p, _ in questions]}
    expected = {}
    cards = 0
    for position, q in questions:
        if q.type == "multiple_choice":
            # every key and one wrong option: (keys - 1) / keys
            extra = next(i for i, o in enumerate(q.options) if o not in q.answer)
            form[f"answer_{position}"] = [*right_answer(q), str(extra)]
            expected[position] = (len(q.answer) - 1) / len(q.answer)
        else:
            cards += 1
            form[f"answer_{position}"] = "right" if cards % 2 else "wrong"
            expected[position] = 1.0 if cards % 2 else 0.0
    client.post(f"/drills/{drill_id}/submit", data=form)
    for row in stored(app, drill_id):
        assert row.score == pytest.approx(expected[row.position]), row.question["type"]


def test_the_report_shows_scores_and_every_mistake_with_its_answer_and_source(
    app: Flask, client: FlaskClient, student: int
) -> None:
    drill_id = new_drill(client, types=["single_choice", "ordering"], layout="single")
    questions = drill_questions(app, drill_id)
    form: dict[str, Any] = {"on_page": [str(p) for p, _ in questions]}
    for position, q in questions:
        form.update(answer_fields(position, q, wrong(q) if position == 1 else right(q)))
    del form["answer_2"]  # left unanswered
    form.pop("ordered_2", None)
    client.post(f"/drills/{drill_id}/submit", data=form)
    assert client.get(f"/drills/{drill_id}").headers["Location"].endswith("/report")
    page = client.get(f"/drills/{drill_id}/report")
    assert page.status_code == 200
    html = text_of(page.text)
    assert "<strong>8</strong> of 10 points" in html and "(80 %)" in html
    assert "By topic" in html and "By question type" in html
    assert "Every question" in html and "—" in html  # no time known without JavaScript
    mistake = questions[0][1]
    section = html[html.index('id="mistake-1"') :]
    assert mistake.prompt in section
    for right_text in mistake.answer:
        assert right_text in section
    assert "your answer" in section or "Your order" in section
    assert mistake.explanation in section
    assert mistake.source.strip().split("\n")[0] in section
    assert 'id="mistake-2"' in html and "You gave no answer." in html
    assert 'id="mistake-3"' not in html
    assert "How ordering questions are scored" in html and "Retry my mistakes" in html
    assert "New drill" in html


def test_the_report_of_an_ordering_mistake_marks_the_right_positions(
    app: Flask, client: FlaskClient, student: int
) -> None:
    drill_id = new_drill(client, types=["ordering"], layout="single")
    _, q = drill_questions(app, drill_id)[0]
    right_order = [q.options.index(a) for a in q.answer]
    swapped = [str(i) for i in [right_order[1], right_order[0], *right_order[2:]]]
    client.post(f"/drills/{drill_id}/submit", data={"on_page": "1", **answer_fields(1, q, swapped)})
    html = text_of(client.get(f"/drills/{drill_id}/report").text)
    section = html[html.index('id="mistake-1"') : html.index('id="mistake-2"')]
    assert "2 of 4 in the right place" in section and "5 of 6 pairs in the right order" in section
    assert "0.83 of 1 point" in section
    assert "belongs at 1" in section and "belongs at 2" in section


def test_count_as_reviews_records_one_review_per_answered_question(
    app: Flask, client: FlaskClient, student: int, clock: FakeClock
) -> None:
    drill_id = new_drill(client, count_as_reviews="y", layout="single", types=ALL_TYPES)
    questions = drill_questions(app, drill_id)
    form: dict[str, Any] = {"on_page": [str(p) for p, _ in questions]}
    for position, q in questions[:3]:
        form.update(answer_fields(position, q, wrong(q) if position == 3 else right(q)))
    client.post(f"/drills/{drill_id}/submit", data=form)
    client.post(f"/drills/{drill_id}/submit", data={})  # a second submit changes nothing
    with app.app_context():
        reviews = db.session.execute(select(Review).order_by(Review.id)).scalars().all()
        assert len(reviews) == 3
        assert [r.rating for r in reviews] == [Rating.Good, Rating.Good, Rating.Again]
        assert [r.correct for r in reviews] == [True, True, False]
        assert all(r.was_new and r.state_after and r.answered_at == clock.current for r in reviews)
        assert db.session.scalar(select(func.count()).select_from(ItemState)) == 3
        assert db.session.scalar(select(func.count()).select_from(Presentation)) == 3
        rows = db.session.execute(
            select(DrillQuestion).where(DrillQuestion.drill_id == drill_id)
        ).scalars()
        linked = {r.review_id for r in rows if r.review_id is not None}
        assert linked == {r.id for r in reviews}
        state = db.session.execute(
            select(ItemState).where(ItemState.item_id == reviews[0].item_id)
        ).scalar_one()
        assert state.due == clock.current + timedelta(minutes=10)  # Good on a new card
        counter = db.session.get(DailyCounter, (student, clock.current.date()))
        assert counter is not None and counter.new_count == 3


def test_without_count_as_reviews_the_schedule_is_untouched(
    app: Flask, client: FlaskClient, student: int
) -> None:
    token, q = shown_question(app, client.get(f"/study/{SLUG}").text)
    resp = client.post(f"/study/{SLUG}/answer", data={"token": token, "answer": right_answer(q)})
    client.post(resp.headers["Location"] + "/rate", data={"rating": "3"})

    def snapshot() -> tuple[Any, ...]:
        with app.app_context():
            states = db.session.execute(
                select(ItemState.item_id, ItemState.due, ItemState.reps)
            ).all()
            counters = db.session.execute(
                select(DailyCounter.day, DailyCounter.new_count, DailyCounter.review_count)
            ).all()
            return (sorted(states), counters, count(app, Review), count(app, Presentation))

    before = snapshot()
    drill_id = new_drill(client, types=ALL_TYPES, count="all", layout="single")
    questions = drill_questions(app, drill_id)
    form: dict[str, Any] = {"on_page": [str(p) for p, _ in questions]}
    for position, question in questions:
        form.update(answer_fields(position, question, right(question)))
    client.post(f"/drills/{drill_id}/submit", data=form)
    assert get_drill(app, drill_id).submitted_at is not None
    assert snapshot() == before


def test_double_submit_is_idempotent(
    app: Flask, client: FlaskClient, student: int, clock: FakeClock
) -> None:
    drill_id = new_drill(client)
    position, q = drill_questions(app, drill_id)[0]
    first = client.post(
        f"/drills/{drill_id}/submit", data={"on_page": "1", **answer_fields(1, q, right(q))}
    )
    assert first.status_code == 302 and first.headers["Location"].endswith("/report")
    submitted = get_drill(app, drill_id)
    clock.advance(minutes=1)
    again = client.post(
        f"/drills/{drill_id}/submit", data={"on_page": "1", **answer_fields(1, q, wrong(q))}
    )
    assert again.status_code == 302
    assert "has been submitted" in client.get(again.headers["Location"]).text
    after = get_drill(app, drill_id)
    assert after.submitted_at == submitted.submitted_at and after.score == submitted.score == 1
    assert stored(app, drill_id)[0].answer == list(q.answer)
    refused = save(client, drill_id, position, q, wrong(q), go="2")
    assert refused.headers["Location"].endswith("/report")
    assert stored(app, drill_id)[0].answer == list(q.answer)


# --- timed drills --------------------------------------------------------------------------------


def test_a_timed_drill_shows_a_countdown(
    app: Flask, client: FlaskClient, student: int, clock: FakeClock
) -> None:
    drill_id = new_drill(client, time_limit="5")
    drill = get_drill(app, drill_id)
    assert drill.time_limit_s == 300 and drill.deadline == clock.current + timedelta(minutes=5)
    clock.advance(seconds=61)
    html = client.get(f"/drills/{drill_id}").text
    assert 'data-remaining-s="239"' in html and "about 4 minutes" in html
    assert f'data-deadline="{drill.deadline.isoformat()}"' in html


def test_answers_in_the_grace_period_are_kept_then_the_drill_is_submitted(
    app: Flask, client: FlaskClient, student: int, clock: FakeClock
) -> None:
    drill_id = new_drill(client, time_limit="1")
    position, q = drill_questions(app, drill_id)[0]
    clock.advance(seconds=65)  # past the deadline, within the 10 s grace
    resp = save(client, drill_id, position, q, right(q))
    assert resp.headers["Location"].endswith("/report")
    drill = get_drill(app, drill_id)
    assert drill.submitted_at == clock.current and drill.auto_submitted and drill.score == 1


def test_answers_after_the_grace_period_are_refused_and_the_drill_submitted(
    app: Flask, client: FlaskClient, student: int, clock: FakeClock
) -> None:
    drill_id = new_drill(client, time_limit="1")
    position, q = drill_questions(app, drill_id)[0]
    save(client, drill_id, position, q, wrong(q))
    clock.advance(seconds=71)
    resp = save(client, drill_id, position, q, right(q), follow_redirects=True)
    assert "Time ran out: answers sent after the time limit were not saved" in resp.text
    assert stored(app, drill_id)[0].answer == [q.options[int(i)] for i in wrong(q)]
    drill = get_drill(app, drill_id)
    assert drill.auto_submitted and drill.score == 0


def test_viewing_a_drill_after_its_deadline_submits_it(
    app: Flask, client: FlaskClient, student: int, clock: FakeClock
) -> None:
    drill_id = new_drill(client, time_limit="2")
    position, q = drill_questions(app, drill_id)[0]
    save(client, drill_id, position, q, right(q))
    clock.advance(minutes=3)  # the browser was closed
    resp = client.get(f"/drills/{drill_id}")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/report")
    drill = get_drill(app, drill_id)
    assert drill.auto_submitted and drill.submitted_at == clock.current and drill.score == 1
    report = text_of(client.get(resp.headers["Location"]).text)
    assert "submitted when time ran out" in report


def test_the_history_settles_expired_drills(
    app: Flask, client: FlaskClient, student: int, clock: FakeClock
) -> None:
    timed = new_drill(client, time_limit="1")
    untimed = new_drill(client, layout="single")
    clock.advance(minutes=5)
    html = client.get("/drills/").text
    assert "auto-submitted" in html and "in progress" in html
    assert html.index(f"/drills/{untimed}") < html.index(f"/drills/{timed}/report")  # newest first
    assert get_drill(app, timed).auto_submitted


# --- retry, history ------------------------------------------------------------------------------


def test_retry_makes_a_drill_of_exactly_the_mistakes(
    app: Flask, client: FlaskClient, student: int
) -> None:
    drill_id = new_drill(client, time_limit="10", layout="single", count_as_reviews="y")
    questions = drill_questions(app, drill_id)
    form: dict[str, Any] = {"on_page": [str(p) for p, _ in questions]}
    for position, q in questions:
        if position not in (4, 7):  # 4 wrong, 7 unanswered, 9 wrong
            form.update(answer_fields(position, q, wrong(q) if position == 9 else right(q)))
    client.post(f"/drills/{drill_id}/submit", data=form)
    resp = client.post(f"/drills/{drill_id}/retry")
    assert resp.status_code == 302
    retry_id = int(resp.headers["Location"].rsplit("/", 1)[-1])
    retry = get_drill(app, retry_id)
    assert retry.retry_of_id == drill_id and retry.layout == "single" and retry.count_as_reviews
    assert retry.time_limit_s == 180  # 3 of 10 questions of 10 minutes
    original = {q.id for p, q in questions if p in (4, 7, 9)}
    assert {q.id for _, q in drill_questions(app, retry_id)} == original
    assert (
        "A new drill of the 3 questions you did not get right"
        in client.get(resp.headers["Location"]).text
    )


def test_retry_without_mistakes_says_so(app: Flask, client: FlaskClient, student: int) -> None:
    drill_id = new_drill(client, layout="single")
    questions = drill_questions(app, drill_id)
    form: dict[str, Any] = {"on_page": [str(p) for p, _ in questions]}
    for position, q in questions:
        form.update(answer_fields(position, q, right(q)))
    client.post(f"/drills/{drill_id}/submit", data=form)
    report = text_of(client.get(f"/drills/{drill_id}/report").text)
    assert "No mistakes." in report and "Retry my mistakes" not in report
    resp = client.post(f"/drills/{drill_id}/retry", follow_redirects=True)
    assert "No mistakes to retry" in resp.text
    assert count(app, Drill) == 1


def test_history_and_score_trend(
    app: Flask, client: FlaskClient, student: int, clock: FakeClock
) -> None:
    assert "No drills yet" in client.get("/drills/").text
    done = new_drill(client, layout="single")
    questions = drill_questions(app, done)
    form: dict[str, Any] = {"on_page": [str(p) for p, _ in questions]}
    for position, q in questions[:7]:
        form.update(answer_fields(position, q, right(q)))
    client.post(f"/drills/{done}/submit", data=form)
    clock.advance(hours=1)
    open_one = new_drill(client, time_limit="15")
    html = client.get("/drills/").text
    assert "70 %" in html and "15 min" in html and "untimed" in html
    assert "in progress" in html and 'drill-status-submitted">submitted<' in html
    assert "Score trend" in html
    # The trend chart draws one point per submitted drill, with its table beside it.
    assert 'id="drill-trend-chart-title"' in html and "<caption>Drill scores, oldest first" in html
    assert f"/drills/{open_one}" in html and f"/drills/{done}/report" in html
    with app.app_context():
        user = db.session.get(User, student)
        trend = drill_service.score_trend(user)
    assert len(trend) == 1 and trend[0][1] == pytest.approx(70.0)


# --- access --------------------------------------------------------------------------------------


def test_another_students_drill_is_not_found(app: Flask, client: FlaskClient, student: int) -> None:
    drill_id = new_drill(client)
    other = app.test_client()
    login_as(app, other, make_user(app, "bo"))
    assert other.get(f"/drills/{drill_id}").status_code == 404
    assert other.get(f"/drills/{drill_id}/report").status_code == 404
    answer = {"on_page": "1", "answer_1": "0"}
    assert other.post(f"/drills/{drill_id}/answer", data=answer).status_code == 404
    assert other.post(f"/drills/{drill_id}/submit").status_code == 404
    assert other.post(f"/drills/{drill_id}/retry").status_code == 404
    assert f"/drills/{drill_id}" not in other.get("/drills/").text
    assert get_drill(app, drill_id).submitted_at is None
    assert all(r.answer is None for r in stored(app, drill_id))


def test_drills_need_a_login(client: FlaskClient) -> None:
    for path in ("/drills/", "/drills/new", "/drills/1", "/drills/1/report"):
        resp = client.get(path)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_a_bank_the_student_cannot_see_is_not_offered(
    app: Flask, client: FlaskClient, student: int
) -> None:
    from quizapp.core.bank import load_bank
    from quizapp.services.banks import import_bank as import_core_bank

    with app.app_context():
        import_core_bank(load_bank(PERU_BANK), status="draft", is_public=False)
    html = client.get("/drills/new").text
    assert PERU not in html
    form = {"banks": [PERU], "types": CHOICE_TYPES, "count": "10", "layout": "paged"}
    resp = client.post("/drills/new", data=form)
    assert resp.status_code == 400 and "that you can study" in text_of(resp.text)


class TestCsrf:
    @pytest.fixture
    def app_config(self) -> dict[str, object]:
        return {"WTF_CSRF_ENABLED": True}

    def test_drill_posts_without_a_token_are_refused(
        self, app: Flask, client: FlaskClient, student: int
    ) -> None:
        form = {"banks": [SLUG], "types": CHOICE_TYPES, "count": "10", "layout": "paged"}
        refused = client.post("/drills/new", data=form)
        assert refused.status_code == 400 and "Form expired" in refused.text
        assert count(app, Drill) == 0
        page = client.get("/drills/new")
        created = client.post("/drills/new", data={**form, "csrf_token": csrf_token(page.text)})
        assert created.status_code == 302
        drill_id = int(created.headers["Location"].rsplit("/", 1)[-1])
        position, q = drill_questions(app, drill_id)[0]
        assert save(client, drill_id, position, q, right(q)).status_code == 400
        assert client.post(f"/drills/{drill_id}/submit").status_code == 400
        assert stored(app, drill_id)[0].answer is None
        assert get_drill(app, drill_id).submitted_at is None
        token = csrf_token(client.get(f"/drills/{drill_id}").text)
        assert save(client, drill_id, position, q, right(q), csrf_token=token).status_code == 302
        assert stored(app, drill_id)[0].answer == list(q.answer)


def test_topics_of_two_banks_are_labelled_with_their_bank(
    app: Flask, client: FlaskClient, student: int
) -> None:
    peru_id = import_bank(app, PERU_BANK)
    html = client.get(f"/drills/new?bank={PERU}").text  # "drill this bank" links preselect it
    assert f'value="{PERU}" checked' in html and f'value="{SLUG}" checked' not in html
    assert "<legend>Peru – Foreign Relations</legend>" in html  # its topics, grouped
    drill_id = new_drill(client, banks=[SLUG, PERU], count="50", layout="single")
    rows = stored(app, drill_id)
    assert len(rows) == 50 and peru_id in {r.bank_id for r in rows}
    assert len({r.bank_id for r in rows}) == 2
    form: dict[str, Any] = {"on_page": [str(r.position) for r in rows]}
    client.post(f"/drills/{drill_id}/submit", data=form)
    html = text_of(client.get(f"/drills/{drill_id}/report").text)
    assert "(Exploring the Solar System)" in html and "Peru" in html

"""Studying through the Flask test client on a real, migrated SQLite file."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from fsrs import Rating, State
from sqlalchemy import func, select

from quizapp.clock import FakeClock
from quizapp.core import scheduling
from quizapp.extensions import db
from quizapp.models import (
    Bank,
    DailyCounter,
    Item,
    ItemState,
    Presentation,
    Review,
    StudiedBank,
    User,
)
from quizapp.services.banks import forget_parsed, parsed_bank
from quizapp.services.study import get_bank_for

from ..conftest import FIXTURE_BANKS, PERU_BANK
from ..helpers import (
    import_bank,
    login_as,
    make_user,
    right_answer,
    shown_question,
    wrong_answer,
)

SOLAR = FIXTURE_BANKS / "solar_system.yaml"


def solar_slug() -> str:
    return yaml.safe_load(SOLAR.read_text())["id"]


@pytest.fixture
def student(app: Flask, client: FlaskClient) -> int:
    import_bank(app, SOLAR)
    uid = make_user(app, "ana")
    login_as(app, client, uid)
    return uid


def study_once(app: Flask, client: FlaskClient, *, right: bool = True, rating: int | None = None):
    """Show the next question, answer it, rate it. Returns (question, presentation id)."""
    page = client.get(f"/study/{solar_slug()}")
    assert page.status_code == 200
    token, q = shown_question(app, page.text)
    answer = right_answer(q) if right or q.type == "flashcard" else wrong_answer(q)
    resp = client.post(f"/study/{solar_slug()}/answer", data={"token": token, "answer": answer})
    assert resp.status_code == 302, resp.text
    pid = resp.headers["Location"].rsplit("/", 1)[-1]
    if rating is None:
        rating = Rating.Good if right else Rating.Again
    rated = client.post(f"/study/p/{pid}/rate", data={"rating": str(int(rating))})
    assert rated.status_code == 302
    return q, pid


def test_home_lists_banks_with_counts(app: Flask, client: FlaskClient) -> None:
    import_bank(app, PERU_BANK)
    login_as(app, client, make_user(app, "ana"))
    page = client.get("/")
    assert page.status_code == 200
    assert "Peru" in page.text
    with app.app_context():
        from quizapp.services.study import home_view

        view = home_view(db.session.get(User, 1), datetime.now().astimezone())
        peru = next(b for b in view.banks if b.slug == "peru-foreign-relations")
        assert peru.new == 20 and peru.due == 0 and peru.learned == 0
        assert peru.total > 100


def test_anonymous_home_is_the_landing_page_and_study_needs_login(client: FlaskClient) -> None:
    assert client.get("/").status_code == 200
    resp = client.get("/study/anything")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_answer_right_then_rate_writes_the_log_and_the_fsrs_state(
    app: Flask, client: FlaskClient, student: int, clock: FakeClock
) -> None:
    _q, pid = study_once(app, client, right=True)
    with app.app_context():
        review = db.session.execute(select(Review)).scalar_one()
        assert review.rating == Rating.Good and review.correct is True and review.was_new
        assert review.user_id == student and review.presentation_id == pid
        assert review.answered_at == clock.current and review.state_before is None
        state = db.session.execute(select(ItemState)).scalar_one()
        # what FSRS gives for Good on a new card at this time (fuzz is off in the tests)
        expected = scheduling.review(
            scheduling.make_scheduler(0.9, fuzz=False),
            scheduling.new_card(clock.current),
            Rating.Good,
            clock.current,
            None,
        )
        assert state.due == expected.due == clock.current + timedelta(minutes=10)
        assert state.state == State.Learning and state.stability == expected.stability
        assert review.state_after["due"] == expected.due.isoformat()
        counter = db.session.get(DailyCounter, (student, clock.current.date()))
        assert counter is not None and counter.new_count == 1


def test_wrong_answer_suggests_again_and_feedback_shows_the_source(
    app: Flask, client: FlaskClient, student: int
) -> None:
    page = client.get(f"/study/{solar_slug()}")
    token, q = shown_question(app, page.text)
    while q.type == "flashcard":  # flashcards have no wrong answer to give
        resp = client.post(f"/study/{solar_slug()}/answer", data={"token": token})
        client.post(resp.headers["Location"] + "/rate", data={"rating": "3"})
        token, q = shown_question(app, client.get(f"/study/{solar_slug()}").text)
    resp = client.post(
        f"/study/{solar_slug()}/answer", data={"token": token, "answer": wrong_answer(q)}
    )
    feedback = client.get(resp.headers["Location"])
    assert feedback.status_code == 200
    assert q.source.split(".")[0] in feedback.text.replace("&#39;", "'").replace("&#34;", '"')
    with app.app_context():
        p = db.session.get(Presentation, resp.headers["Location"].rsplit("/", 1)[-1])
        assert p is not None and p.correct is False
        from quizapp.services.study import rating_choices

        choices = rating_choices(db.session.get(User, student), p, p.answered_at)
        assert [c.label for c in choices if c.preselected] == ["Again"]
        # a new card: Again goes back to the 1-minute step, Good to the 10-minute one
        assert choices[0].interval == "1m" and choices[2].interval == "10m"


def test_double_submission_stores_one_review(app: Flask, client: FlaskClient, student: int) -> None:
    page = client.get(f"/study/{solar_slug()}")
    token, q = shown_question(app, page.text)
    data = {"token": token, "answer": right_answer(q)}
    first = client.post(f"/study/{solar_slug()}/answer", data=data)
    second = client.post(f"/study/{solar_slug()}/answer", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    pid = first.headers["Location"].rsplit("/", 1)[-1]
    for _ in range(3):
        assert client.post(f"/study/p/{pid}/rate", data={"rating": "3"}).status_code == 302
    assert client.post(f"/study/p/{pid}/rate", data={"rating": "1"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Presentation)) == 1
        reviews = db.session.execute(select(Review)).scalars().all()
        assert len(reviews) == 1 and reviews[0].rating == 3


def test_bad_answers_are_refused_with_a_message(
    app: Flask, client: FlaskClient, student: int
) -> None:
    page = client.get(f"/study/{solar_slug()}")
    token, _q = shown_question(app, page.text)
    for answer in (["99"], ["x"], ["0", "0"]):
        resp = client.post(
            f"/study/{solar_slug()}/answer",
            data={"token": token, "answer": answer},
            follow_redirects=True,
        )
        assert resp.status_code == 200
        assert "not one of the options" in resp.text
    tampered = client.post(
        f"/study/{solar_slug()}/answer",
        data={"token": token + "x", "answer": ["0"]},
        follow_redirects=True,
    )
    assert "expired or its form was damaged" in tampered.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Presentation)) == 0


def test_another_students_presentation_is_not_found(
    app: Flask, client: FlaskClient, student: int
) -> None:
    _, pid = study_once(app, client)
    other = app.test_client()
    login_as(app, other, make_user(app, "bo"))
    assert other.get(f"/study/p/{pid}").status_code == 404
    assert other.post(f"/study/p/{pid}/rate", data={"rating": "3"}).status_code == 404


def test_second_students_schedule_is_independent(
    app: Flask, client: FlaskClient, student: int, clock: FakeClock
) -> None:
    for _ in range(3):
        study_once(app, client)
    other = app.test_client()
    bo = make_user(app, "bo")
    login_as(app, other, bo)
    with app.app_context():
        from quizapp.services.study import home_view

        ana_view = home_view(db.session.get(User, student), clock.current)
        bo_view = home_view(db.session.get(User, bo), clock.current)
        assert ana_view.banks[0].new == 17 and bo_view.banks[0].new == 20
        assert (
            db.session.scalar(
                select(func.count()).select_from(ItemState).where(ItemState.user_id == bo)
            )
            == 0
        )


def test_siblings_wait_until_the_next_day(
    app: Flask, client: FlaskClient, student: int, clock: FakeClock
) -> None:
    seen_facts: list[str] = []
    for _ in range(6):
        q, _ = study_once(app, client, rating=Rating.Easy)
        seen_facts.append(q.fact_ids[0])
    assert len(set(seen_facts)) == 6, "a fact came back the same day through a sibling"
    clock.advance(days=1)
    with app.app_context():
        answered = {i.fact_id for i in db.session.execute(select(Item).join(Review)).scalars()}
        from quizapp.services.study import queue_for

        queue = queue_for(db.session.get(User, student), _bank(app), clock.current)
        assert answered & {e.fact_id for e in queue if e.state is None}


def _bank(app: Flask):  # type: ignore[no-untyped-def]

    return db.session.execute(select(Bank)).scalar_one()


def test_new_limit_resets_at_midnight_in_the_students_time_zone(
    app: Flask, client: FlaskClient, clock: FakeClock
) -> None:
    import_bank(app, SOLAR)
    clock.current = datetime.fromisoformat("2026-03-02T22:30:00+00:00")  # 23:30 in Berlin
    uid = make_user(app, "ana", new_per_day=2)
    with app.app_context():
        user = db.session.get(User, uid)
        user.timezone = "Europe/Berlin"
        db.session.commit()
    login_as(app, client, uid)
    study_once(app, client, rating=Rating.Easy)
    study_once(app, client, rating=Rating.Easy)
    page = client.get(f"/study/{solar_slug()}")
    assert 'name="token"' not in page.text  # the two new items of the day are used up
    clock.advance(minutes=45)  # 23:15 UTC, still March 2 in UTC, is 00:15 in Berlin: a new day
    page = client.get(f"/study/{solar_slug()}")

    assert 'name="token"' in page.text


def test_a_month_of_good_reviews_grows_the_intervals(
    app: Flask, client: FlaskClient, clock: FakeClock
) -> None:
    import_bank(app, SOLAR)
    login_as(app, client, make_user(app, "ana", new_per_day=1))
    start = clock.current
    item_intervals: dict[str, list[timedelta]] = {}
    while clock.current < start + timedelta(days=30):
        page = client.get(f"/study/{solar_slug()}")
        if 'name="token"' not in page.text:
            clock.advance(hours=6)
            continue
        q, _ = study_once(app, client, rating=Rating.Good)
        with app.app_context():
            state = db.session.execute(
                select(ItemState).join(Item).where(Item.key == q.id)
            ).scalar_one()
            item_intervals.setdefault(q.id, []).append(state.due - clock.current)
    first = next(iter(item_intervals.values()))
    assert len(first) >= 4
    review_steps = first[1:]
    assert all(b > a for a, b in itertools.pairwise(review_steps))
    assert first[0] == timedelta(minutes=10)


def test_importing_an_edited_bank_keeps_progress(
    app: Flask, client: FlaskClient, student: int, tmp_path: Path
) -> None:
    answered = [study_once(app, client)[0].fact_ids[0] for _ in range(3)]
    data = yaml.safe_load(SOLAR.read_text())
    facts = {f["id"]: f for f in data["facts"]}
    kept, changed, removed = answered
    facts[kept]["explanation"] = "Reworded explanation."
    for key in ("what", "outcome", "stance", "subject", "role", "value"):
        if key in facts[changed]:
            facts[changed][key] = (
                facts[changed][key] + 1 if key == "value" else facts[changed][key] + " (edited)"
            )
            break
    else:
        pytest.skip("no answer field to edit on this fact")
    data["facts"] = [f for f in data["facts"] if f["id"] != removed]
    text = FIXTURE_BANKS / data["source_text"]
    (tmp_path / data["source_text"]).write_text(text.read_text())
    edited = tmp_path / "solar_system.yaml"
    edited.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    import_bank(app, edited)
    with app.app_context():
        states = db.session.execute(select(ItemState, Item).join(Item)).all()
        facts_with_state = {item.fact.key for _, item in states}
        assert kept in facts_with_state
        assert changed not in facts_with_state
        assert db.session.scalar(select(func.count()).select_from(Review)) == 3  # log kept
        from quizapp.models import Fact

        gone = db.session.execute(select(Fact).where(Fact.key == removed)).scalar_one()
        assert gone.active is False


def test_first_session_meets_every_question_type(
    app: Flask, client: FlaskClient, clock: FakeClock
) -> None:
    import_bank(app, PERU_BANK)
    uid = make_user(app, "ana")
    with app.app_context():
        from quizapp.services.study import queue_for

        bank = db.session.execute(select(Bank)).scalar_one()
        queue = queue_for(db.session.get(User, uid), bank, clock.current)
        assert len(queue) == 20 and all(e.state is None for e in queue)
        types = {db.session.get(Item, e.item_id).type for e in queue}
        assert types == {"single_choice", "multiple_choice", "ordering", "flashcard"}
        assert len({e.fact_id for e in queue}) == 20  # one item per fact: siblings wait


def test_an_item_failed_eight_times_is_a_leech(
    app: Flask, client: FlaskClient, clock: FakeClock
) -> None:
    import_bank(app, SOLAR)
    uid = make_user(app, "ana", new_per_day=1)
    login_as(app, client, uid)
    q, _ = study_once(app, client, rating=Rating.Easy)  # straight to review state
    lapses = 0
    while lapses < 8:
        with app.app_context():
            state = db.session.execute(select(ItemState)).scalar_one()
            clock.current = max(clock.current, state.due)
            in_review = state.state == State.Review
        shown, _ = study_once(app, client, right=not in_review, rating=None)
        assert shown.id == q.id  # the only item started, and no new ones left today
        lapses += in_review
    with app.app_context():
        state = db.session.execute(select(ItemState)).scalar_one()
        assert state.lapses == 8 and state.leech is True
    page = client.get("/leeches")
    assert page.status_code == 200
    assert "8" in page.text and q.source[:40].replace("'", "&#39;") in page.text


def test_an_import_never_takes_over_another_owners_bank(app: Flask) -> None:
    from quizapp.core.bank import load_bank
    from quizapp.services.banks import BankConflict
    from quizapp.services.banks import import_bank as import_core_bank

    owner = make_user(app, "owner", role="instructor")
    intruder = make_user(app, "intruder", role="instructor")
    with app.app_context():
        bank = load_bank(SOLAR)
        import_core_bank(bank, owner_id=owner, status="draft", is_public=False)
        with pytest.raises(BankConflict, match="already exists"):
            import_core_bank(bank, owner_id=intruder, status="published", is_public=True)

        row = db.session.execute(select(Bank)).scalar_one()
        assert row.owner_id == owner and row.status == "draft"


def test_a_bank_not_yet_parsed_is_read_for_the_study_pages_copy(app: Flask, student: int) -> None:
    """The question and answer pages hold a copy of the bank's row without its content; a
    worker that has not parsed the bank yet reads the content, with the hash it has now."""
    with app.test_request_context():
        user = db.session.get(User, student)
        assert user is not None
        copy = get_bank_for(user, solar_slug())
        assert isinstance(copy, StudiedBank)
        row = db.session.scalars(select(Bank).where(Bank.slug == solar_slug())).one()
        assert (copy.id, copy.title, copy.content_hash) == (row.id, row.title, row.content_hash)
        forget_parsed(copy.id)
        core_bank, _ctx = parsed_bank(copy)
        assert core_bank.id == solar_slug()
        assert parsed_bank(row)[0] is core_bank  # cached under the hash it was read with
        db.session.remove()

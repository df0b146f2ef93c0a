"""The item analysis page: figures worked by hand from drills and first reviews written
straight into the database, who may see it, the filter, and the empty state."""

from __future__ import annotations

import uuid
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from quizapp.clock import now
from quizapp.database import write_transaction
from quizapp.extensions import db
from quizapp.models import Bank, Drill, DrillQuestion, Item, Presentation, Review
from quizapp.services import study

from ..helpers import login_as, make_user
from .test_author import SLUG, owned_bank

URL = f"/author/banks/{SLUG}/analysis"
A = "event.when:sputnik-1-launch"  # single choice, fact sputnik-1-launch
B = "event.what:sputnik-1-launch"  # single choice, same fact
C = "timeline.order:apollo-11-landing"  # ordering (partial credit), fact apollo-11-landing


# --- writing attempts -------------------------------------------------------------------------


def _question(key: str) -> dict[str, object]:
    """The question of ``key`` as drawn with seed 1: the same options at every showing."""
    bank = db.session.execute(select(Bank).where(Bank.slug == SLUG)).scalar_one()
    item = db.session.execute(
        select(Item).where(Item.bank_id == bank.id, Item.key == key)
    ).scalar_one()
    return study.render(bank, item, 1).to_dict()


def _answer(question: dict[str, object], score: float) -> list[str]:
    options, keys = list(question["options"]), list(question["answer"])  # type: ignore[call-overload]
    if question["type"] == "ordering":
        # Two items swapped: half of them in place.
        return keys if score == 1 else [keys[1], keys[0], *keys[2:]]
    if score == 1:
        return keys
    # A wrong answer always picks the first distractor.
    return [next(o for o in options if o not in keys)]


def add_drill(
    app: Flask, user: int, scores: dict[str, float | None], *, submitted: bool = True
) -> None:
    with app.test_request_context(), write_transaction():
        drill = Drill(
            user_id=user,
            settings={},
            created_at=now(),
            submitted_at=now() if submitted else None,
            score=sum(s or 0 for s in scores.values()) if submitted else None,
            max_score=len(scores),
        )
        db.session.add(drill)
        db.session.flush()
        for position, (key, score) in enumerate(scores.items()):
            question = _question(key)
            item_id = db.session.execute(select(Item.id).where(Item.key == key)).scalar_one()
            db.session.add(
                DrillQuestion(
                    drill_id=drill.id,
                    position=position,
                    item_id=item_id,
                    bank_id=drill_bank_id(),
                    question=question,
                    answer=None if score is None else _answer(question, score),
                    score=score if submitted else None,
                    correct=None if score is None else score == 1,
                )
            )


def drill_bank_id() -> int:
    return db.session.execute(select(Bank.id).where(Bank.slug == SLUG)).scalar_one()


def add_reviews(app: Flask, user: int, scores: dict[str, float], *, first: bool = True) -> None:
    """A Presentation and its Review per item, as the study loop stores them."""
    with app.test_request_context(), write_transaction():
        for key, score in scores.items():
            item = db.session.execute(select(Item).where(Item.key == key)).scalar_one()
            question = _question(key)
            pid = uuid.uuid4().hex
            answer = _answer(question, score)
            review = Review(
                user_id=user,
                item_id=item.id,
                fact_id=item.fact_id,
                bank_id=item.bank_id,
                presentation_id=pid,
                rating=3 if score == 1 else 1,
                answered_at=now(),
                local_day=now().date(),
                answer=answer,
                correct=score == 1,
                was_new=first,
                state_after={},
            )
            db.session.add(review)
            db.session.flush()
            db.session.add(
                Presentation(
                    id=pid,
                    user_id=user,
                    item_id=item.id,
                    question=question,
                    shown_at=now() - timedelta(seconds=5),
                    answered_at=now(),
                    answer=answer,
                    correct=score == 1,
                    grade={"correct": score == 1, "score": score, "per_position": None},
                    review_id=review.id,
                )
            )


# --- reading the page ---------------------------------------------------------------------------


class _Row(HTMLParser):
    """The text of each cell of the table row with id ``row_id`` (nested tables skipped)."""

    def __init__(self, row_id: str) -> None:
        super().__init__()
        self.row_id, self.inside, self.nested = row_id, False, 0
        self.cells: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr" and dict(attrs).get("id") == self.row_id:
            self.inside = True
        elif self.inside and tag == "table":
            self.nested += 1
        elif self.inside and not self.nested and tag in ("td", "th"):
            self.cells.append("")

    def handle_endtag(self, tag: str) -> None:
        if self.inside and tag == "table":
            self.nested -= 1
        elif self.inside and not self.nested and tag == "tr":
            self.inside = False

    def handle_data(self, data: str) -> None:
        if self.inside and not self.nested and self.cells:
            self.cells[-1] += data


def figures(html: str, row_id: str) -> tuple[str, ...]:
    """(n, facility, discrimination, efficiency, flags) as the row shows them."""
    parser = _Row(row_id)
    parser.feed(html)
    assert parser.cells, f"no row {row_id} on the page"
    return tuple(" ".join(c.split()) for c in parser.cells[2:7])


# --- the tests ----------------------------------------------------------------------------------


@pytest.fixture
def owner(app: Flask) -> int:
    uid = make_user(app, "tess", role="instructor")
    owned_bank(app, uid, status="published", is_public=True)
    return uid


def test_the_page_shows_the_figures_worked_by_hand(
    app: Flask, client: FlaskClient, owner: int
) -> None:
    students = [make_user(app, f"student{i}") for i in range(5)]
    # Four submitted drills and one student's first reviews: five attempts over A, B, C.
    #   attempt   A   B   C
    #   drill 1   1   1   1
    #   drill 2   1   0   1
    #   drill 3   0   1   0.5
    #   drill 4   1   1   0
    #   reviews   0   0   0
    add_drill(app, students[0], {A: 1.0, B: 1.0, C: 1.0})
    add_drill(app, students[1], {A: 1.0, B: 0.0, C: 1.0})
    add_drill(app, students[2], {A: 0.0, B: 1.0, C: 0.5})
    add_drill(app, students[3], {A: 1.0, B: 1.0, C: 0.0})
    add_reviews(app, students[4], {A: 0.0, B: 0.0, C: 0.0})
    # Not counted: a drill not submitted, a later (not first) review, the owner's own drill.
    add_drill(app, students[0], {A: 0.0, B: 0.0, C: 0.0}, submitted=False)
    add_reviews(app, students[4], {A: 1.0}, first=False)
    add_drill(app, owner, {A: 0.0, B: 0.0, C: 1.0})

    login_as(app, client, owner)
    page = client.get(URL)
    assert page.status_code == 200
    html = page.text
    assert "From 5 attempts: 4 submitted drills and the first answers in study of 1 student." in (
        " ".join(html.split())
    )
    # A: x = 1 1 0 1 0 (mean .6); R = B+C = 2 1 1.5 1 0 (mean 1.1)
    #   cov = (.4·.9 + .4·(-.1) + (-.6)·.4 + .4·(-.1) + (-.6)(-1.1))/4 = .70/4 = .175
    #   var x = 1.2/4 = .3, var R = 2.2/4 = .55 → discrimination 100·.175/sqrt(.165) = 43.08
    #   sorted x 0 0 1 1 1, sorted R 0 1 1 1.5 2 → cov_max = 1.2/4 = .3 → efficiency 58.33%
    assert figures(html, f"item-{A}") == ("5", "60.00%", "43.08", "58.33%", "none")
    # B: x = 1 0 1 1 0; R = A+C = 2 2 .5 1 0 (mean 1.1); cov = .2/4 = .05
    #   var R = 3.2/4 = .8 → 100·.05/sqrt(.24) = 10.21; cov_max = 1.7/4 = .425 → 11.76%
    assert figures(html, f"item-{B}") == ("5", "60.00%", "10.21", "11.76%", "none")
    # C: x = 1 1 .5 0 0 (mean .5); R = A+B = 2 1 1 2 0 (mean 1.2); cov = .5/4 = .125
    #   var x = .25, var R = 2.8/4 = .7 → 100·.125/sqrt(.175) = 29.88;
    #   cov_max = 1.5/4 = .375 → 33.33%
    assert figures(html, f"item-{C}") == ("5", "50.00%", "29.88", "33.33%", "none")

    # Per fact (longest attempt L = 3, so R = mean of the other questions × 2):
    # sputnik-1-launch: x = mean(A, B) = 1 .5 .5 1 0 (mean .6); R = C·2 = 2 2 1 0 0 (mean 1)
    #   x - mean = .4 -.1 -.1 .4 -.6;  R - mean = 1 1 0 -1 -1
    #   cov = (.4 - .1 + 0 - .4 + .6)/4 = .125; var x = .7/4 = .175; var R = 4/4 = 1
    #   discrimination = 100·.125/sqrt(.175) = 29.88
    #   sorted x 0 .5 .5 1 1, sorted R 0 0 1 2 2 → (.6 + .1 + 0 + .4 + .4)/4 = .375 → 33.33%
    assert figures(html, "fact-sputnik-1-launch") == ("5", "60.00%", "29.88", "33.33%", "none")
    # apollo-11-landing holds C only, and its rest is A+B: the figures of item C.
    assert figures(html, "fact-apollo-11-landing") == ("5", "50.00%", "29.88", "33.33%", "none")

    # A's first distractor was picked in the two attempts with A wrong: 2 of 5 showings; the
    # others 0 of 5, too few showings (under 10) for a verdict.
    assert "40.00%" in html and "not judged: shown under 10 times" in html
    assert "non-functioning</span>" not in html


def test_single_question_attempts_count_in_facility_and_flag_unpicked_distractors(
    app: Flask, client: FlaskClient, owner: int
) -> None:
    student = make_user(app, "ana")
    # Ten drills of question A alone, all right: facility 100% > 90% (too easy); no rest, so
    # no discrimination; each of A's three distractors shown 10 times, picked 0 → 0% < 5%,
    # judged (10 showings): non-functioning.
    for _ in range(10):
        add_drill(app, student, {A: 1.0})
    # And B twice, right then wrong: facility 50%, no flag.
    add_drill(app, student, {B: 1.0})
    add_drill(app, student, {B: 0.0})
    login_as(app, client, owner)
    html = client.get(URL).text
    assert figures(html, f"item-{A}") == (
        "10",
        "100.00%",
        "n/a",
        "n/a",
        "too easy non-functioning distractors",
    )
    assert figures(html, f"item-{B}") == ("2", "50.00%", "n/a", "n/a", "none")
    assert html.count("non-functioning</span>") == 3 + 3  # A's row and its fact's row

    only = client.get(URL, query_string={"flag": "too_easy", "sort": "facility"})
    assert only.status_code == 200
    assert f'id="item-{A}"' in only.text and f'id="item-{B}"' not in only.text
    assert 'id="fact-sputnik-1-launch"' in only.text  # the fact: 12 attempts, 11 right: 91.67%


def test_first_reviews_recorded_by_a_drill_count_once(
    app: Flask, client: FlaskClient, owner: int
) -> None:
    # A drill that counts as reviews stores a first review per question and links it: the
    # drill is the attempt, the reviews add none.
    student = make_user(app, "ana")
    add_drill(app, student, {A: 1.0, B: 0.0})
    add_reviews(app, student, {A: 1.0, B: 0.0})
    with app.app_context(), write_transaction():
        reviews = db.session.execute(select(Review).order_by(Review.id)).scalars().all()
        questions = db.session.execute(
            select(DrillQuestion).order_by(DrillQuestion.position)
        ).scalars()
        for dq, review in zip(questions, reviews, strict=True):
            dq.review_id = review.id
    login_as(app, client, owner)
    html = " ".join(client.get(URL).text.split())
    assert "From 1 attempt: 1 submitted drill and the first answers in study of 0 students." in html
    assert figures(html, f"item-{A}")[:2] == ("1", "100.00%")


def test_an_unknown_filter_or_order_is_refused_with_a_message(
    app: Flask, client: FlaskClient, owner: int
) -> None:
    add_drill(app, make_user(app, "ana"), {A: 1.0, B: 0.0})
    login_as(app, client, owner)
    page = client.get(URL, query_string={"flag": "bogus", "sort": "nonsense"})
    assert page.status_code == 400
    assert "There is no filter “bogus”: everything is shown." in page.text
    assert "There is no order “nonsense”" in page.text
    assert f'id="item-{A}"' in page.text and f'id="item-{B}"' in page.text


def test_rows_in_bank_order_or_by_facility(app: Flask, client: FlaskClient, owner: int) -> None:
    # A before B in the bank; A right (100%), B wrong (0%).
    add_drill(app, make_user(app, "ana"), {A: 1.0, B: 0.0})
    login_as(app, client, owner)
    in_bank = client.get(URL).text
    assert in_bank.index(f'id="item-{A}"') < in_bank.index(f'id="item-{B}"')
    hardest_first = client.get(URL, query_string={"sort": "facility"}).text
    assert hardest_first.index(f'id="item-{B}"') < hardest_first.index(f'id="item-{A}"')


def test_empty_state_before_any_attempt(app: Flask, client: FlaskClient, owner: int) -> None:
    login_as(app, client, owner)
    page = client.get(URL)
    assert page.status_code == 200
    assert "No attempts yet" in page.text and "<table" not in page.text


def test_only_the_owner_sees_the_analysis(app: Flask, client: FlaskClient, owner: int) -> None:
    add_drill(app, make_user(app, "ana"), {A: 1.0, B: 0.0})
    login_as(app, client, make_user(app, "other", role="instructor"))
    assert client.get(URL).status_code == 404
    login_as(app, client, make_user(app, "bob"))
    assert client.get(URL).status_code == 403
    anonymous = app.test_client()
    resp = anonymous.get(URL)
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    login_as(app, client, owner)
    assert client.get("/author/banks/no-such-bank/analysis").status_code == 404

"""Classes through the Flask test client on a real, migrated SQLite file: creating a class,
joining by code, the banks students then see, the progress figures and the permissions."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from quizapp.clock import FakeClock
from quizapp.core.bank import load_bank
from quizapp.core.templates import card_text
from quizapp.database import write_transaction
from quizapp.extensions import db
from quizapp.models import (
    Bank,
    Course,
    CourseBank,
    Enrollment,
    Fact,
    Item,
    ItemState,
    Review,
    User,
)
from quizapp.services import classes as service
from quizapp.services.banks import import_bank as import_core_bank
from quizapp.services.banks import parsed_bank

from ..conftest import FIXTURE_BANKS, csrf_token
from ..helpers import login_as, make_user

SOLAR = FIXTURE_BANKS / "solar_system.yaml"
CODE_ON_PAGE = re.compile(r'<p class="join-code"[^>]*>([A-Z0-9]{8})</p>')


# --- factories ---------------------------------------------------------------------------------


def add_bank(
    app: Flask,
    slug: str,
    title: str,
    *,
    status: str = "published",
    is_public: bool = False,
    owner_id: int | None = None,
) -> int:
    """The solar-system fixture bank under another slug and title."""
    core = load_bank(SOLAR).model_copy(update={"id": slug, "title": title})
    with app.app_context():
        result = import_core_bank(core, status=status, is_public=is_public, owner_id=owner_id)
        return result.bank.id


def add_class(app: Flask, owner_id: int, name: str = "History 2B") -> tuple[int, str]:
    with app.app_context():
        course = service.create_class(db.session.get_one(User, owner_id), name)
        return course.id, course.join_code


def enroll(app: Flask, course_id: int, user_id: int, when: datetime) -> None:
    with app.app_context(), write_transaction():
        db.session.add(Enrollment(course_id=course_id, user_id=user_id, joined_at=when))


def attach(app: Flask, course_id: int, bank_id: int) -> None:
    with app.app_context(), write_transaction():
        db.session.add(CourseBank(course_id=course_id, bank_id=bank_id))


def items_of(app: Flask, bank_id: int) -> list[tuple[int, int]]:
    """(item id, fact id) of the bank's active items, in bank order."""
    with app.app_context():
        rows = db.session.execute(
            select(Item.id, Item.fact_id)
            .where(Item.bank_id == bank_id, Item.active.is_(True))
            .order_by(Item.position)
        ).all()
        return [(r.id, r.fact_id) for r in rows]


def facts_of(app: Flask, bank_id: int) -> list[tuple[int, int]]:
    """(fact id, one item id of it) per fact, in bank order."""
    with app.app_context():
        rows = db.session.execute(
            select(Fact.id, func.min(Item.id))
            .join(Item, Item.fact_id == Fact.id)
            .where(Fact.bank_id == bank_id)
            .group_by(Fact.id, Fact.position)
            .order_by(Fact.position)
        ).all()
        return [(r[0], r[1]) for r in rows]


def add_state(app: Flask, user_id: int, item_id: int, *, state: int, due: datetime) -> None:
    with app.app_context(), write_transaction():
        item = db.session.get_one(Item, item_id)
        db.session.add(
            ItemState(
                user_id=user_id,
                item_id=item_id,
                bank_id=item.bank_id,
                state=state,
                step=None if state == 2 else 0,
                stability=5.0,
                difficulty=5.0,
                due=due,
                last_review=due - timedelta(days=3),
                reps=3,
                lapses=0,
            )
        )


def add_review(
    app: Flask,
    user_id: int,
    item_id: int,
    *,
    correct: bool,
    at: datetime,
    state_before: int | None = 2,
) -> None:
    with app.app_context(), write_transaction():
        item = db.session.get_one(Item, item_id)
        before = None if state_before is None else {"state": state_before, "step": None}
        db.session.add(
            Review(
                user_id=user_id,
                item_id=item_id,
                fact_id=item.fact_id,
                bank_id=item.bank_id,
                rating=3 if correct else 1,
                answered_at=at,
                local_day=at.date(),
                correct=correct,
                was_new=state_before is None,
                state_before=before,
                state_after={"state": 2},
            )
        )


def count(app: Flask, model: Any) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def teacher(app: Flask) -> int:
    return make_user(app, "teach", role="instructor", display_name="Ms Quispe")


# --- creating a class --------------------------------------------------------------------------


def test_instructor_creates_a_class_with_a_join_code(
    app: Flask, client: FlaskClient, teacher: int
) -> None:
    login_as(app, client, teacher)
    index = client.get("/classes/")
    assert index.status_code == 200 and "New class" in index.text
    resp = client.post("/classes/new", data={"name": "  History 2B  "})
    assert resp.status_code == 302
    course_id = int(resp.headers["Location"].rsplit("/", 1)[-1])
    page = client.get(f"/classes/{course_id}")
    assert page.status_code == 200
    assert "<h1>History 2B</h1>" in page.text
    m = CODE_ON_PAGE.search(page.text)
    assert m, "no join code on the class page"
    code = m.group(1)
    assert set(code) <= set(service.JOIN_ALPHABET)
    assert f"http://localhost/classes/join/{code}" in page.text
    with app.app_context():
        course = db.session.get_one(Course, course_id)
        assert (course.name, course.owner_id, course.join_code) == ("History 2B", teacher, code)
    assert "History 2B" in client.get("/classes/").text


def test_a_class_needs_a_name(app: Flask, client: FlaskClient, teacher: int) -> None:
    login_as(app, client, teacher)
    resp = client.post("/classes/new", data={"name": "   "})
    assert resp.status_code == 400
    assert "Give the class a name" in resp.text
    resp = client.post("/classes/new", data={"name": "x" * (service.NAME_MAX + 1)})
    assert resp.status_code == 400 and f"at most {service.NAME_MAX} characters" in resp.text
    assert count(app, Course) == 0


def test_join_codes_use_the_unambiguous_alphabet() -> None:
    codes = {service.new_join_code() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert len(code) == service.JOIN_CODE_LENGTH
        assert not set(code) & set("0O1lIL")
        assert set(code) <= set(service.JOIN_ALPHABET)
    assert service.normalize_code(" abcd-efgh ") == "ABCDEFGH"
    assert service.code_problem("ABCD") is not None
    assert service.code_problem("ABCDEFG0") is not None  # a zero is never in a code
    assert service.code_problem("abcd-efgh") is None


def test_regenerating_the_code_retires_the_old_one(
    app: Flask, client: FlaskClient, teacher: int
) -> None:
    course_id, old = add_class(app, teacher)
    student = make_user(app, "ana")
    enroll(app, course_id, student, datetime.now().astimezone())
    login_as(app, client, teacher)
    assert client.get(f"/classes/{course_id}/code").status_code == 405  # no change on GET
    resp = client.post(f"/classes/{course_id}/code")
    assert resp.status_code == 302
    with app.app_context():
        new = db.session.get_one(Course, course_id).join_code
    assert new != old and service.code_problem(new) is None
    page = client.get(f"/classes/{course_id}")
    assert new in page.text and "The old code and link no longer work" in page.text
    assert count(app, Enrollment) == 1  # members stay
    login_as(app, client, make_user(app, "ben"))
    assert client.get(f"/classes/join/{old}").status_code == 404
    assert client.get(f"/classes/join/{new}").status_code == 200


# --- joining -----------------------------------------------------------------------------------


def test_join_link_asks_first_and_joining_twice_changes_nothing(
    app: Flask, client: FlaskClient, teacher: int
) -> None:
    course_id, code = add_class(app, teacher)
    login_as(app, client, make_user(app, "ana"))
    page = client.get(f"/classes/join/{code}")
    assert page.status_code == 200
    assert "Join class History 2B taught by Ms Quispe?" in page.text
    assert count(app, Enrollment) == 0  # the GET changed nothing
    resp = client.post(f"/classes/join/{code}")
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    assert "You joined “History 2B”" in client.get("/").text
    resp = client.post(f"/classes/join/{code}")
    assert resp.status_code == 302
    assert "already in “History 2B”" in client.get("/").text
    assert count(app, Enrollment) == 1
    again = client.get(f"/classes/join/{code}")
    assert "You are already in this class" in again.text
    # the student's classes page lists it, and its page shows the member's view
    assert "History 2B" in client.get("/classes/").text
    member = client.get(f"/classes/{course_id}")
    assert member.status_code == 200 and "Leave History 2B" in member.text
    assert code not in member.text  # the teacher's view (code, progress) is not shown


def test_joining_with_a_typed_code_ignores_case_and_hyphens(
    app: Flask, client: FlaskClient, teacher: int
) -> None:
    _, code = add_class(app, teacher)
    login_as(app, client, make_user(app, "ana"))
    typed = f"{code[:4].lower()}-{code[4:].lower()}"
    resp = client.post("/classes/join", data={"code": typed})
    assert resp.status_code == 302
    assert count(app, Enrollment) == 1


def test_a_malformed_typed_code_says_what_is_wrong(
    app: Flask, client: FlaskClient, teacher: int
) -> None:
    login_as(app, client, make_user(app, "ana"))
    resp = client.post("/classes/join", data={"code": "ABC"})
    assert resp.status_code == 400
    assert "A join code has 8 characters; this one has 3." in resp.text
    resp = client.post("/classes/join", data={"code": ""})
    assert resp.status_code == 400 and "Enter the join code" in resp.text


def test_an_unknown_code_is_a_404_page_that_says_how_to_get_one(
    app: Flask, client: FlaskClient, teacher: int
) -> None:
    add_class(app, teacher)
    login_as(app, client, make_user(app, "ana"))
    for code in ("ZZZZZZZZ", "not-a-code"):
        page = client.get(f"/classes/join/{code}")
        assert page.status_code == 404
        assert "Join code not found" in page.text
        assert "ask them for" in page.text and "join link from its teacher" in page.text
        assert client.post(f"/classes/join/{code}").status_code == 404
    typed = client.post("/classes/join", data={"code": "ZZZZZZZZ"})
    assert typed.status_code == 404
    assert "No class has the join code “ZZZZZZZZ”" in typed.text
    assert count(app, Enrollment) == 0


def test_a_teacher_cannot_join_their_own_class(
    app: Flask, client: FlaskClient, teacher: int
) -> None:
    _, code = add_class(app, teacher)
    login_as(app, client, teacher)
    assert "This is your class" in client.get(f"/classes/join/{code}").text
    resp = client.post(f"/classes/join/{code}", follow_redirects=True)
    assert "You teach this class" in resp.text
    assert count(app, Enrollment) == 0


def test_leaving_a_class(app: Flask, client: FlaskClient, teacher: int) -> None:
    course_id, code = add_class(app, teacher)
    student = make_user(app, "ana")
    login_as(app, client, student)
    client.post(f"/classes/join/{code}")
    resp = client.post(f"/classes/{course_id}/leave", follow_redirects=True)
    assert "You left “History 2B”" in resp.text
    assert count(app, Enrollment) == 0
    resp = client.post(f"/classes/{course_id}/leave", follow_redirects=True)
    assert resp.status_code == 200 and "You were not in that class" in resp.text
    assert client.get(f"/classes/{course_id}").status_code == 404


# --- the banks students see --------------------------------------------------------------------


def test_attached_published_banks_show_on_the_students_home_and_drafts_do_not(
    app: Flask, client: FlaskClient, teacher: int
) -> None:
    published = add_bank(app, "moon-notes", "Moon notes", owner_id=teacher)
    draft = add_bank(app, "mars-draft", "Mars draft", status="draft", owner_id=teacher)
    add_bank(app, "other-notes", "Not attached", owner_id=teacher)
    course_id, code = add_class(app, teacher)

    login_as(app, client, teacher)
    for bank_id in (published, draft):
        resp = client.post(f"/classes/{course_id}/banks", data={"bank_id": str(bank_id)})
        assert resp.status_code == 302
    page = client.get(f"/classes/{course_id}")
    assert "Moon notes" in page.text and "Mars draft" in page.text
    assert "draft: hidden from students" in page.text

    student = make_user(app, "ana")
    login_as(app, client, student)
    home = client.get("/").text
    assert "Moon notes" not in home  # private until the student joins
    client.post(f"/classes/join/{code}")
    home = client.get("/").text
    assert "Moon notes" in home
    assert "Mars draft" not in home and "Not attached" not in home
    assert client.get("/study/moon-notes").status_code == 200
    assert client.get("/study/mars-draft").status_code == 404

    client.post(f"/classes/{course_id}/leave")
    assert "Moon notes" not in client.get("/").text


def test_attach_offers_own_and_public_banks_only(
    app: Flask, client: FlaskClient, teacher: int
) -> None:
    other = make_user(app, "rival", role="instructor")
    mine = add_bank(app, "mine", "My draft", status="draft", owner_id=teacher)
    public = add_bank(app, "public", "Public bank", is_public=True, owner_id=other)
    private = add_bank(app, "private", "Rival's private bank", owner_id=other)
    public_draft = add_bank(
        app, "public-draft", "Rival's public draft", status="draft", is_public=True, owner_id=other
    )
    course_id, _ = add_class(app, teacher)
    login_as(app, client, teacher)
    page = client.get(f"/classes/{course_id}").text
    assert "My draft (draft)" in page and "Public bank" in page
    assert "Rival&#39;s private bank" not in page and "Rival&#39;s public draft" not in page

    for bank_id in (private, public_draft):
        resp = client.post(f"/classes/{course_id}/banks", data={"bank_id": str(bank_id)})
        assert resp.status_code == 400
        assert "Choose one of the listed banks" in resp.text
    resp = client.post(f"/classes/{course_id}/banks", data={"bank_id": "nonsense"})
    assert resp.status_code == 400 and "Choose one of the listed banks." in resp.text
    resp = client.post(f"/classes/{course_id}/banks", data={})
    assert resp.status_code == 400 and "Choose a bank to attach." in resp.text
    assert count(app, CourseBank) == 0

    for bank_id in (mine, public, mine):
        assert (
            client.post(f"/classes/{course_id}/banks", data={"bank_id": str(bank_id)}).status_code
            == 302
        )
    assert count(app, CourseBank) == 2  # attaching twice adds nothing
    resp = client.post(f"/classes/{course_id}/banks/{public}/detach", follow_redirects=True)
    assert "“Public bank” detached" in resp.text
    assert count(app, CourseBank) == 1
    resp = client.post(f"/classes/{course_id}/banks/{public}/detach", follow_redirects=True)
    assert "was not attached" in resp.text


# --- progress figures --------------------------------------------------------------------------


def test_progress_table_figures(
    app: Flask, client: FlaskClient, teacher: int, clock: FakeClock
) -> None:
    now = clock()
    bank = add_bank(app, "moon-notes", "Moon notes", owner_id=teacher)
    course_id, _ = add_class(app, teacher)
    attach(app, course_id, bank)
    ana = make_user(app, "ana", display_name="Ana")
    ben = make_user(app, "ben", display_name="Ben")
    outsider = make_user(app, "zoe", display_name="Zoe")
    for uid in (ana, ben):
        enroll(app, course_id, uid, now)
    items = [item for item, _ in items_of(app, bank)]
    total = len(items)

    # Ana: three items in review (one of them due), one in learning (due), one relearning
    # (not due): learned 3, due 2.
    add_state(app, ana, items[0], state=2, due=now - timedelta(hours=1))
    add_state(app, ana, items[1], state=2, due=now + timedelta(days=3))
    add_state(app, ana, items[2], state=2, due=now + timedelta(days=9))
    add_state(app, ana, items[3], state=1, due=now - timedelta(minutes=5))
    add_state(app, ana, items[4], state=3, due=now + timedelta(minutes=10))
    # Retention: 4 reviews of items in review state in the last 30 days, 3 right -> 75%.
    for right, days_ago in ((True, 1), (True, 2), (False, 3), (True, 29)):
        add_review(app, ana, items[0], correct=right, at=now - timedelta(days=days_ago))
    # Not counted: older than 30 days, a new item, an item in (re)learning.
    add_review(app, ana, items[1], correct=False, at=now - timedelta(days=31))
    add_review(app, ana, items[1], correct=False, at=now - timedelta(days=1), state_before=None)
    add_review(app, ana, items[2], correct=False, at=now - timedelta(days=1), state_before=1)
    add_review(app, ana, items[2], correct=False, at=now - timedelta(days=1), state_before=3)
    # Someone outside the class is not in the table.
    add_state(app, outsider, items[0], state=2, due=now - timedelta(days=1))

    with app.app_context():
        course = db.session.get_one(Course, course_id)
        figures = service.progress(course, now)
    assert [b.title for b in figures.banks] == ["Moon notes"]
    assert figures.banks[0].total == total
    assert [s.name for s in figures.students] == ["Ana", "Ben"]
    a, b = (s.cells[bank] for s in figures.students)
    assert (a.learned, a.due, a.retention_right, a.retention_reviews) == (3, 2, 3, 4)
    assert a.retention == 0.75
    assert (b.learned, b.due, b.retention) == (0, 0, None)

    login_as(app, client, teacher)
    page = client.get(f"/classes/{course_id}").text
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", page, re.S)
    assert len(rows) == 2
    cells = [re.sub(r"<[^>]+>", "", r) for r in rows]
    assert re.sub(r"\s+", " ", cells[0]).strip() == f"Ana 3 / {total} 2 75% (3 of 4)"
    assert re.sub(r"\s+", " ", cells[1]).strip() == f"Ben 0 / {total} 0 —"
    assert "Zoe" not in page


def test_hardest_facts_are_ranked_by_wrong_rate(
    app: Flask, client: FlaskClient, teacher: int, clock: FakeClock
) -> None:
    now = clock()
    bank = add_bank(app, "moon-notes", "Moon notes", owner_id=teacher)
    unattached = add_bank(app, "elsewhere", "Elsewhere", owner_id=teacher)
    course_id, _ = add_class(app, teacher)
    attach(app, course_id, bank)
    ana, ben = make_user(app, "ana"), make_user(app, "ben")
    outsider = make_user(app, "zoe")
    for uid in (ana, ben):
        enroll(app, course_id, uid, now)
    facts = facts_of(app, bank)
    (f1, i1), (f2, i2), (f3, i3), (f4, i4), (f5, i5), (f6, i6) = facts[:6]
    at = now - timedelta(days=40)  # all time: older reviews count too

    def answers(item: int, pattern: str, users: tuple[int, ...] = (ana, ben)) -> None:
        for n, mark in enumerate(pattern):
            add_review(app, users[n % len(users)], item, correct=mark == "+", at=at)

    answers(i1, "+-+-+-")  # 3 of 6 wrong: 50%
    answers(i2, "---+")  # 3 of 4 wrong: 75%
    answers(i3, "+-+")  # 1 of 3 wrong: 33%, fewer reviews than f6
    answers(i6, "++-+-+")  # 2 of 6 wrong: 33%, ranks before f3 (more reviews)
    answers(i4, "--")  # only 2 reviews: left out
    answers(i5, "+++++")  # never wrong: left out
    answers(i5, "-----", (outsider,))  # not a member: does not count
    answers(items_of(app, unattached)[0][0], "----")  # a bank not attached: does not count

    with app.app_context():
        course = db.session.get_one(Course, course_id)
        hardest = service.hardest_facts(course)
        row = db.session.get_one(Bank, bank)
        _, ctx = parsed_bank(row)
        prompts = {
            f.id: card_text(ctx.facts[f.key], ctx)[0]
            for f in db.session.execute(select(Fact).where(Fact.bank_id == bank)).scalars()
        }
    assert [h.fact_id for h in hardest] == [f2, f1, f6, f3]
    assert [(h.wrong, h.reviews) for h in hardest] == [(3, 4), (3, 6), (2, 6), (1, 3)]
    assert [h.prompt for h in hardest] == [prompts[f] for f in (f2, f1, f6, f3)]
    assert all(h.bank_title == "Moon notes" for h in hardest)

    login_as(app, client, teacher)
    page = client.get(f"/classes/{course_id}").text
    section = page[page.index('id="hardest"') :]
    positions = [section.index(_escaped(prompts[f])) for f in (f2, f1, f6, f3)]
    assert positions == sorted(positions)
    assert "75%" in section and "50%" in section and "33%" in section
    assert _escaped(prompts[f4]) not in section and _escaped(prompts[f5]) not in section


def _escaped(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


# --- permissions -------------------------------------------------------------------------------


def test_students_get_403_on_the_instructor_routes(
    app: Flask, client: FlaskClient, teacher: int
) -> None:
    bank = add_bank(app, "moon-notes", "Moon notes", is_public=True, owner_id=teacher)
    course_id, code = add_class(app, teacher)
    student = make_user(app, "ana")
    login_as(app, client, student)
    client.post(f"/classes/join/{code}")  # even a member of the class
    for url, data in (
        ("/classes/new", {"name": "Mine now"}),
        (f"/classes/{course_id}/banks", {"bank_id": str(bank)}),
        (f"/classes/{course_id}/banks/{bank}/detach", {}),
        (f"/classes/{course_id}/code", {}),
    ):
        assert client.post(url, data=data).status_code == 403, url
    index = client.get("/classes/")
    assert index.status_code == 200
    assert "Join a class" in index.text and "New class" not in index.text
    assert count(app, Course) == 1 and count(app, CourseBank) == 0


def test_another_instructor_gets_404_on_my_class(
    app: Flask, client: FlaskClient, teacher: int
) -> None:
    bank = add_bank(app, "moon-notes", "Moon notes", is_public=True, owner_id=teacher)
    course_id, code = add_class(app, teacher)
    login_as(app, client, make_user(app, "rival", role="instructor"))
    assert client.get(f"/classes/{course_id}").status_code == 404
    for url, data in (
        (f"/classes/{course_id}/banks", {"bank_id": str(bank)}),
        (f"/classes/{course_id}/banks/{bank}/detach", {}),
        (f"/classes/{course_id}/code", {}),
    ):
        assert client.post(url, data=data).status_code == 404, url
    assert "History 2B" not in client.get("/classes/").text
    with app.app_context():
        assert db.session.get_one(Course, course_id).join_code == code
    assert count(app, CourseBank) == 0


def test_an_admin_manages_every_class(app: Flask, client: FlaskClient, teacher: int) -> None:
    course_id, _ = add_class(app, teacher)
    login_as(app, client, make_user(app, "root", role="admin"))
    page = client.get(f"/classes/{course_id}")
    assert page.status_code == 200 and "Join code" in page.text
    assert "Taught by Ms Quispe" in client.get("/classes/").text


def test_a_student_not_in_the_class_gets_404(app: Flask, client: FlaskClient, teacher: int) -> None:
    course_id, _ = add_class(app, teacher)
    login_as(app, client, make_user(app, "ana"))
    assert client.get(f"/classes/{course_id}").status_code == 404
    assert client.get("/classes/999").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(
    app: Flask, client: FlaskClient, teacher: int
) -> None:
    course_id, code = add_class(app, teacher)
    for url in ("/classes/", f"/classes/{course_id}", f"/classes/join/{code}"):
        resp = client.get(url)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"], url
    for url in ("/classes/new", f"/classes/join/{code}", f"/classes/{course_id}/code"):
        resp = client.post(url)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"], url
    assert count(app, Enrollment) == 0


def test_every_post_form_carries_a_csrf_token_and_needs_it(
    app: Flask, client: FlaskClient, teacher: int
) -> None:
    bank = add_bank(app, "moon-notes", "Moon notes", owner_id=teacher)
    course_id, code = add_class(app, teacher)
    attach(app, course_id, bank)
    add_bank(app, "mars", "Mars", owner_id=teacher)
    app.config["WTF_CSRF_ENABLED"] = True
    login_as(app, client, teacher)
    pages = [client.get("/classes/").text, client.get(f"/classes/{course_id}").text]
    student = make_user(app, "ana")
    login_as(app, client, student)
    pages.append(client.get(f"/classes/join/{code}").text)
    forms = [f for html in pages for f in re.findall(r"<form[^>]*>.*?</form>", html, re.S)]
    posts = [f for f in forms if 'method="post"' in f]
    assert len(posts) >= 8
    for form in posts:
        assert 'name="csrf_token"' in form, form

    refused = client.post(f"/classes/join/{code}")
    assert refused.status_code == 400 and "Form expired" in refused.text
    assert client.post("/classes/join", data={"code": code}).status_code == 400
    assert count(app, Enrollment) == 0
    token = csrf_token(pages[-1])
    assert client.post(f"/classes/join/{code}", data={"csrf_token": token}).status_code == 302
    assert count(app, Enrollment) == 1

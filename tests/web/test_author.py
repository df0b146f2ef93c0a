"""The instructors' area: access, the list of banks, preview, publish, export, delete, and
editing banks in the browser while keeping students' progress."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from fsrs import Rating
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Bank, Course, CourseBank, Fact, Item, ItemState, Review
from quizapp.services.banks import import_bank_file

from ..conftest import FIXTURE_BANKS
from ..helpers import login_as, make_user, right_answer, shown_question

SOLAR = FIXTURE_BANKS / "solar_system.yaml"
SLUG = yaml.safe_load(SOLAR.read_text())["id"]


# --- helpers shared with test_author_upload -----------------------------------------------------


def bank_row(slug: str) -> Bank:
    """The bank's row; call inside an app context."""
    db.session.expire_all()
    return db.session.execute(select(Bank).where(Bank.slug == slug)).scalar_one()


def owned_bank(
    app: Flask, owner: int, *, status: str = "draft", is_public: bool = False, path: Path = SOLAR
) -> int:
    with app.app_context():
        return import_bank_file(path, owner_id=owner, status=status, is_public=is_public).bank.id


def study_items(app: Flask, student: int, n: int, slug: str = SLUG) -> list[str]:
    """Answer up to ``n`` questions rightly as ``student`` (rated Good); the item ids."""
    client = app.test_client()
    login_as(app, client, student)
    done = []
    for _ in range(n):
        page = client.get(f"/study/{slug}")
        assert page.status_code == 200, page.text
        if 'name="token"' not in page.text:
            break
        token, q = shown_question(app, page.text)
        resp = client.post(
            f"/study/{slug}/answer", data={"token": token, "answer": right_answer(q)}
        )
        assert resp.status_code == 302, resp.text
        pid = resp.headers["Location"].rsplit("/", 1)[-1]
        rated = client.post(f"/study/p/{pid}/rate", data={"rating": str(int(Rating.Good))})
        assert rated.status_code == 302
        done.append(q.id)
    return done


class _Form(HTMLParser):
    """The values a browser would send for the first form whose action contains ``action``."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.done = action, False, False
        self.values: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._text = ""
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and not self.done and self.action in a.get("action", ""):
            self.inside = True
        if not self.inside:
            return
        if tag == "input" and a.get("name") and a.get("type") != "submit":
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.values.append((a["name"], a.get("value", "y")))
            else:
                self.values.append((a["name"], a.get("value", "")))
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), ""
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.values.append((self._select, a.get("value", "")))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None:
            self.values.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form" and self.inside:
            self.inside, self.done = False, True


def form_values(html: str, action: str) -> dict[str, list[str]]:
    parser = _Form(action)
    parser.feed(html)
    assert parser.done, f"no form posting to {action}"
    out: dict[str, list[str]] = {}
    for name, value in parser.values:
        out.setdefault(name, []).append(value)
    return out


def post_form(client: FlaskClient, url: str, page_url: str | None = None, **changes: object):  # type: ignore[no-untyped-def]
    """GET the page, change some fields, POST the form as a browser would."""
    page = client.get(page_url or url)
    assert page.status_code == 200, page.text
    data: dict[str, object] = dict(form_values(page.text, url))
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return client.post(url, data=data)


def item_states_by_fact(app: Flask) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(
            select(Fact.key, func.count())
            .join(Item, Item.fact_id == Fact.id)
            .join(ItemState, ItemState.item_id == Item.id)
            .group_by(Fact.key)
        ).all()
        return dict(rows)  # type: ignore[arg-type]


def review_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Review)) or 0


# --- fixtures -------------------------------------------------------------------------------------


@pytest.fixture
def teacher(app: Flask, client: FlaskClient) -> int:
    uid = make_user(app, "tess", role="instructor")
    login_as(app, client, uid)
    return uid


@pytest.fixture
def my_bank(app: Flask, teacher: int) -> int:
    return owned_bank(app, teacher)


# --- access ---------------------------------------------------------------------------------------

BANK = f"/author/banks/{SLUG}"
BANK_GETS = [
    BANK,
    f"{BANK}/preview",
    f"{BANK}/edit",
    f"{BANK}/entities",
    f"{BANK}/entities/nasa/edit",
    f"{BANK}/facts",
    f"{BANK}/facts/new/event",
    f"{BANK}/facts/apollo-11-landing/edit",
    f"{BANK}/export/yaml",
    f"{BANK}/delete",
]
BANK_POSTS = [
    f"{BANK}/publish",
    f"{BANK}/unpublish",
    f"{BANK}/visibility",
    f"{BANK}/delete",
    f"{BANK}/edit",
    f"{BANK}/entities",
    f"{BANK}/entities/nasa/edit",
    f"{BANK}/entities/nasa/delete",
    f"{BANK}/facts/new/event",
    f"{BANK}/facts/apollo-11-landing/edit",
    f"{BANK}/facts/apollo-11-landing/delete",
]
GETS = ["/author/", "/author/upload", "/author/new", *BANK_GETS]
POSTS = ["/author/upload", "/author/upload/confirm", "/author/new", *BANK_POSTS]


def test_students_are_forbidden_everywhere(app: Flask, client: FlaskClient) -> None:
    owner = make_user(app, "tess", role="instructor")
    owned_bank(app, owner)
    login_as(app, client, make_user(app, "ana"))
    for url in GETS:
        assert client.get(url).status_code == 403, url
    for url in POSTS:
        assert client.post(url, data={"public": "1"}).status_code == 403, url
    with app.app_context():
        assert bank_row(SLUG).status == "draft"


def test_anonymous_visitors_are_sent_to_log_in(app: Flask, client: FlaskClient) -> None:
    owned_bank(app, make_user(app, "tess", role="instructor"))
    for url in GETS:
        resp = client.get(url)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"], url
    for url in POSTS:
        resp = client.post(url)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"], url


def test_another_instructors_bank_is_not_found(app: Flask, client: FlaskClient, my_bank: int):
    other = make_user(app, "otto", role="instructor")
    login_as(app, client, other)
    for url in BANK_GETS:
        assert client.get(url).status_code == 404, url
    for url in BANK_POSTS:
        assert client.post(url, data={"public": "1"}).status_code == 404, url
    with app.app_context():
        row = bank_row(SLUG)
        assert (row.status, row.is_public) == ("draft", False)
    assert SLUG not in client.get("/author/").text


def test_an_admin_may_act_on_any_bank(app: Flask, client: FlaskClient, my_bank: int) -> None:
    login_as(app, client, make_user(app, "root", role="admin"))
    assert SLUG in client.get("/author/").text
    for url in BANK_GETS:
        assert client.get(url).status_code == 200, url
    assert client.post(f"{BANK}/publish").status_code == 302
    with app.app_context():
        assert bank_row(SLUG).status == "published"


def test_the_teach_link_shows_for_instructors_only(app: Flask, client: FlaskClient) -> None:
    login_as(app, client, make_user(app, "ana"))
    assert "/author/" not in client.get("/").text
    login_as(app, client, make_user(app, "tess", role="instructor"))
    assert 'href="/author/"' in client.get("/").text


# --- the list -------------------------------------------------------------------------------------


def test_index_lists_my_banks_with_status_and_counts(
    app: Flask, client: FlaskClient, teacher: int
) -> None:
    assert "No banks yet" in client.get("/author/").text
    owned_bank(app, teacher, status="published", is_public=True)
    study_items(app, make_user(app, "ana"), 2)
    study_items(app, make_user(app, "ben"), 1)
    page = client.get("/author/")
    assert page.status_code == 200
    with app.app_context():
        row = bank_row(SLUG)
        facts = db.session.scalar(
            select(func.count()).select_from(Fact).where(Fact.bank_id == row.id)
        )
        items = db.session.scalar(
            select(func.count()).select_from(Item).where(Item.bank_id == row.id)
        )
    cells = re.findall(r'<td class="num">(\d+)</td>', page.text)
    assert cells == [str(facts), str(items), "2"]
    assert "Published" in page.text and "Public" in page.text
    assert "Upload a bank" in page.text and "New bank" in page.text


# --- preview --------------------------------------------------------------------------------------


def test_preview_shows_every_item_and_draws_again_with_another_seed(
    app: Flask, client: FlaskClient, my_bank: int
) -> None:
    from quizapp.core import generator
    from quizapp.core.bank import load_bank

    specs = generator.item_specs(load_bank(SOLAR))
    with app.app_context():
        before = bank_row(SLUG).content_hash
    first = client.get(f"{BANK}/preview")
    assert first.status_code == 200
    shown = re.findall(r'data-item="([^"]+)"', first.text)
    assert sorted(shown) == sorted(s.id for s in specs)
    assert "correct" in first.text and "Draw again" in first.text
    assert f"{BANK}/preview?seed=2" in first.text

    def options(html: str) -> list[str]:
        return re.findall(r'<span class="review-text">([^<]*)</span>', html)

    second = client.get(f"{BANK}/preview?seed=2")
    assert re.findall(r'data-item="([^"]+)"', second.text) == shown
    assert options(second.text) != options(first.text)
    again = client.get(f"{BANK}/preview?seed=1").text
    assert options(again) == options(first.text)  # same seed, same draw
    with app.app_context():
        assert bank_row(SLUG).content_hash == before


def test_preview_filters_by_topic(app: Flask, client: FlaskClient, my_bank: int) -> None:
    page = client.get(f"{BANK}/preview?topic=people")
    assert page.status_code == 200
    assert "armstrong-commander" in page.text and "sputnik-1-launch" not in page.text


def test_preview_shows_the_generators_warnings(
    app: Flask, client: FlaskClient, teacher: int, tmp_path: Path
) -> None:
    tiny = tmp_path / "tiny.yaml"
    tiny.write_text(
        yaml.safe_dump(
            {
                "id": "tiny",
                "title": "Tiny",
                "source": {"title": "A tiny document"},
                "topics": [{"id": "t", "title": "T"}],
                "entities": [
                    {"id": "a", "name": "Alpha", "kind": "country"},
                    {"id": "g", "name": "Group", "kind": "organization"},
                ],
                "facts": [
                    {
                        "id": "alpha-in-group",
                        "kind": "membership",
                        "topic": "t",
                        "group": "g",
                        "members": [{"entity": "a"}],
                        "source": "Alpha is a member of Group.",
                    }
                ],
            }
        )
    )
    owned_bank(app, teacher, path=tiny)
    page = client.get("/author/banks/tiny/preview")
    assert page.status_code == 200
    assert "warning" in page.text and "membership list not marked complete" in page.text
    assert page.text.count("left out:") >= 1  # next to the fact as well


# --- publish and visibility -----------------------------------------------------------------------


def test_publishing_and_the_public_toggle_decide_what_students_see(
    app: Flask, client: FlaskClient, my_bank: int
) -> None:
    student = app.test_client()
    login_as(app, student, make_user(app, "ana"))
    title = "Exploring the Solar System"
    assert title not in student.get("/").text  # a draft

    assert client.post(f"{BANK}/publish").status_code == 302
    assert title not in student.get("/").text  # published, but for classes only

    assert client.post(f"{BANK}/visibility", data={"public": "1"}).status_code == 302
    assert title in student.get("/").text
    assert "Make it classes only" in client.get(BANK).text

    assert client.post(f"{BANK}/unpublish").status_code == 302
    assert title not in student.get("/").text
    with app.app_context():
        row = bank_row(SLUG)
        assert (row.status, row.is_public) == ("draft", True)


def test_a_class_only_bank_is_seen_by_its_class(app: Flask, client: FlaskClient, my_bank: int):
    from quizapp.clock import now
    from quizapp.database import write_transaction
    from quizapp.models import Enrollment

    ana = make_user(app, "ana")
    with app.app_context(), write_transaction():
        course = Course(name="Space 101", owner_id=1, join_code="SPACE1", created_at=now())
        db.session.add(course)
        db.session.flush()
        db.session.add(CourseBank(course_id=course.id, bank_id=my_bank))
        db.session.add(Enrollment(course_id=course.id, user_id=ana, joined_at=now()))
    student = app.test_client()
    login_as(app, student, ana)
    client.post(f"{BANK}/publish")
    assert "Exploring the Solar System" in student.get("/").text
    assert "1 class" in client.get("/author/").text


def test_a_source_url_is_linked_only_when_it_is_a_web_address(
    app: Flask, client: FlaskClient, teacher: int, tmp_path: Path
) -> None:
    data = yaml.safe_load(SOLAR.read_text())
    data.pop("source_text")
    data["source"]["url"] = "javascript:alert(1)"
    path = tmp_path / "solar.yaml"
    path.write_text(yaml.safe_dump(data))
    owned_bank(app, teacher, path=path)
    page = client.get(BANK)
    assert page.status_code == 200
    assert 'href="javascript:' not in page.text


def test_get_never_publishes(app: Flask, client: FlaskClient, my_bank: int) -> None:
    assert client.get(f"{BANK}/publish").status_code == 405
    with app.app_context():
        assert bank_row(SLUG).status == "draft"


# --- export ---------------------------------------------------------------------------------------


def test_every_export_is_a_download(app: Flask, client: FlaskClient, my_bank: int) -> None:
    from quizapp.interchange import EXPORTERS

    page = client.get(BANK)
    for name, exporter in EXPORTERS.items():
        url = f"{BANK}/export/{name}"
        assert url in page.text
        resp = client.get(url)
        assert resp.status_code == 200, name
        assert (
            resp.headers["Content-Disposition"] == f"attachment; filename={SLUG}{exporter.suffix}"
        )
        assert resp.mimetype == exporter.mimetype.split(";")[0]
        assert resp.data
    yaml_file = client.get(f"{BANK}/export/yaml").data
    assert yaml.safe_load(yaml_file)["id"] == SLUG
    assert client.get(f"{BANK}/export/docx").status_code == 404


def test_a_draft_is_never_exported_by_others(app: Flask, client: FlaskClient, my_bank: int):
    login_as(app, client, make_user(app, "otto", role="instructor"))
    for name in ("yaml", "apkg", "moodlexml", "gift"):
        assert client.get(f"{BANK}/export/{name}").status_code == 404


# --- delete ---------------------------------------------------------------------------------------


def test_a_bank_nobody_studied_can_be_deleted(app: Flask, client: FlaskClient, my_bank: int):
    page = client.get(f"{BANK}/delete")
    assert page.status_code == 200 and "Delete the bank" in page.text
    with app.app_context():
        assert bank_row(SLUG)  # GET deleted nothing
    resp = client.post(f"{BANK}/delete")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/author/")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Bank)) == 0
        assert db.session.scalar(select(func.count()).select_from(Fact)) == 0
        assert db.session.scalar(select(func.count()).select_from(Item)) == 0


def test_a_bank_with_reviews_cannot_be_deleted(app: Flask, client: FlaskClient, teacher: int):
    owned_bank(app, teacher, status="published", is_public=True)
    study_items(app, make_user(app, "ana"), 1)
    resp = client.post(f"{BANK}/delete", follow_redirects=True)
    assert "cannot be deleted" in resp.text and "Unpublish it instead" in resp.text
    with app.app_context():
        assert bank_row(SLUG)
        assert db.session.scalar(select(func.count()).select_from(ItemState)) == 1


# --- editing a fact -------------------------------------------------------------------------------


@pytest.fixture
def studied(app: Flask, teacher: int) -> dict[str, int]:
    """A published bank two students studied: item states per fact."""
    owned_bank(app, teacher, status="published", is_public=True)
    study_items(app, make_user(app, "ana"), 40)
    study_items(app, make_user(app, "ben"), 40)
    states = item_states_by_fact(app)
    assert "apollo-11-landing" in states and len(states) > 3
    return states


FACT = f"{BANK}/facts/apollo-11-landing/edit"


def test_the_fact_form_shows_the_fact(app: Flask, client: FlaskClient, my_bank: int) -> None:
    page = client.get(FACT)
    assert page.status_code == 200
    values = form_values(page.text, FACT)
    assert values["what"] == ["Apollo 11 landed the first humans on the Moon."]
    assert values["date"] == ["1969-07-20"]
    assert values["parties"] == ["united-states"]
    assert values["topic"] == ["milestones"]
    assert "readonly" in page.text  # the id cannot change


def test_editing_the_explanation_keeps_progress(
    app: Flask, client: FlaskClient, studied: dict[str, int]
) -> None:
    reviews = review_count(app)
    resp = post_form(client, FACT, explanation="Apollo 11 put two astronauts on the Moon.")
    assert resp.status_code == 302, resp.text
    assert item_states_by_fact(app) == studied
    assert review_count(app) == reviews
    with app.app_context():
        fact = next(f for f in bank_row(SLUG).content["facts"] if f["id"] == "apollo-11-landing")
        assert fact["explanation"] == "Apollo 11 put two astronauts on the Moon."
        assert fact["prompts"]  # fields the form does not edit are kept


def test_changing_the_answer_warns_then_resets_only_that_fact(
    app: Flask, client: FlaskClient, studied: dict[str, int]
) -> None:
    reviews = review_count(app)
    resp = post_form(client, FACT, date="1969-07-21")
    assert resp.status_code == 200
    assert "Saving will reset 2 students&#39; progress on this fact" in resp.text
    assert 'name="confirm_reset"' in resp.text
    assert item_states_by_fact(app) == studied  # nothing saved yet

    data = form_values(resp.text, FACT)
    assert data["date"] == ["1969-07-21"]  # what was typed is kept
    data["confirm_reset"] = ["y"]
    saved = client.post(FACT, data=data)
    assert saved.status_code == 302, saved.text
    after = item_states_by_fact(app)
    assert "apollo-11-landing" not in after
    assert after == {k: v for k, v in studied.items() if k != "apollo-11-landing"}
    assert review_count(app) == reviews


def test_a_bad_value_is_shown_beside_its_field_and_nothing_is_saved(
    app: Flask, client: FlaskClient, my_bank: int
) -> None:
    with app.app_context():
        before = bank_row(SLUG).content_hash
    resp = post_form(client, FACT, date="1969-13-20", parties=["united-states", "atlantis"])
    assert resp.status_code == 422
    date_error = re.search(r'id="date-error"[^>]*>([^<]*)<', resp.text)
    assert date_error and "1969-13-20" in date_error.group(1)
    parties_error = re.search(r'id="parties-error"[^>]*>([^<]*)<', resp.text)
    assert parties_error and "unknown entity &#39;atlantis&#39;" in parties_error.group(1)
    with app.app_context():
        assert bank_row(SLUG).content_hash == before


def test_a_source_not_in_the_document_is_refused(
    app: Flask, client: FlaskClient, my_bank: int
) -> None:
    resp = post_form(client, FACT, source="Apollo 11 landed on Mars.")
    assert resp.status_code == 422
    m = re.search(r'id="source-error"[^>]*>([^<]*)<', resp.text)
    assert m and "not found in solar_system.txt" in m.group(1)


def test_a_stale_form_is_refused(app: Flask, client: FlaskClient, my_bank: int) -> None:
    page = client.get(FACT)
    data = form_values(page.text, FACT)
    assert post_form(client, FACT, note="First edit.").status_code == 302
    data["note"] = ["Second edit, from an old tab."]
    resp = client.post(FACT, data=data)
    assert resp.status_code == 422
    assert "The bank changed since this page was opened" in resp.text
    with app.app_context():
        fact = next(f for f in bank_row(SLUG).content["facts"] if f["id"] == "apollo-11-landing")
        assert fact["note"] == "First edit."


def test_adding_a_fact_of_each_kind(app: Flask, client: FlaskClient, my_bank: int) -> None:
    doc = (FIXTURE_BANKS / "solar_system.txt").read_text()
    sentence = "On July 20, 1969, Apollo 11 landed the first humans on the Moon."
    assert sentence in doc
    cases = {
        "event": {"what": "Humans reached the Moon.", "date": "1969", "parties": ["united-states"]},
        "membership": {"group": "iss", "members": "nasa, participant, 1998\nesa, participant"},
        "agreement": {
            "name": "a moon pact",
            "parties": ["united-states", "soviet-union"],
            "outcome": "It settled the Moon.",
        },
        "role": {"person": "collins", "role": "Command module pilot", "term": "1969"},
        "quantity": {"what": "humans landed", "value": "2", "unit": "people"},
        "dispute": {"parties": ["united-states", "soviet-union"], "subject": "the race"},
        "policy": {"actor": "nasa", "period": "1960s", "stance": "aimed at the Moon"},
        "card": {"front": "First Moon landing?", "back": "Apollo 11"},
        "choice": {
            "question": "First on the Moon?",
            "answer": "Apollo 11",
            "distractors": "Apollo 8\nApollo 10",
        },
    }
    from quizapp.author.forms import FACT_FORMS

    for kind, fields in cases.items():
        if kind not in FACT_FORMS:
            continue
        url = f"{BANK}/facts/new/{kind}"
        resp = post_form(
            client, url, id=f"new-{kind}", topic="milestones", source=sentence, **fields
        )
        assert resp.status_code == 302, (kind, resp.text)
    with app.app_context():
        keys = [f["id"] for f in bank_row(SLUG).content["facts"]]
    assert all(f"new-{k}" in keys for k in cases if k in FACT_FORMS)
    assert "new-membership" in client.get(f"{BANK}/facts").text


def test_a_duplicate_fact_id_is_refused_beside_the_id(
    app: Flask, client: FlaskClient, my_bank: int
) -> None:
    resp = post_form(
        client,
        f"{BANK}/facts/new/event",
        id="apollo-11-landing",
        what="Again.",
        date="1969",
        source="It has been continuously crewed since November 2000.",
    )
    assert resp.status_code == 422
    m = re.search(r'id="id-error"[^>]*>([^<]*)<', resp.text)
    assert m and "duplicate fact id &#39;apollo-11-landing&#39;" in m.group(1)


def test_members_lines_that_do_not_parse_are_refused(
    app: Flask, client: FlaskClient, my_bank: int
) -> None:
    resp = post_form(
        client,
        f"{BANK}/facts/iss-partners/edit",
        members="nasa, participant, 1998, 2000, extra",
    )
    assert resp.status_code == 422
    assert "Line 1 has 5 parts" in resp.text


def test_deleting_a_fact_retires_it(app: Flask, client: FlaskClient, studied: dict[str, int]):
    with app.app_context():
        base = bank_row(SLUG).content_hash
    resp = client.post(f"{BANK}/facts/apollo-11-landing/delete", data={"base_hash": base})
    assert resp.status_code == 302
    with app.app_context():
        row = bank_row(SLUG)
        assert "apollo-11-landing" not in [f["id"] for f in row.content["facts"]]
        fact = db.session.execute(select(Fact).where(Fact.key == "apollo-11-landing")).scalar_one()
        assert fact.active is False
    assert item_states_by_fact(app) == studied  # kept, in case the fact comes back


# --- entities -------------------------------------------------------------------------------------


def test_adding_editing_and_deleting_an_entity(app: Flask, client: FlaskClient, my_bank: int):
    url = f"{BANK}/entities"
    bad = post_form(client, url, id="Bad Id", name="Venus", kind="place")
    assert bad.status_code == 422
    m = re.search(r'id="id-error"[^>]*>([^<]*)<', bad.text)
    assert m and "is not a valid id" in m.group(1)

    assert (
        post_form(
            client,
            url,
            id="venus",
            name="Venus",
            kind="place",
            aliases="Morning star, Evening star",
        ).status_code
        == 302
    )
    with app.app_context():
        venus = next(e for e in bank_row(SLUG).content["entities"] if e["id"] == "venus")
        assert venus["aliases"] == ["Morning star", "Evening star"]

    edit = f"{url}/venus/edit"
    assert post_form(client, edit, group="solar-system").status_code == 302
    with app.app_context():
        venus = next(e for e in bank_row(SLUG).content["entities"] if e["id"] == "venus")
        assert venus["group"] == "solar-system" and venus["name"] == "Venus"

    # An entity facts name is not deleted; the message names the fact.
    used = client.post(f"{url}/nasa/delete", follow_redirects=True)
    assert "was not deleted" in used.text and "unknown entity &#39;nasa&#39;" in used.text
    assert client.post(f"{url}/venus/delete").status_code == 302
    with app.app_context():
        ids = [e["id"] for e in bank_row(SLUG).content["entities"]]
        assert "venus" not in ids and "nasa" in ids


# --- a new bank, and its details ------------------------------------------------------------------


NEW_BANK = {
    "id": "moon-landing",
    "title": "The Moon landing",
    "description": "",
    "language": "en",
    "source_title": "A page about the Moon",
    "source_url": "",
    "source_author": "",
    "source_last_modified": "",
    "topics": "landing: The landing\nafter: Afterwards",
    "document_text": "Apollo 11 landed on the Moon in 1969. Then it came back.",
    "fact_id": "apollo-landing",
    "fact_what": "Apollo 11 landed on the Moon.",
    "fact_date": "1969",
    "fact_source": "Apollo 11 landed on the Moon in 1969.",
}


def test_creating_a_bank_in_the_browser(app: Flask, client: FlaskClient, teacher: int) -> None:
    assert client.get("/author/new").status_code == 200
    resp = client.post("/author/new", data=NEW_BANK)
    assert resp.status_code == 302, resp.text
    assert resp.headers["Location"].endswith("/author/banks/moon-landing")
    with app.app_context():
        row = bank_row("moon-landing")
        assert (row.owner_id, row.status, row.is_public) == (teacher, "draft", False)
        assert [t["id"] for t in row.content["topics"]] == ["landing", "after"]
        assert row.content["facts"][0]["topic"] == "landing"
    assert client.get("/author/banks/moon-landing/preview").status_code == 200


def test_a_new_bank_with_problems_shows_them_beside_the_fields(
    app: Flask, client: FlaskClient, teacher: int
) -> None:
    resp = client.post(
        "/author/new",
        data={**NEW_BANK, "title": "", "fact_source": "Apollo 12 landed.", "topics": "landing"},
    )
    assert resp.status_code == 422
    assert "Line 1 has no &#39;:&#39;" in resp.text
    resp = client.post(
        "/author/new", data={**NEW_BANK, "title": "", "fact_source": "Apollo 12 landed."}
    )
    assert resp.status_code == 422
    title = re.search(r'id="title-error"[^>]*>([^<]*)<', resp.text)
    assert title and "must not be empty" in title.group(1)
    source = re.search(r'id="fact_source-error"[^>]*>([^<]*)<', resp.text)
    assert source and "not found in the document" in source.group(1)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Bank)) == 0


def test_a_new_bank_cannot_take_a_used_id(app: Flask, client: FlaskClient, teacher: int) -> None:
    owned_bank(app, make_user(app, "otto", role="instructor"))
    resp = client.post("/author/new", data={**NEW_BANK, "id": SLUG})
    assert resp.status_code == 422
    assert f"A bank with id &#39;{SLUG}&#39; already exists; choose another id" in resp.text


def test_editing_the_details(app: Flask, client: FlaskClient, my_bank: int) -> None:
    url = f"{BANK}/edit"
    resp = post_form(client, url, title="Space exploration", topics=None)
    assert resp.status_code == 422  # topics are required
    resp = post_form(client, url, title="Space exploration")
    assert resp.status_code == 302, resp.text
    with app.app_context():
        row = bank_row(SLUG)
        assert row.title == "Space exploration" and row.slug == SLUG

    # The bank names its document: emptying the text is refused beside the field.
    resp = post_form(client, url, document_text="")
    assert resp.status_code == 422
    m = re.search(r'id="document_text-error"[^>]*>([^<]*)<', resp.text)
    assert m and "was not supplied" in m.group(1)

    # A topic that facts use cannot go; the message names the facts.
    resp = post_form(client, url, topics="milestones: Milestones\ncooperation: Cooperation")
    assert resp.status_code == 422
    assert "unknown topic &#39;people&#39;" in resp.text


def test_the_bank_id_never_changes_by_editing(app: Flask, client: FlaskClient, my_bank: int):
    resp = post_form(client, f"{BANK}/edit", id="another-id")
    assert resp.status_code == 302
    with app.app_context():
        assert bank_row(SLUG).title == "Exploring the Solar System"
        assert db.session.scalar(select(func.count()).select_from(Bank)) == 1


def test_every_author_page_renders(app: Flask, client: FlaskClient, my_bank: int) -> None:
    for url in GETS:
        resp = client.get(url)
        assert resp.status_code == 200, url
    for kind in ("membership", "agreement", "role", "quantity", "dispute", "policy"):
        assert client.get(f"{BANK}/facts/new/{kind}").status_code == 200, kind
    assert client.get(f"{BANK}/facts/new/nonsense").status_code == 404
    assert client.get(f"{BANK}/facts/nope/edit").status_code == 404
    assert client.get(f"{BANK}/entities/nope/edit").status_code == 404

"""Every route, for five actors, against an explicit table of who may reach it.

A route missing from the table fails the test, so a new route cannot ship without a decision
about who may use it. Objects are looked up through their owner: another student asking for
A's answered question, or another instructor for the owner's bank or class, gets 404.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from flask import Flask
from sqlalchemy import select, text

from quizapp.core.bank import load_bank
from quizapp.extensions import db
from quizapp.models import Course, Enrollment

from ..conftest import FIXTURE_BANKS
from ..helpers import login_as, make_user, right_answer, shown_question

ACTORS = ("anonymous", "student_a", "student_b", "owner", "other_instructor")

# What each actor gets, by kind of route. "reach" means the request got to the view: not a
# redirect to the login page, not 401/403/404, not a server error.
REACH, LOGIN, FORBIDDEN, NOT_FOUND, UNAUTHORIZED = "reach", "login", 403, 404, 401

PUBLIC = dict.fromkeys(ACTORS, REACH)
ANY_USER = {**dict.fromkeys(ACTORS, REACH), "anonymous": LOGIN}
STUDENT_A_ONLY = {
    "anonymous": LOGIN,
    "student_a": REACH,
    "student_b": NOT_FOUND,
    "owner": NOT_FOUND,
    "other_instructor": NOT_FOUND,
}
INSTRUCTORS = {
    "anonymous": LOGIN,
    "student_a": FORBIDDEN,
    "student_b": FORBIDDEN,
    "owner": REACH,
    "other_instructor": REACH,
}
OWNER_ONLY = {**INSTRUCTORS, "other_instructor": NOT_FOUND}
CLASS_PAGE = {  # the owner manages it; student A, a member, sees the students' view
    "anonymous": LOGIN,
    "student_a": REACH,
    "student_b": NOT_FOUND,
    "owner": REACH,
    "other_instructor": NOT_FOUND,
}
BEARER_ONLY = dict.fromkeys(ACTORS, UNAUTHORIZED)  # a cookie session never authorizes the API


@dataclass(frozen=True)
class World:
    public_slug: str
    draft_slug: str
    pid: str
    course_id: int
    join_code: str
    fact_key: str
    entity_key: str
    token_id: int
    drill_id: int


URLS: dict[str, Callable[[World], str]] = {
    "study.home": lambda w: "/",
    "study.session": lambda w: f"/study/{w.public_slug}",
    "study.answer": lambda w: f"/study/{w.public_slug}/answer",
    "study.feedback": lambda w: f"/study/p/{w.pid}",
    "study.rate": lambda w: f"/study/p/{w.pid}/rate",
    "study.leeches": lambda w: "/leeches",
    "study.stats": lambda w: "/stats",
    "drills.index": lambda w: "/drills/",
    "drills.new": lambda w: "/drills/new",
    "drills.show": lambda w: f"/drills/{w.drill_id}",
    "drills.answer": lambda w: f"/drills/{w.drill_id}/answer",
    "drills.submit": lambda w: f"/drills/{w.drill_id}/submit",
    "drills.report": lambda w: f"/drills/{w.drill_id}/report",
    "drills.retry": lambda w: f"/drills/{w.drill_id}/retry",
    "auth.login": lambda w: "/login",
    "auth.logout": lambda w: "/logout",
    "auth.register": lambda w: "/register",
    "auth.settings": lambda w: "/settings",
    "api_tokens.index": lambda w: "/settings/tokens/",
    "api_tokens.create": lambda w: "/settings/tokens/",
    "api_tokens.revoke": lambda w: f"/settings/tokens/{w.token_id}/revoke",
    "author.index": lambda w: "/author/",
    "author.new_bank": lambda w: "/author/new",
    "author.upload": lambda w: "/author/upload",
    "author.upload_confirm": lambda w: "/author/upload/confirm",
    "author.bank": lambda w: f"/author/banks/{w.draft_slug}",
    "author.delete": lambda w: f"/author/banks/{w.draft_slug}/delete",
    "author.edit": lambda w: f"/author/banks/{w.draft_slug}/edit",
    "author.entities": lambda w: f"/author/banks/{w.draft_slug}/entities",
    "author.edit_entity": lambda w: f"/author/banks/{w.draft_slug}/entities/{w.entity_key}/edit",
    "author.delete_entity": lambda w: (
        f"/author/banks/{w.draft_slug}/entities/{w.entity_key}/delete"
    ),
    "author.export": lambda w: f"/author/banks/{w.draft_slug}/export/yaml",
    "author.facts": lambda w: f"/author/banks/{w.draft_slug}/facts",
    "author.edit_fact": lambda w: f"/author/banks/{w.draft_slug}/facts/{w.fact_key}/edit",
    "author.delete_fact": lambda w: f"/author/banks/{w.draft_slug}/facts/{w.fact_key}/delete",
    "author.new_fact": lambda w: f"/author/banks/{w.draft_slug}/facts/new/event",
    "author.preview": lambda w: f"/author/banks/{w.draft_slug}/preview",
    "author.analysis": lambda w: f"/author/banks/{w.draft_slug}/analysis",
    "author.publish": lambda w: f"/author/banks/{w.draft_slug}/publish",
    "author.unpublish": lambda w: f"/author/banks/{w.draft_slug}/unpublish",
    "author.visibility": lambda w: f"/author/banks/{w.draft_slug}/visibility",
    "classes.index": lambda w: "/classes/",
    "classes.create": lambda w: "/classes/new",
    "classes.show": lambda w: f"/classes/{w.course_id}",
    "classes.attach": lambda w: f"/classes/{w.course_id}/banks",
    "classes.detach": lambda w: f"/classes/{w.course_id}/banks/1/detach",
    "classes.new_code": lambda w: f"/classes/{w.course_id}/code",
    "classes.leave": lambda w: f"/classes/{w.course_id}/leave",
    "classes.join": lambda w: f"/classes/join/{w.join_code}",
    "classes.join_confirm": lambda w: f"/classes/join/{w.join_code}",
    "classes.join_by_code": lambda w: "/classes/join",
    "api.banks": lambda w: "/api/v1/banks",
    "api.stats": lambda w: "/api/v1/stats",
    "api.next_question": lambda w: f"/api/v1/study/next?bank={w.public_slug}",
    "api.answer": lambda w: "/api/v1/study/answer",
    "api.create_token": lambda w: "/api/v1/tokens",
    "api.openapi": lambda w: "/api/v1/openapi.json",
    "api.not_found": lambda w: "/api/v1/nothing-here",
    "api.author_banks": lambda w: "/api/v1/author/banks",
    "api.upload_bank": lambda w: "/api/v1/author/banks",
    "api.validate_bank": lambda w: "/api/v1/author/banks/validate",
    "api.publish_bank": lambda w: f"/api/v1/author/banks/{w.draft_slug}/publish",
    "api.unpublish_bank": lambda w: f"/api/v1/author/banks/{w.draft_slug}/unpublish",
    "api.export_file": lambda w: f"/api/v1/author/banks/{w.draft_slug}/export/yaml",
    "api.export_questions": lambda w: f"/api/v1/author/banks/{w.draft_slug}/questions",
    "api.list_drills": lambda w: "/api/v1/drills",
    "api.create_drill": lambda w: "/api/v1/drills",
    "api.get_drill": lambda w: f"/api/v1/drills/{w.drill_id}",
    "api.save_answers": lambda w: f"/api/v1/drills/{w.drill_id}/answers",
    "api.submit_drill": lambda w: f"/api/v1/drills/{w.drill_id}/submit",
    "api.drill_report": lambda w: f"/api/v1/drills/{w.drill_id}/report",
}

# (endpoint, method) -> expected outcome per actor.
TABLE: dict[tuple[str, str], dict[str, object]] = {
    ("study.home", "GET"): PUBLIC,
    ("study.session", "GET"): ANY_USER,
    ("study.answer", "POST"): ANY_USER,
    ("study.feedback", "GET"): STUDENT_A_ONLY,
    ("study.rate", "POST"): STUDENT_A_ONLY,
    ("study.leeches", "GET"): ANY_USER,
    ("study.stats", "GET"): ANY_USER,
    ("drills.index", "GET"): ANY_USER,
    ("drills.new", "GET"): ANY_USER,
    ("drills.new", "POST"): ANY_USER,
    ("drills.show", "GET"): STUDENT_A_ONLY,
    ("drills.answer", "POST"): STUDENT_A_ONLY,
    ("drills.submit", "POST"): STUDENT_A_ONLY,
    ("drills.report", "GET"): STUDENT_A_ONLY,
    ("drills.retry", "POST"): STUDENT_A_ONLY,
    ("auth.login", "GET"): PUBLIC,
    ("auth.login", "POST"): PUBLIC,
    ("auth.register", "GET"): PUBLIC,
    ("auth.register", "POST"): PUBLIC,
    # Logout ends on the login page whoever asks; that a copied cookie dies is in test_auth.
    ("auth.logout", "POST"): dict.fromkeys(ACTORS, LOGIN),
    ("auth.settings", "GET"): ANY_USER,
    ("auth.settings", "POST"): ANY_USER,
    ("api_tokens.index", "GET"): ANY_USER,
    ("api_tokens.create", "POST"): ANY_USER,
    ("api_tokens.revoke", "POST"): STUDENT_A_ONLY,
    ("author.index", "GET"): INSTRUCTORS,
    ("author.new_bank", "GET"): INSTRUCTORS,
    ("author.new_bank", "POST"): INSTRUCTORS,
    ("author.upload", "GET"): INSTRUCTORS,
    ("author.upload", "POST"): INSTRUCTORS,
    ("author.upload_confirm", "POST"): INSTRUCTORS,
    **{
        (endpoint, method): OWNER_ONLY
        for endpoint, methods in {
            "author.bank": ("GET",),
            "author.delete": ("GET", "POST"),
            "author.edit": ("GET", "POST"),
            "author.entities": ("GET", "POST"),
            "author.edit_entity": ("GET", "POST"),
            "author.delete_entity": ("POST",),
            "author.export": ("GET",),
            "author.facts": ("GET",),
            "author.edit_fact": ("GET", "POST"),
            "author.delete_fact": ("POST",),
            "author.new_fact": ("GET", "POST"),
            "author.preview": ("GET",),
            "author.analysis": ("GET",),
            "author.publish": ("POST",),
            "author.unpublish": ("POST",),
            "author.visibility": ("POST",),
            "classes.attach": ("POST",),
            "classes.detach": ("POST",),
            "classes.new_code": ("POST",),
        }.items()
        for method in methods
    },
    ("classes.show", "GET"): CLASS_PAGE,
    ("classes.index", "GET"): ANY_USER,
    ("classes.create", "POST"): INSTRUCTORS,
    # Leaving answers alike whether or not one was in the class (a double click must not
    # 404); for a non-member it changes nothing: see test_owner_lookups_hide_...
    ("classes.leave", "POST"): ANY_USER,
    ("classes.join", "GET"): ANY_USER,
    ("classes.join_confirm", "POST"): ANY_USER,
    ("classes.join_by_code", "POST"): ANY_USER,
    ("api.openapi", "GET"): PUBLIC,
    ("api.create_token", "POST"): PUBLIC,
    **{
        (endpoint, method): BEARER_ONLY
        for endpoint, methods in {
            "api.banks": ("GET",),
            "api.stats": ("GET",),
            "api.next_question": ("GET",),
            "api.answer": ("POST",),
            "api.author_banks": ("GET",),
            "api.upload_bank": ("POST",),
            "api.validate_bank": ("POST",),
            "api.publish_bank": ("POST",),
            "api.unpublish_bank": ("POST",),
            "api.export_file": ("GET",),
            "api.export_questions": ("GET",),
            "api.list_drills": ("GET",),
            "api.create_drill": ("POST",),
            "api.get_drill": ("GET",),
            "api.save_answers": ("POST",),
            "api.submit_drill": ("POST",),
            "api.drill_report": ("GET",),
        }.items()
        for method in methods
    },
    **{  # the API's catch-all answers unknown paths with a 404 problem, whoever asks
        ("api.not_found", method): dict.fromkeys(ACTORS, NOT_FOUND)
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
    },
}

SOLAR = FIXTURE_BANKS / "solar_system.yaml"


def routes(app: Flask) -> list[tuple[str, str]]:
    return sorted(
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


def test_every_route_is_in_the_table(app: Flask) -> None:
    missing = [r for r in routes(app) if r not in TABLE]
    assert not missing, f"routes missing from the access table: {missing}"
    stale = [r for r in TABLE if r not in set(routes(app))]
    assert not stale, f"table entries for routes that no longer exist: {stale}"
    assert all(endpoint in URLS for endpoint, _ in TABLE)


def build_world(app: Flask, tmp_path: Path) -> tuple[World, dict[str, int]]:
    from quizapp.services.api_tokens import create_token
    from quizapp.services.banks import import_bank

    users = {
        "student_a": make_user(app, "student_a"),
        "student_b": make_user(app, "student_b"),
        "owner": make_user(app, "owner", role="instructor"),
        "other_instructor": make_user(app, "other_instructor", role="instructor"),
    }
    public = load_bank(SOLAR)
    data = yaml.safe_load(SOLAR.read_text())
    data["id"] = "owners-draft"
    data.pop("source_text")
    draft_file = tmp_path / "draft.yaml"
    draft_file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    with app.app_context():
        import_bank(public, status="published", is_public=True)
        import_bank(load_bank(draft_file), owner_id=users["owner"], status="draft", is_public=False)
        course = Course(
            name="Owner's class",
            owner_id=users["owner"],
            join_code="JQNMEX23",
            created_at=app.config["CLOCK"](),
        )
        db.session.add(course)
        db.session.flush()
        db.session.add(
            Enrollment(
                course_id=course.id, user_id=users["student_a"], joined_at=app.config["CLOCK"]()
            )
        )
        db.session.commit()
        course_id = course.id
        from quizapp.models import User

        token = create_token(
            db.session.get(User, users["student_a"]), "laptop", app.config["CLOCK"]()
        )
        token_id = token.token.id
    client = app.test_client()
    login_as(app, client, users["student_a"])
    page = client.get(f"/study/{public.id}")
    tok, q = shown_question(app, page.text)
    resp = client.post(f"/study/{public.id}/answer", data={"token": tok, "answer": right_answer(q)})
    pid = resp.headers["Location"].rsplit("/", 1)[-1]
    drill = client.post(
        "/drills/new",
        data={"banks": [public.id], "types": ["single_choice"], "count": "10", "layout": "paged"},
    )
    drill_id = int(drill.headers["Location"].rsplit("/", 1)[-1])
    world = World(
        public_slug=public.id,
        draft_slug="owners-draft",
        pid=pid,
        course_id=course_id,
        join_code="JQNMEX23",
        fact_key=data["facts"][0]["id"],
        entity_key=data["entities"][0]["id"],
        token_id=token_id,
        drill_id=drill_id,
    )
    return world, users


def outcome(status: int, location: str) -> object:
    if status == 302 and "/login" in location:
        return LOGIN
    if status in (401, 403, 404):
        return status
    assert status < 500, f"server error {status}"
    return REACH


def fingerprint(app: Flask) -> str:
    """A digest of every row of every table, to show that GET changed nothing."""
    digest = hashlib.sha256()
    with app.app_context():
        for table in db.metadata.sorted_tables:
            rows = db.session.execute(text(f"SELECT * FROM {table.name} ORDER BY 1")).all()
            digest.update(repr(rows).encode())
    return digest.hexdigest()


def request_as(app: Flask, actor: str, users: dict[str, int], method: str, url: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    if actor != "anonymous":
        login_as(app, client, users[actor])
    return client.open(url, method=method, data={})


def test_get_routes_for_every_actor_and_no_state_change(app: Flask, tmp_path: Path) -> None:
    world, users = build_world(app, tmp_path)
    before = fingerprint(app)
    failures = []
    for (endpoint, method), expected in TABLE.items():
        if method != "GET":
            continue
        url = URLS[endpoint](world)
        for actor in ACTORS:
            resp = request_as(app, actor, users, method, url)
            got = outcome(resp.status_code, resp.headers.get("Location", ""))
            if got != expected[actor]:
                failures.append(f"{actor} GET {url}: expected {expected[actor]}, got {got}")
    assert not failures, "\n".join(failures)
    assert fingerprint(app) == before, "a GET request changed the database"


POSTS = sorted(r for r in TABLE if r[1] != "GET")


@pytest.mark.parametrize(("endpoint", "method"), POSTS, ids=[f"{e}-{m}" for e, m in POSTS])
def test_state_changing_routes_for_every_actor(
    app: Flask, tmp_path: Path, endpoint: str, method: str
) -> None:
    world, users = build_world(app, tmp_path)
    expected = TABLE[(endpoint, method)]
    url = URLS[endpoint](world)
    failures = []
    # Those who must be refused go first, each checked to change nothing; the allowed ones last.
    order = sorted(ACTORS, key=lambda a: expected[a] == REACH)
    for actor in order:
        refused = expected[actor] != REACH and (endpoint, method) != ("auth.logout", "POST")
        before = fingerprint(app) if refused else None
        resp = request_as(app, actor, users, method, url)
        got = outcome(resp.status_code, resp.headers.get("Location", ""))
        if got != expected[actor]:
            failures.append(f"{actor} {method} {url}: expected {expected[actor]}, got {got}")
        if before is not None and fingerprint(app) != before:
            failures.append(f"{actor} {method} {url}: refused, yet the database changed")
    assert not failures, "\n".join(failures)


def test_owner_lookups_hide_other_students_objects(app: Flask, tmp_path: Path) -> None:
    world, users = build_world(app, tmp_path)
    for url in (f"/study/p/{world.pid}", f"/classes/{world.course_id}"):
        assert request_as(app, "student_b", users, "GET", url).status_code == 404
    before = fingerprint(app)
    request_as(app, "student_b", users, "POST", f"/classes/{world.course_id}/leave")
    assert fingerprint(app) == before
    with app.app_context():
        assert db.session.execute(select(Course)).scalar_one().owner_id == users["owner"]

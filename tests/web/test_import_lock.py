"""A large bank import does its work before it takes the write lock, so students' writes go on
meanwhile; a write that still meets a locked database gets a 503 page, not a 500.

The banks are the synthetic ones of ``benchmarks/generate.py``, and their edited versions
(answers changed, wording changed, facts removed and added) from ``benchmarks/import_lock.py``.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, insert, select

from benchmarks.generate import synthetic_bank
from benchmarks.import_lock import edited_bank, write_bank
from quizapp import database
from quizapp.clock import now
from quizapp.core import generator
from quizapp.database import write_transaction
from quizapp.extensions import db
from quizapp.models import Bank, Fact, Item, ItemState, Presentation, Review, User
from quizapp.services import api_tokens, authoring, banks
from quizapp.services.banks import BankConflict, ImportResult, import_bank_file

from ..conftest import on_postgresql
from ..helpers import import_bank, login_as, make_user
from .test_author import owned_bank
from .test_author_upload import SOLAR, SOLAR_TEXT, solar, upload

SLUG = "synthetic"
BUSY = "The database is busy; please try again in a moment"


@pytest.fixture
def bank_files(tmp_path: Path) -> Callable[[int], tuple[Path, Path]]:
    """``bank_files(n)``: the synthetic bank of ``n`` facts and its edited version."""

    def build(n_facts: int) -> tuple[Path, Path]:
        first = write_bank(tmp_path / f"bank-{n_facts}.yaml", synthetic_bank(n_facts, 1))
        edited = write_bank(tmp_path / f"edited-{n_facts}.yaml", edited_bank(n_facts, 1))
        return first, edited

    return build


def reimport(app: Flask, path: Path) -> ImportResult:
    with app.app_context():
        result = import_bank_file(path)
        result.summary()  # loads the row's attributes while the session is open
        return result


def fact_index(key: str) -> int:
    return int(key.removeprefix("f"))


def answer_changed(i: int, kind: str) -> bool:
    """Which facts ``edited_bank`` gives a new answer (see its docstring)."""
    return i % 20 == 0 and kind == "event"


def removed(i: int) -> bool:
    return i % 50 == 7


# --- (a) nothing slow under the lock ------------------------------------------------------------


class LockWatch:
    """Spies on the steps an import must take before its write transaction."""

    def __init__(self) -> None:
        self.locked = False
        self.transactions = 0
        self.calls: list[tuple[str, bool]] = []

    def spy(self, fn: Callable[..., Any], name: str) -> Callable[..., Any]:
        def recorded(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, self.locked))
            return fn(*args, **kwargs)

        return recorded

    def transaction(self, real: Callable[[], Any]) -> Callable[[], Any]:
        @contextmanager
        def watched() -> Iterator[None]:
            with real():
                self.transactions += 1
                self.locked = True
                self._assert_write_lock_held()
                try:
                    yield
                finally:
                    self.locked = False

        return watched

    def _assert_write_lock_held(self) -> None:
        """What ``locked`` stands for, checked from outside: on SQLite another connection
        cannot begin a write."""
        if on_postgresql():
            return
        probe = sqlite3.connect(db.engine.url.database or "", timeout=0, isolation_level=None)
        try:
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                probe.execute("BEGIN IMMEDIATE")
        finally:
            probe.close()


@pytest.fixture
def watch(app: Flask, monkeypatch: pytest.MonkeyPatch) -> LockWatch:
    w = LockWatch()
    monkeypatch.setattr(banks, "write_transaction", w.transaction(banks.write_transaction))
    for module, name in [
        (banks, "load_bank"),
        (authoring, "parse_bank"),
        (generator, "item_specs"),
        (generator, "build_context"),
        (banks, "canonical_content"),
        (banks, "content_hash"),
        (banks, "answer_hash"),
        # reading the stored rows and working out the changes
        (banks, "_read_stored"),
        (banks, "_plan"),
    ]:
        monkeypatch.setattr(module, name, w.spy(getattr(module, name), name))
    return w


def test_an_import_parses_generates_and_plans_before_it_takes_the_write_lock(
    app: Flask, watch: LockWatch, bank_files: Callable[[int], tuple[Path, Path]]
) -> None:
    first, edited = bank_files(300)
    created = reimport(app, first)
    updated = reimport(app, edited)

    assert created.created and not updated.created and updated.facts_reset
    assert watch.transactions == 2
    called = {name for name, _ in watch.calls}
    assert {"load_bank", "item_specs", "answer_hash", "_read_stored", "_plan"} <= called
    assert [call for call in watch.calls if call[1]] == []


def test_a_web_reupload_validates_and_plans_before_it_takes_the_write_lock(
    app: Flask, client: FlaskClient, watch: LockWatch
) -> None:
    teacher = make_user(app, "tess", role="instructor")
    login_as(app, client, teacher)
    owned_bank(app, teacher)
    watch.calls.clear()
    content = solar(**{"first artificial satellite": "first satellite made by people"})
    resp = upload(client, content, document=SOLAR_TEXT.read_text())

    assert resp.status_code == 302, resp.text
    assert watch.transactions == 2  # the fixture's import and the upload
    assert {"parse_bank", "item_specs", "_plan"} <= {name for name, _ in watch.calls}
    assert [call for call in watch.calls if call[1]] == []


def test_a_bank_changed_between_planning_and_the_lock_is_planned_again(
    app: Flask, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Another import of the same bank commits while this one plans: the plan is made again
    under the lock, so facts only the other version added are retired, not left active, and
    facts both versions add are not inserted twice."""
    base = synthetic_bank(120, 1)
    mine = write_bank(tmp_path / "mine.yaml", {**base, "facts": base["facts"][:100]})
    theirs_data = {**base, "facts": base["facts"][:60] + base["facts"][80:120]}
    theirs = write_bank(tmp_path / "theirs.yaml", theirs_data)
    reimport(app, write_bank(tmp_path / "first.yaml", {**base, "facts": base["facts"][:50]}))

    real_plan = banks._plan
    planned = []

    def plan_while_another_import_commits(*args: Any) -> Any:
        planned.append(len(planned))
        if len(planned) == 1:
            other = threading.Thread(target=reimport, args=(app, theirs))
            other.start()
            other.join()
        return real_plan(*args)

    monkeypatch.setattr(banks, "_plan", plan_while_another_import_commits)
    result = reimport(app, mine)

    assert len(planned) == 3  # mine, theirs, mine again under the lock
    assert result.facts_added == [f"f{i}" for i in range(60, 80)]
    assert result.facts_removed == [f"f{i}" for i in range(100, 120)]
    with app.app_context():
        active = db.session.scalars(
            select(Fact.key).where(Fact.active).order_by(Fact.position)
        ).all()
        assert active == [f"f{i}" for i in range(100)]
        assert db.session.scalar(select(func.count()).select_from(Fact)) == 120


def test_another_owners_bank_of_the_same_id_is_refused_and_left_alone(
    app: Flask, bank_files: Callable[[int], tuple[Path, Path]]
) -> None:
    first, edited = bank_files(50)
    owner = make_user(app, "tess", role="instructor")
    with app.app_context():
        import_bank_file(first, owner_id=owner)
        before = db.session.execute(select(Bank.content_hash, Bank.updated_at)).one()
        with pytest.raises(BankConflict, match="already exists"):
            import_bank_file(edited, owner_id=None)
        assert db.session.execute(select(Bank.content_hash, Bank.updated_at)).one() == before


# --- (b) students' writes go on during a large re-import ----------------------------------------


def answered_presentations(app: Flask, user_id: int, item_ids: list[int]) -> list[str]:
    """One answered, not yet rated, showing of each item (as the answer step leaves it)."""
    with app.app_context():
        at = now()
        rows = [
            {
                "id": uuid.uuid4().hex,
                "user_id": user_id,
                "item_id": item_id,
                "question": {"type": "flashcard", "duration_ms": 2000},
                "shown_at": at,
                "answered_at": at,
                "answer": [],
                "correct": None,
            }
            for item_id in item_ids
        ]
        with write_transaction():
            db.session.execute(insert(Presentation), rows)
        return [row["id"] for row in rows]


def items_the_edit_keeps(app: Flask, limit: int) -> list[int]:
    """Items of facts whose answer the edit leaves alone and that it does not remove."""
    with app.app_context():
        rows = db.session.execute(
            select(Item.id, Fact.key).join(Fact, Item.fact_id == Fact.id).order_by(Item.id)
        ).all()
    return [item_id for item_id, key in rows if fact_index(key) % 10 in (1, 2, 3)][:limit]


@pytest.mark.slow
def test_students_rate_while_a_large_bank_is_reimported(
    app: Flask, bank_files: Callable[[int], tuple[Path, Path]]
) -> None:
    first, edited = bank_files(3000)
    reimport(app, first)
    student = make_user(app, "ana", reviews_per_day=9999, new_per_day=9999)
    pids = answered_presentations(app, student, items_the_edit_keeps(app, 3000))
    rater = app.test_client()
    login_as(app, rater, student)

    statuses: list[tuple[str, int, str]] = []
    rated_at: list[float] = []
    rating = threading.Event()
    stop = threading.Event()

    def rate_in_a_loop() -> None:
        for pid in pids:
            if stop.is_set():
                return
            resp = rater.post(f"/study/p/{pid}/rate", data={"rating": "3"})
            statuses.append((pid, resp.status_code, resp.headers.get("Location", "")))
            rated_at.append(time.monotonic())
            if len(statuses) >= 3:
                rating.set()

    thread = threading.Thread(target=rate_in_a_loop)
    thread.start()
    try:
        assert rating.wait(60), "the student could not rate before the import"
        began = time.monotonic()
        result = reimport(app, edited)
        ended = time.monotonic()
    finally:
        stop.set()
        thread.join(120)
    assert not thread.is_alive()

    failed = [s for s in statuses if s[1] != 302 or not s[2].endswith(f"/study/{SLUG}")]
    assert failed == [], f"{len(failed)} of {len(statuses)} ratings failed: {failed[:3]}"
    assert any(began <= t <= ended for t in rated_at), "no rating overlapped the import"
    with app.app_context():
        logged = db.session.scalars(select(Review.presentation_id)).all()
        assert sorted(logged) == sorted(pid for pid, _, _ in statuses)
        assert db.session.scalar(select(func.count()).select_from(ItemState)) == len(statuses)
    assert len(result.facts_removed) == 60 and len(result.facts_added) == 60


# --- (c) what a re-import does to facts, items and progress -------------------------------------


def test_a_reimport_keeps_progress_resets_changed_answers_and_retires_removed_facts(
    app: Flask, bank_files: Callable[[int], tuple[Path, Path]]
) -> None:
    first, edited = bank_files(400)
    reimport(app, first)
    student = make_user(app, "ana")
    with app.app_context():
        bank_id = db.session.scalar(select(Bank.id))
        kinds = dict(db.session.execute(select(Fact.key, Fact.kind)).all())
        items_before = dict(db.session.execute(select(Item.key, Item.id)).all())
        with write_transaction():  # progress on every item
            db.session.execute(
                insert(ItemState),
                [
                    {"user_id": student, "item_id": item_id, "bank_id": bank_id, "state": 2}
                    | {"due": now(), "reps": 1, "lapses": 0}
                    for item_id in items_before.values()
                ],
            )

    result = reimport(app, edited)

    reset = sorted(k for k in kinds if answer_changed(fact_index(k), kinds[k]))
    gone = [k for k in kinds if removed(fact_index(k))]
    assert sorted(result.facts_reset) == reset and reset
    assert result.facts_removed == gone
    assert result.facts_added == [f"f{i}" for i in range(400, 408)]
    with app.app_context():
        facts = {f.key: f for f in db.session.scalars(select(Fact).where(Fact.bank_id == bank_id))}
        assert {k for k, f in facts.items() if not f.active} == set(gone)
        kept = [k for k in facts if k not in gone]
        assert sorted(kept, key=lambda k: facts[k].position) == [
            k for k in (*kinds, *result.facts_added) if k not in gone
        ]
        items = db.session.execute(select(Item.id, Item.key, Item.active, Fact.key).join(Fact))
        by_fact: dict[str, list[tuple[int, bool]]] = {}
        for item_id, key, active, fact_key in items:
            by_fact.setdefault(fact_key, []).append((item_id, active))
            if key in items_before:
                assert items_before[key] == item_id, "an item kept its key but not its row"
        assert all(not active for k in gone for _, active in by_fact[k])
        assert all(active for k in result.facts_added for _, active in by_fact[k])
        assert result.items_added == sum(len(by_fact[k]) for k in result.facts_added)
        assert result.items_retired == sum(len(by_fact[k]) for k in gone)
        with_state = set(db.session.scalars(select(ItemState.item_id)))
        for key, rows in by_fact.items():
            for item_id, _ in rows:
                expected = key not in reset and item_id in items_before.values()
                assert (item_id in with_state) == expected, (key, item_id)

    again = reimport(app, first)  # the removed facts come back with their items and progress
    assert again.facts_added == [] and sorted(again.facts_reset) == reset
    assert again.facts_removed == result.facts_added
    with app.app_context():
        active = set(db.session.scalars(select(Fact.key).where(Fact.active)))
        assert active == set(kinds)


# --- a write that meets a locked database -------------------------------------------------------


@contextmanager
def write_lock_held_elsewhere(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Another connection holds SQLite's write lock, and the app waits only 0.1 s for it."""
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", 100)
    with app.app_context():
        db.engine.dispose()  # new connections take the short busy_timeout
        path = db.engine.url.database or ""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@pytest.mark.skipif(on_postgresql(), reason="SQLite's write lock")
def test_a_rating_that_meets_a_locked_database_gets_a_503_and_saves_nothing(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_bank(app, SOLAR)
    student = make_user(app, "ana")
    with app.app_context():
        item_id = db.session.scalar(select(Item.id).limit(1))
    assert item_id is not None
    (pid,) = answered_presentations(app, student, [item_id])
    login_as(app, client, student)

    with write_lock_held_elsewhere(app, monkeypatch):
        resp = client.post(f"/study/p/{pid}/rate", data={"rating": "3"})
    assert resp.status_code == 503
    assert BUSY in resp.text and "Traceback" not in resp.text
    assert resp.headers["Retry-After"] == "5"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Review)) == 0

    again = client.post(f"/study/p/{pid}/rate", data={"rating": "3"})
    assert again.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Review)) == 1


@pytest.mark.skipif(on_postgresql(), reason="SQLite's write lock")
def test_an_api_request_that_meets_a_locked_database_gets_a_503_problem(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    student = make_user(app, "ana")
    with app.app_context():
        user = db.session.get(User, student)
        assert user is not None
        token = api_tokens.create_token(user, "tests", now()).secret

    # A token's first use is recorded: a write, even for a GET.
    with write_lock_held_elsewhere(app, monkeypatch):
        resp = client.get("/api/v1/banks", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 503
    assert resp.mimetype == "application/problem+json"
    assert resp.headers["Retry-After"] == "5"
    assert BUSY in resp.json["detail"]

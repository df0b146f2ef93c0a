"""Benchmark of the study loop on a large SQLite database.

What it measures
----------------
It builds a migrated SQLite file the size of a busy deployment, then drives the real Flask
app in process through its test client, as a browser would, and times each step of studying
one question:

    ``GET /``                      the home page with each bank's due counts (timed as an
                                   extra: where a student starts),
(a) ``GET /study/<slug>``          pick the next due item and show it (the queue queries),
(b) ``POST /study/<slug>/answer``  grade the answer and store the presentation,
    ``GET /study/p/<pid>``         the feedback page with the rating buttons (timed as an
                                   extra: a browser loads it between (b) and (c)),
(c) ``POST /study/p/<pid>/rate``   write the review row, the new FSRS state and the counters.

"Submitting an answer" is (b) + (c); it is reported separately and summed. Each step's time
covers the whole request in process (routing, session, login loader, SQL, FSRS, templates)
but no network and no HTTP server. The clock is a ``FakeClock`` fixed at the fill's "now",
FSRS fuzzing is on (the default) and CSRF is off; samples go to different students, each
logged in as ``tests/helpers.login_as`` does, and answer right and rate Good.

The data (defaults): the Peru bank's 257 items plus the first 43 of the solar-system fixture
bank (Peru alone has fewer than 300), 1,000 students, an FSRS state for every student and
item (~60% review cards due from 10 days ago to 60 days ahead, ~10% learning/relearning due
within hours, ~30% review cards due months ahead) except a tenth of the students, who have
started only the first 150 items (all Peru) so new items are queued too; 10 reviews per
state over the past 120 days, and the daily counters they imply. Students study the Peru
bank. Review rows are leaner than real ones (no ``state_before``, ``answer`` or
presentation, whose table stays nearly empty) and are stored student by student rather than
interleaved in time, so the file is smaller and a student's rows closer together than in a
real deployment.

It then prints ``EXPLAIN QUERY PLAN`` for the SQL that ``queue_for`` runs (captured with a
``before_cursor_execute`` listener, explained with the same parameters), for the home page's
and the done page's counts (``home_view``, ``next_due``) and for every other statement of one
study cycle, and flags any full scan of a big table. ``--profile N`` runs N more cycles
under cProfile and prints where each step spends its time.

The fill bypasses the ORM (the sqlite3 module, ``executemany`` in one transaction, with
``synchronous=OFF`` and a rollback journal during the fill only); values are written in the
exact text forms SQLAlchemy uses on SQLite, checked against its bind processors at start.
The app itself runs with its normal settings (WAL, ``synchronous=NORMAL``, no ANALYZE).

Usage::

    .venv/bin/python benchmarks/study.py [--students 1000] [--items 300]
        [--reviews-per-item 10] [--db PATH [--reuse]] [--samples 200] [--profile N]
        [--ab TREE [--rounds N] [--real-clock]] [--database-url URL]

``--database-url`` runs the app over another database holding the same data, such as the
PostgreSQL copy ``benchmarks/load.py --postgres-url`` makes; with ``--ab`` it also reports
the CPU time of the PostgreSQL backend processes per cycle.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import math
import os
import platform
import pstats
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy
from flask import Flask
from flask.testing import FlaskClient
from flask_login.utils import _create_identifier
from flask_migrate import upgrade
from sqlalchemy import event, func, select
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import Engine

import quizapp
from quizapp import create_app
from quizapp.clock import FakeClock
from quizapp.core.questions import Question
from quizapp.extensions import db
from quizapp.models import Bank, Item, ItemState, Review, User
from quizapp.services import study
from quizapp.services.banks import import_bank_file

ROOT = Path(__file__).resolve().parent.parent
BANK_FILES = (
    ROOT / "question_bank" / "peru_foreign_relations.yaml",
    # Peru yields 257 items; the second bank tops the item list up to --items.
    ROOT / "tests" / "fixtures" / "banks" / "solar_system.yaml",
)
STUDY_SLUG = "peru-foreign-relations"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
"""The fill's "now": the app's clock is fixed here while measuring."""
FILL_NOW = NOW.replace(tzinfo=None)
SECRET_KEY = "benchmark-only-secret-key-0123456789abcdef"
CHUNK = 50_000
HISTORY_DAYS = 120
BIG_TABLES = ("item_states", "reviews", "items", "presentations", "daily_counters", "users")
TOKEN_RE = re.compile(r'name="token"[^>]*value="([^"]+)"')
PID_RE = re.compile(r"/study/p/([0-9a-f]+)$")
SCAN_RE = re.compile(r"^SCAN (\w+)(?: AS \w+)?(.*)$")


# --- set-up ------------------------------------------------------------------------------------


def app_config(
    db_path: Path, clock: FakeClock | None, database_url: str | None = None
) -> dict[str, object]:
    return {
        "TESTING": True,  # errors propagate: a broken request stops the run instead of a 500
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": database_url or f"sqlite:///{db_path}",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,  # only the auth routes are limited; avoids its warning
        "CLOCK": clock,
    }


def create_database(db_path: Path, n_items: int) -> tuple[list[tuple[int, int, int]], list[str]]:
    """Migrate a new file and import banks until there are ``n_items`` active items.

    Returns the first ``n_items`` active items as (id, fact_id, bank_id), in bank then item
    order, and the slugs of the banks imported.
    """
    app = create_app(app_config(db_path, FakeClock(NOW)))
    slugs: list[str] = []
    with app.app_context():
        upgrade()
        rows: list[Any] = []
        for path in BANK_FILES:
            slugs.append(import_bank_file(path).bank.slug)
            rows = list(
                db.session.execute(
                    select(Item.id, Item.fact_id, Item.bank_id)
                    .where(Item.active.is_(True))
                    .order_by(Item.bank_id, Item.position, Item.id)
                ).all()
            )
            if len(rows) >= n_items:
                break
        db.session.remove()
        db.engine.dispose()
    if len(rows) < n_items:
        raise SystemExit(f"the banks hold only {len(rows)} active items; use --items {len(rows)}")
    return [(r[0], r[1], r[2]) for r in rows[:n_items]], slugs


# --- the fill ----------------------------------------------------------------------------------


def sql_datetime(value: datetime) -> str:
    """A naive UTC datetime as SQLAlchemy stores a ``UTCDateTime`` in SQLite.

    The fill works in naive UTC datetimes: ``isoformat`` is much faster than ``strftime``,
    and ``check_formats`` checks the result against SQLAlchemy's own bind processor.
    """
    return value.isoformat(" ", "microseconds")


def json_datetime(value: datetime) -> str:
    """A naive UTC datetime as fsrs writes it in ``Card.to_dict()`` (aware, ISO 8601)."""
    return value.isoformat(timespec="microseconds") + "+00:00"


def check_formats() -> None:
    """Fail early if the hand-written text forms differ from SQLAlchemy's bind processors."""
    dialect = sqlite_dialect.dialect()  # type: ignore[no-untyped-call]
    sample = datetime(2026, 1, 2, 3, 4, 5, 600_007, tzinfo=UTC)
    naive = sample.replace(tzinfo=None)
    due_type = ItemState.__table__.c.due.type
    day_type = Review.__table__.c.local_day.type
    due = due_type.dialect_impl(dialect).bind_processor(dialect)
    day = day_type.dialect_impl(dialect).bind_processor(dialect)
    assert due is not None and day is not None
    same_day = day(sample.date()) == sql_datetime(naive)[:10]
    if due(sample) != sql_datetime(naive) or not same_day:
        raise SystemExit("SQLAlchemy's SQLite datetime format changed; update sql_datetime()")
    if datetime.fromisoformat(json_datetime(naive)) != sample:
        raise SystemExit("json_datetime() no longer round-trips")


@dataclass
class FillResult:
    users: int = 0
    item_states: int = 0
    reviews: int = 0
    daily_counters: int = 0
    seconds: float = 0.0


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


# fmt: off
USER_COLUMNS = (
    "id", "username", "display_name", "password_hash", "role", "desired_retention",
    "new_per_day", "reviews_per_day", "timezone", "session_version", "created_at",
)
STATE_COLUMNS = (
    "user_id", "item_id", "bank_id", "state", "step", "stability", "difficulty", "due",
    "last_review", "reps", "lapses", "leech",
)
REVIEW_COLUMNS = (
    "user_id", "item_id", "fact_id", "bank_id", "rating", "answered_at", "local_day",
    "duration_ms", "correct", "was_new", "state_after",
)
# fmt: on
COUNTER_COLUMNS = ("user_id", "day", "new_count", "review_count")
# desired_retention, new_per_day, reviews_per_day, timezone, session_version, created_at
USER_DEFAULTS = (0.9, 20, 200, "UTC", 1, sql_datetime(FILL_NOW - timedelta(days=150)))


def _card_state(rng: random.Random) -> tuple[int, int | None, float, datetime, datetime]:
    """A plausible FSRS card: (state, step, stability in days, due, last_review), naive UTC.

    ~60% review cards due between 10 days ago and 60 days ahead, ~10% learning or relearning
    due within hours of now, the rest review cards due 2-12 months ahead (mature).
    """
    kind = rng.random()
    if kind < 0.10:
        state = 1 if rng.random() < 0.5 else 3
        step = rng.choice((0, 1)) if state == 1 else 0
        due = FILL_NOW + timedelta(minutes=rng.uniform(-180, 60))
        last = min(due - timedelta(minutes=10), FILL_NOW - timedelta(minutes=rng.uniform(1, 30)))
        return state, step, rng.uniform(0.3, 3.0), due, last
    if kind < 0.70:
        due = FILL_NOW + timedelta(days=rng.uniform(-10, 60))
        last = min(FILL_NOW - timedelta(days=rng.uniform(0.05, 30)), due - timedelta(days=1))
    else:
        due = FILL_NOW + timedelta(days=rng.uniform(60, 365))
        last = FILL_NOW - timedelta(days=rng.uniform(0.05, 60))
    interval = (due - last).total_seconds() / 86400
    return 2, None, max(interval * rng.uniform(0.9, 1.1), 0.5), due, last


def _state_after(
    state: int, step: int | None, stability: float, difficulty: float, due: str, last: str
) -> str:
    """The small JSON of fsrs ``Card.to_dict()`` without the card id, built without json."""
    return (
        f'{{"state": {state}, "step": {"null" if step is None else step}, '
        f'"stability": {stability:.4f}, "difficulty": {difficulty:.4f}, '
        f'"due": "{due}", "last_review": "{last}"}}'
    )


# Again 10%, Hard 15%, Good 60%, Easy 15%: drawn as RATINGS[int(random() * 100)].
RATINGS = (1,) * 10 + (2,) * 15 + (3,) * 60 + (4,) * 15
LAPSES = (0,) * 70 + (1,) * 18 + (2,) * 7 + (3,) * 4 + (8,)


def student_rows(
    user_id: int,
    items: list[tuple[int, int, int]],
    reviews_per_item: int,
    rng: random.Random,
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """One student's item_states, reviews and daily_counters rows.

    Each item state gets ``reviews_per_item`` reviews over the past ``HISTORY_DAYS`` days,
    the last one at the state's ``last_review``; the first one is marked ``was_new``.
    """
    states: list[tuple[Any, ...]] = []
    reviews: list[tuple[Any, ...]] = []
    per_day: Counter[str] = Counter()
    new_per_day: Counter[str] = Counter()
    history_start = FILL_NOW - timedelta(days=HISTORY_DAYS)
    three_days = timedelta(days=3)
    for item_id, fact_id, bank_id in items:
        state, step, stability, due, last = _card_state(rng)
        difficulty = rng.uniform(1.5, 9.5)
        lapses = LAPSES[int(rng.random() * 100)]
        card = (state, step, stability, difficulty, sql_datetime(due), sql_datetime(last))
        states.append((user_id, item_id, bank_id, *card, reviews_per_item, lapses, lapses >= 8))
        span = (last - history_start).total_seconds()
        times = sorted(
            history_start + timedelta(seconds=rng.random() * span)
            for _ in range(reviews_per_item - 1)
        )
        times.append(last)
        final = _state_after(
            state, step, stability, difficulty, json_datetime(due), json_datetime(last)
        )
        for n, answered in enumerate(times):
            rating = RATINGS[int(rng.random() * 100)]
            iso = answered.isoformat(timespec="microseconds")
            stamp = iso.replace("T", " ")
            after = (
                final
                if n == reviews_per_item - 1
                else _state_after(
                    2, None, stability, difficulty, json_datetime(answered + three_days),
                    iso + "+00:00",
                )
            )  # fmt: skip
            day = stamp[:10]
            row = (user_id, item_id, fact_id, bank_id, rating, stamp, day)
            duration = 1500 + int(rng.random() * 23_500)
            reviews.append((*row, duration, rating != 1, n == 0, after))
            per_day[day] += 1
            if n == 0:
                new_per_day[day] += 1
    counters = [(user_id, day, new_per_day[day], count) for day, count in per_day.items()]
    return states, reviews, counters


def fill(
    db_path: Path,
    items: list[tuple[int, int, int]],
    n_students: int,
    reviews_per_item: int,
    partial_students: int,
    seed: int,
) -> FillResult:
    """Bulk-insert users, item states, reviews and daily counters in one transaction, fsync'd.

    Every student has started every item, except ``partial_students`` students (spread over
    the id range) who have started only the first half, so new items are queued for them too.
    """
    rng = random.Random(seed)
    result = FillResult()
    started = time.perf_counter()
    partial_every = max(n_students // partial_students, 1) if partial_students else 0
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")  # no WAL copy of a 1 GB transaction
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -262144")  # 256 MiB
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("BEGIN")
        users = [
            (uid, f"student{uid:05d}", f"Student {uid}", "!unusable", "student", *USER_DEFAULTS)
            for uid in range(1, n_students + 1)
        ]
        conn.executemany(_insert_sql("users", USER_COLUMNS), users)
        result.users = len(users)
        buffers: dict[str, list[tuple[Any, ...]]] = {"states": [], "reviews": [], "counters": []}
        sql = {
            "states": _insert_sql("item_states", STATE_COLUMNS),
            "reviews": _insert_sql("reviews", REVIEW_COLUMNS),
            "counters": _insert_sql("daily_counters", COUNTER_COLUMNS),
        }

        def flush(force: bool = False) -> None:
            for key, rows in buffers.items():
                if rows and (force or len(rows) >= CHUNK):
                    conn.executemany(sql[key], rows)
                    rows.clear()

        for uid in range(1, n_students + 1):
            partial = bool(partial_every) and uid % partial_every == 0
            mine = items[: len(items) // 2] if partial else items
            states, reviews, counters = student_rows(uid, mine, reviews_per_item, rng)
            buffers["states"] += states
            buffers["reviews"] += reviews
            buffers["counters"] += counters
            result.item_states += len(states)
            result.reviews += len(reviews)
            result.daily_counters += len(counters)
            flush()
            if uid % 100 == 0:
                elapsed = time.perf_counter() - started
                print(f"  {uid} students, {result.reviews:,} reviews, {elapsed:.0f} s", flush=True)
        flush(force=True)
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode = WAL")  # as the app leaves it
    finally:
        conn.close()
    # Flush the fill to disk now: otherwise the app's first WAL checkpoint fsyncs ~1 GB of
    # dirty pages and one measured request takes a second.
    fd = os.open(db_path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    result.seconds = time.perf_counter() - started
    return result


def file_size(db_path: Path) -> int:
    return sum(
        p.stat().st_size
        for p in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm"))
        if p.exists()
    )


# --- measuring ---------------------------------------------------------------------------------


class BackendCpu:
    """CPU time used by the PostgreSQL server processes of an app's connections.

    On one machine the database server's work is part of a request's cost, and on
    PostgreSQL it is done in other processes than the app's: their CPU time is read from
    ``/proc`` (each connection's backend, recorded when it connects). Zero on SQLite.
    """

    def __init__(self, app: Flask) -> None:
        self.pids: set[int] = set()
        with app.app_context():
            engine = db.engine
        if engine.dialect.name == "postgresql":
            event.listen(engine, "connect", self._on_connect)
            engine.dispose()  # connections made before the listener have no pid recorded

    def _on_connect(self, dbapi_conn: Any, _record: Any) -> None:
        self.pids.add(dbapi_conn.info.backend_pid)

    def seconds(self) -> float:
        ticks = 0
        for pid in self.pids:
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")


class SqlMeter:
    """Counts the statements a request runs and the time spent in the driver."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.count = 0
        self.seconds = 0.0
        self._t0 = 0.0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)

    def _before(self, *_args: Any) -> None:
        self._t0 = time.perf_counter()

    def _after(self, *_args: Any) -> None:
        self.count += 1
        self.seconds += time.perf_counter() - self._t0

    def reset(self) -> None:
        self.count = 0
        self.seconds = 0.0


@dataclass(frozen=True)
class Sample:
    """One timed request: wall time, this thread's CPU time, SQL statements and their time."""

    ms: float
    cpu_ms: float
    sql_count: int
    sql_ms: float

    def __add__(self, other: Sample) -> Sample:
        return Sample(
            self.ms + other.ms,
            self.cpu_ms + other.cpu_ms,
            self.sql_count + other.sql_count,
            self.sql_ms + other.sql_ms,
        )


Recorder = Callable[[str, Sample], None]


STEPS = ("home", "question", "answer", "feedback", "rate")
STEP_LABELS = {
    "home": "    GET  /                      home (extra)",
    "question": "(a) GET  /study/<slug>          next question",
    "answer": "(b) POST /study/<slug>/answer   grade + store",
    "feedback": "    GET  /study/p/<pid>         feedback (extra)",
    "rate": "(c) POST /study/p/<pid>/rate    review + state",
    "submission": "(b)+(c) submission of an answer",
}


def login(app: Flask, client: FlaskClient, user_id: int) -> None:
    """Log the client in without a password, as ``tests/helpers.login_as`` does.

    In a request context, as the app's own reads are: on PostgreSQL they then run with no
    transaction, and no ROLLBACK between the measured requests clears the connection's
    prepared statements (psycopg forgets them at every rollback).
    """
    with app.test_request_context():
        user = db.session.get(User, user_id)
        assert user is not None
        token = user.get_id()
        db.session.remove()
    with app.test_request_context():
        identifier = _create_identifier()
    with client.session_transaction() as sess:
        sess["_user_id"] = token
        sess["_fresh"] = True
        sess["_id"] = identifier


def right_answer(app: Flask, token: str) -> tuple[str, list[str]]:
    """The type of the question a token shows and its right answer (as ``tests/helpers``)."""
    with app.test_request_context():
        data = study._serializer().loads(token)
        item = db.session.get(Item, data["i"])
        bank = db.session.get(Bank, data["b"])
        assert item is not None and bank is not None
        q: Question = study.render(bank, item, data["s"])
        db.session.remove()
    if q.type == "flashcard":
        return q.type, []
    return q.type, [str(q.options.index(a)) for a in q.answer]


class Cycle:
    """One student answering one question, each request timed (or profiled)."""

    def __init__(self, app: Flask, slug: str = STUDY_SLUG) -> None:
        self.app = app
        self.client = app.test_client()
        with app.app_context():
            self.meter = SqlMeter(db.engine)
        self.slug = slug
        self.done_pages = 0
        self.types: Counter[str] = Counter()

    def close(self) -> None:
        self.meter.close()

    def run(
        self,
        user_id: int,
        record: Recorder | None,
        profiles: dict[str, cProfile.Profile] | None = None,
    ) -> None:
        login(self.app, self.client, user_id)
        self._request("home", record, profiles, "get", "/")
        resp = self._request("question", record, profiles, "get", f"/study/{self.slug}")
        html = resp.get_data(as_text=True)
        m = TOKEN_RE.search(html)
        if m is None:
            self.done_pages += 1  # nothing due: the "done" page was timed as (a)
            return
        token = m.group(1)
        question_type, answer = right_answer(self.app, token)
        self.types[question_type] += 1
        form = {"token": token, "answer": answer, "duration_ms": "6000"}
        resp = self._request("answer", record, profiles, "post", f"/study/{self.slug}/answer", form)
        pid_match = PID_RE.search(resp.headers.get("Location", ""))
        assert resp.status_code == 302 and pid_match, (resp.status_code, resp.headers)
        pid = pid_match.group(1)
        resp = self._request("feedback", record, profiles, "get", f"/study/p/{pid}")
        assert resp.status_code == 200
        resp = self._request(
            "rate", record, profiles, "post", f"/study/p/{pid}/rate", {"rating": "3"}
        )
        assert resp.status_code == 302 and "/study/" in resp.headers["Location"]

    def _request(
        self,
        step: str,
        record: Recorder | None,
        profiles: dict[str, cProfile.Profile] | None,
        method: str,
        url: str,
        data: dict[str, Any] | None = None,
    ) -> Any:
        call = getattr(self.client, method)
        profile = profiles[step] if profiles is not None else None
        self.meter.reset()
        if profile is not None:
            profile.enable()
        c0, t0 = time.thread_time(), time.perf_counter()
        resp = call(url, data=data) if data is not None else call(url)
        elapsed, cpu = time.perf_counter() - t0, time.thread_time() - c0
        if profile is not None:
            profile.disable()
        assert resp.status_code in (200, 302), (url, resp.status_code)
        if record is not None:
            record(
                step, Sample(elapsed * 1e3, cpu * 1e3, self.meter.count, self.meter.seconds * 1e3)
            )
        return resp


def pick_students(user_ids: list[int], count: int, rng: random.Random) -> list[int]:
    """``count`` students, all different while there are enough, in random order."""
    picked: list[int] = []
    while len(picked) < count:
        picked += rng.sample(user_ids, min(len(user_ids), count - len(picked)))
    return picked


def measure(
    app: Flask, user_ids: list[int], samples: int, warmup: int, rng: random.Random
) -> tuple[dict[str, list[Sample]], Cycle]:
    cycle = Cycle(app)
    times: dict[str, list[Sample]] = {s: [] for s in STEPS}

    def record(step: str, sample: Sample) -> None:
        times[step].append(sample)

    students = pick_students(user_ids, warmup + samples, rng)
    try:
        for uid in students[:warmup]:
            cycle.run(uid, None)
        cycle.done_pages = 0
        cycle.types.clear()
        for uid in students[warmup:]:
            cycle.run(uid, record)
    finally:
        cycle.close()
    return times, cycle


def profile_steps(app: Flask, user_ids: list[int], samples: int, rng: random.Random) -> None:
    """Run extra cycles under cProfile and print each step's heaviest functions."""
    cycle = Cycle(app)
    profiles = {s: cProfile.Profile() for s in STEPS}
    try:
        for uid in pick_students(user_ids, samples, rng):
            cycle.run(uid, None, profiles)
    finally:
        cycle.close()
    for step, profile in profiles.items():
        print(f"\n--- cProfile {STEP_LABELS[step].strip()} ({samples} requests) ---")
        print("the app's own functions, by cumulative time:")
        print(_stats_text(profile, "cumulative", r"/quizapp/", 20))
        print("all functions, by own time:")
        print(_stats_text(profile, "tottime", None, 15))
        print("own time by package: " + _by_package(profile, samples))


def _by_package(profile: cProfile.Profile, requests: int) -> str:
    """Own time per request, summed by the package that holds each function."""
    totals: Counter[str] = Counter()
    stats: dict[Any, Any] = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    for (filename, _line, name), (_cc, _nc, tottime, _ct, _callers) in stats.items():
        if "site-packages/" in filename:
            package = filename.split("site-packages/", 1)[1].split("/", 1)[0]
        elif "/quizapp/" in filename:
            package = "quizapp"
        elif filename == "~":
            package = "sqlite3 (C)" if "sqlite3" in name else "builtins (C)"
        else:
            package = "stdlib"
        totals[package] += tottime
    whole = sum(totals.values())
    return ", ".join(
        f"{package} {t / requests * 1000:.1f} ms ({t / whole:.0%})"
        for package, t in totals.most_common(8)
    )


def _stats_text(profile: cProfile.Profile, order: str, pattern: str | None, limit: int) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out).sort_stats(order)
    stats.print_stats(*((pattern, limit) if pattern else (limit,)))
    lines = out.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    root = str(ROOT) + "/"
    return "\n".join(line.replace(root, "") for line in lines[start:] if line.strip())


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(math.ceil(q / 100 * len(ordered)) - 1, 0)]


def print_table(times: dict[str, list[Sample]], goal_ms: float) -> None:
    rows = [(STEP_LABELS[step], samples) for step, samples in times.items()]
    submission = [a + r for a, r in zip(times["answer"], times["rate"], strict=True)]
    rows.append((STEP_LABELS["submission"], submission))
    print(
        f"\n{'step':<48} {'n':>4} {'median ms':>9} {'p99 ms':>7} {'max ms':>7} "
        f"{'CPU med':>7} {'CPU p99':>7} {'SQL n':>5} {'SQL ms':>6}"
    )
    for label, samples in rows:
        if not samples:
            continue
        ms = [x.ms for x in samples]
        cpu = [x.cpu_ms for x in samples]
        med = statistics.median(ms)
        flag = "  > goal" if med > goal_ms and "submission" not in label else ""
        print(
            f"{label:<48} {len(ms):>4} {med:>9.2f} {percentile(ms, 99):>7.1f} {max(ms):>7.1f} "
            f"{statistics.median(cpu):>7.2f} {percentile(cpu, 99):>7.1f} "
            f"{statistics.mean(x.sql_count for x in samples):>5.1f} "
            f"{statistics.median(x.sql_ms for x in samples):>6.2f}{flag}"
        )
    print(
        "(ms: wall time of the request in process; CPU: this thread's CPU time, which a busy "
        "machine inflates less;\n SQL n: mean statements per request; SQL ms: median time in "
        "the sqlite3 driver's execute (rows fetched after the first are not included);\n "
        f"goal: median under {goal_ms:g} ms per step)"
    )


# --- query plans -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Captured:
    statement: str
    parameters: tuple[Any, ...]


def capture_sql(engine: Engine, action: Callable[[], object]) -> list[Captured]:
    """The data statements ``action`` runs, with their bound parameters, first of each kind."""
    seen: dict[str, Captured] = {}

    def before(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().split(None, 1)[0].upper() in (
            "SELECT",
            "INSERT",
            "UPDATE",
            "DELETE",
            "WITH",
        ):
            seen.setdefault(statement, Captured(statement, tuple(parameters or ())))

    event.listen(engine, "before_cursor_execute", before)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return list(seen.values())


def explain(captured: Captured) -> list[tuple[int, int, str]]:
    conn = db.session.connection()
    rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + captured.statement, captured.parameters)
    return [(r[0], r[1], r[3]) for r in rows]


def plan_lines(plan: list[tuple[int, int, str]]) -> list[str]:
    depth: dict[int, int] = {0: -1}
    lines = []
    for node, parent, detail in plan:
        depth[node] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node] + detail)
    return lines


def scans(plan: list[tuple[int, int, str]]) -> list[str]:
    """Lines that read a whole big table (or the whole of one of its indexes)."""
    found = []
    for _node, _parent, detail in plan:
        m = SCAN_RE.match(detail)
        if m and m.group(1) in BIG_TABLES:
            how = "full index scan" if "INDEX" in m.group(2) else "FULL TABLE SCAN"
            found.append(f"{how}: {detail}")
    return found


def short(parameters: tuple[Any, ...], width: int = 40) -> str:
    """Bound parameters for display, long values (a question's JSON) cut short."""
    shown = [
        repr(v) if len(repr(v)) <= width else repr(v)[: width - 4] + "...'" for v in parameters
    ]
    return f"({', '.join(shown)}{',' if len(shown) == 1 else ''})"


def print_plans(title: str, captured: Iterable[Captured]) -> list[str]:
    flagged: list[str] = []
    print(f"\n=== {title} ===")
    for n, c in enumerate(captured, 1):
        plan = explain(c)
        print(f"\n[{n}] {' '.join(c.statement.split())}")
        print(f"    params: {short(c.parameters)}")
        for line in plan_lines(plan):
            print(f"    {line}")
        for s in scans(plan):
            print(f"    !! {s}")
            flagged.append(f"[{n}] {s}")
    return flagged


def query_plans(app: Flask, cycle_user: int, all_plans: bool) -> list[str]:
    """EXPLAIN the queue queries, then flag scans in any statement of one study cycle.

    The queue is explained for a student with new items left (fewest item states), so the
    query for new items returns rows too.
    """
    with app.app_context():
        user_id = db.session.execute(
            select(ItemState.user_id).group_by(ItemState.user_id).order_by(func.count()).limit(1)
        ).scalar_one()
        user = db.session.get(User, user_id)
        bank = db.session.execute(select(Bank).where(Bank.slug == STUDY_SLUG)).scalar_one()
        assert user is not None
        queue: list[Any] = []
        captured = capture_sql(db.engine, lambda: queue.extend(study.queue_for(user, bank, NOW)))
        print(
            f"\nqueue_for(student {user_id}) returned {len(queue)} entries "
            f"({sum(e.state is None for e in queue)} new)"
        )
        flagged = print_plans("EXPLAIN QUERY PLAN: queue_for (the due queue)", captured)
        home = capture_sql(
            db.engine, lambda: (study.home_view(user, NOW), study.next_due(user, bank))
        )
        queue_sql = {c.statement for c in captured}
        home = [c for c in home if c.statement not in queue_sql]
        flagged += print_plans("EXPLAIN QUERY PLAN: home_view and next_due (counts)", home)
        db.session.remove()
    with app.app_context():
        cycle = Cycle(app)
        try:
            in_cycle = capture_sql(db.engine, lambda: cycle.run(cycle_user, None))
        finally:
            cycle.close()
        seen = {c.statement for c in captured + home}
        others = [c for c in in_cycle if c.statement not in seen]
        if all_plans:
            flagged += print_plans("EXPLAIN QUERY PLAN: the other statements of a cycle", others)
        else:
            for c in others:
                for s in scans(explain(c)):
                    flagged.append(f"{s}  <- {' '.join(c.statement.split())[:160]}")
            print(
                f"\n({len(others)} other statements in one study cycle explained; "
                "--all-plans prints them)"
            )
        db.session.remove()
    return flagged


# --- comparing two versions of the code ---------------------------------------------------------


def write_samples(path: Path, times: dict[str, list[Sample]]) -> None:
    samples = {
        step: [[x.ms, x.cpu_ms, x.sql_count, x.sql_ms] for x in xs] for step, xs in times.items()
    }
    path.write_text(json.dumps({"quizapp": quizapp.__file__, "samples": samples}))


def compare_trees(args: argparse.Namespace) -> int:
    """This tree's code against ``--ab``'s, in lockstep on one database.

    Two processes, one importing quizapp from each tree (``PYTHONPATH``), stay up side by
    side (``--serve``); the driver has them run one cycle each in turn, switching which goes
    first every time, each with a different student. On a shared virtual machine the CPU's
    speed drifts by tens of percent within seconds, so versions measured in separate rounds
    differ by as much as a real change; cycles a few milliseconds apart see the same machine.
    CPU time is the measure: wall time says more about the neighbours.
    """
    trees = {"before": args.ab.resolve(), "after": ROOT}
    merged: dict[str, dict[str, list[Sample]]] = {v: {s: [] for s in STEPS} for v in trees}
    backend_ms = dict.fromkeys(trees, 0.0)
    servers = {v: _CycleServer(args, tree) for v, tree in trees.items()}
    try:
        user_ids = servers["before"].user_ids
        rng = random.Random(args.seed)
        total = args.rounds * args.samples
        students = pick_students(user_ids, 2 * (args.warmup + total), rng)
        for n in range(args.warmup + total):
            order = list(trees) if n % 2 == 0 else list(reversed(trees))
            for k, version in enumerate(order):
                sample, backend = servers[version].cycle(students[2 * n + k])
                if n >= args.warmup:
                    for step, rows in sample.items():
                        merged[version][step] += [Sample(*row) for row in rows]
                    backend_ms[version] += backend
            if n >= args.warmup and (n - args.warmup + 1) % args.samples == 0:
                print(f"  {(n - args.warmup + 1)} cycles of each done; {load()}", flush=True)
    finally:
        for server in servers.values():
            server.close()
    print_comparison(merged, trees, args)
    if any(backend_ms.values()):
        b, a = (backend_ms[v] / total for v in trees)
        print(
            f"PostgreSQL backends' CPU per cycle (all its requests; /proc, 10 ms ticks, "
            f"summed over the run): before {b:.2f} ms, after {a:.2f} ms, {(a - b) / b:+.0%}"
        )
    return 0


class _CycleServer:
    """A ``--serve`` process of this script running quizapp from one source tree."""

    def __init__(self, args: argparse.Namespace, tree: Path) -> None:
        command = [sys.executable, __file__, "--db", str(args.db), "--reuse", "--serve"]
        if args.real_clock:
            command.append("--real-clock")
        if args.database_url:
            command += ["--database-url", args.database_url]
        self.process = subprocess.Popen(
            command,
            env={**os.environ, "PYTHONPATH": str(tree)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        hello = json.loads(self._read())
        expected = str(tree / "quizapp" / "__init__.py")
        if hello["quizapp"] != expected:
            self.close()
            raise SystemExit(f"{tree}: imported {hello['quizapp']}, not {expected}")
        self.user_ids: list[int] = hello["user_ids"]

    def cycle(self, user_id: int) -> tuple[dict[str, list[list[float]]], float]:
        """One cycle's samples per step, and the CPU its database server processes used
        (PostgreSQL backends; 0 on SQLite, whose work is in the samples' own CPU time)."""
        assert self.process.stdin is not None
        self.process.stdin.write(f"{user_id}\n")
        self.process.stdin.flush()
        answer = json.loads(self._read())
        return answer["steps"], answer["backend_ms"]

    def _read(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"the --serve process exited with {self.process.wait()}")
        return line

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=60)


def student_ids(app: Flask) -> list[int]:
    with app.app_context():
        ids = list(
            db.session.execute(select(User.id).where(User.role == "student").order_by(User.id))
            .scalars()
            .all()
        )
        db.session.remove()
    return ids


def serve_cycles(args: argparse.Namespace) -> int:
    """``--serve``: say which quizapp is imported and the student ids, then run one cycle per
    student id read from stdin, answering each with that cycle's samples as one JSON line."""
    clock = None if args.real_clock else FakeClock(NOW)
    app = create_app(app_config(args.db.resolve(), clock, args.database_url))
    user_ids = student_ids(app)
    print(json.dumps({"quizapp": quizapp.__file__, "user_ids": user_ids}), flush=True)
    cycle = Cycle(app)
    backends = BackendCpu(app)
    try:
        times: dict[str, list[list[float]]] = {}

        def record(step: str, sample: Sample) -> None:
            times.setdefault(step, []).append(
                [sample.ms, sample.cpu_ms, sample.sql_count, sample.sql_ms]
            )

        for line in sys.stdin:
            times.clear()
            before = backends.seconds()
            cycle.run(int(line), record)
            backend_ms = (backends.seconds() - before) * 1000
            print(json.dumps({"steps": times, "backend_ms": backend_ms}), flush=True)
    finally:
        cycle.close()
    return 0


def print_comparison(
    merged: dict[str, dict[str, list[Sample]]], trees: dict[str, Path], args: argparse.Namespace
) -> None:
    print(
        f"\nCPU per request (this thread's CPU time), {args.rounds} rounds x {args.samples} "
        f"cycles of each version; before = {trees['before']}, after = {trees['after']}"
    )
    header = (
        f"{'step':<48} {'before ms':>9} {'after ms':>9} {'change':>7} "
        f"{'p90 before':>10} {'p90 after':>9} {'SQL n':>9}"
    )
    print(header)
    print("-" * len(header))
    for step in STEPS:
        before, after = merged["before"][step], merged["after"][step]
        if not before or not after:
            continue
        b = statistics.median(x.cpu_ms for x in before)
        a = statistics.median(x.cpu_ms for x in after)
        sql = (
            f"{statistics.mean(x.sql_count for x in before):.0f} → "
            f"{statistics.mean(x.sql_count for x in after):.0f}"
        )
        print(
            f"{STEP_LABELS[step]:<48} {b:>9.2f} {a:>9.2f} {(a - b) / b:>+7.0%} "
            f"{percentile([x.cpu_ms for x in before], 90):>10.2f} "
            f"{percentile([x.cpu_ms for x in after], 90):>9.2f} {sql:>9}"
        )
    loop = ("question", "answer", "rate")
    b = sum(statistics.median(x.cpu_ms for x in merged["before"][s]) for s in loop)
    a = sum(statistics.median(x.cpu_ms for x in merged["after"][s]) for s in loop)
    print(f"{'(a)+(b)+(c) the loop, sum of medians':<48} {b:>9.2f} {a:>9.2f} {(a - b) / b:>+7.0%}")
    print("(medians over all rounds; SQL n: mean statements per request, BEGIN included)")


# --- main --------------------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (
        f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} CPUs; "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"SQLAlchemy {sqlalchemy.__version__}"
    )


def load() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--students", type=int, default=1000)
    p.add_argument("--items", type=int, default=300, help="items each student has (started)")
    p.add_argument("--reviews-per-item", type=int, default=10)
    p.add_argument(
        "--partial-students",
        type=int,
        default=None,
        help="students who started only half the items (default: a tenth)",
    )
    p.add_argument("--db", type=Path, help="SQLite file to create (default: in a temp dir)")
    p.add_argument("--reuse", action="store_true", help="measure an existing --db, no fill")
    p.add_argument("--keep", action="store_true", help="keep the temp dir's database")
    p.add_argument("--samples", type=int, default=200)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--seed", type=int, default=20260302)
    p.add_argument("--goal-ms", type=float, default=15.0)
    p.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="also run N cycles under cProfile and print the top functions",
    )
    p.add_argument(
        "--all-plans",
        action="store_true",
        help="print the plan of every statement of a cycle, not only the queue",
    )
    p.add_argument("--no-plans", action="store_true", help="skip the query plans")
    p.add_argument("--json", type=Path, help="also write every sample to this file")
    p.add_argument(
        "--ab",
        type=Path,
        metavar="TREE",
        help="compare CPU with the quizapp of another source tree (e.g. a `git archive` of the "
        "previous commit), in alternating rounds on the same --db (with --reuse)",
    )
    p.add_argument(
        "--rounds", type=int, default=6, help="--ab: --samples cycles of each code, this many times"
    )
    p.add_argument(
        "--real-clock",
        action="store_true",
        help="--ab: the app reads the system clock, as under benchmarks/load.py, where every "
        "card of the fill is long overdue, instead of the fill's own 'now'",
    )
    p.add_argument(
        "--database-url",
        help="run the app over this database instead of the --db file, e.g. the PostgreSQL "
        "copy benchmarks/load.py makes (with --reuse and --no-plans, or --ab)",
    )
    p.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.reuse and args.db is None:
        p.error("--reuse needs --db")
    if args.database_url and not (args.reuse and (args.no_plans or args.ab or args.serve)):
        p.error("--database-url needs --reuse, and --no-plans or --ab (plans are SQLite's)")
    if args.ab and not args.reuse:
        p.error("--ab needs --db PATH --reuse (a filled database)")
    if args.ab and not (args.ab / "quizapp" / "__init__.py").exists():
        p.error(f"--ab: no quizapp package in {args.ab}")
    return args


def database_path(args: argparse.Namespace) -> tuple[Path, Path | None]:
    """Where the database goes, and the temp dir that holds it (to remove afterwards)."""
    if args.db is None:
        tmp = Path(tempfile.mkdtemp(prefix="quizapp-bench-"))
        return tmp / "bench.sqlite", tmp
    db_path = args.db.resolve()
    if args.reuse and not db_path.exists():
        raise SystemExit(f"--reuse: {db_path} does not exist")
    if not args.reuse and db_path.exists():
        raise SystemExit(f"{db_path} exists; pass --reuse to measure it, or remove it")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    return db_path, None


def build_database(db_path: Path, args: argparse.Namespace) -> None:
    """Migrate, import the banks and fill, printing the figures."""
    print(f"database: {db_path}")
    t0 = time.perf_counter()
    items, slugs = create_database(db_path, args.items)
    per_bank = Counter(bank_id for _item, _fact, bank_id in items)
    used = ", ".join(f"{n} from {slug}" for slug, n in zip(slugs, per_bank.values(), strict=False))
    print(f"migrated and imported in {time.perf_counter() - t0:.1f} s; {len(items)} items: {used}")
    partial = args.students // 10 if args.partial_students is None else args.partial_students
    print(
        f"filling: {args.students} students ({partial} with half the items started), "
        f"{args.reviews_per_item} reviews per item state ..."
    )
    result = fill(db_path, items, args.students, args.reviews_per_item, partial, args.seed)
    print(
        f"fill: {result.users:,} users, {result.item_states:,} item_states, "
        f"{result.reviews:,} reviews, {result.daily_counters:,} daily_counters "
        f"in {result.seconds:.1f} s; file {file_size(db_path) / 2**20:,.0f} MiB; {load()}"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve:
        return serve_cycles(args)
    print(f"machine: {machine()}")
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {load()}")
    if args.ab:
        return compare_trees(args)
    check_formats()
    db_path, tmp = database_path(args)
    try:
        if args.reuse:
            print(f"reusing {db_path} ({file_size(db_path) / 2**20:,.0f} MiB), no fill")
        else:
            build_database(db_path, args)
        app = create_app(app_config(db_path, FakeClock(NOW), args.database_url))
        user_ids = student_ids(app)
        rng = random.Random(args.seed)
        print(
            f"\nmeasuring {args.samples} cycles after {args.warmup} warm-up ones, clock at "
            f"{NOW:%Y-%m-%d %H:%M} UTC, bank {STUDY_SLUG}; {load()}"
        )
        t0 = time.perf_counter()
        times, cycle = measure(app, user_ids, args.samples, args.warmup, rng)
        print(f"measured in {time.perf_counter() - t0:.1f} s; {load()}")
        print(f"questions shown: {dict(cycle.types.most_common())}")
        if cycle.done_pages:
            print(f"note: {cycle.done_pages} students had nothing due (the 'done' page)")
        print_table(times, args.goal_ms)
        if args.json:
            write_samples(args.json, times)
        if not args.no_plans:
            flagged = query_plans(app, rng.choice(user_ids), args.all_plans)
            print("\nscans of big tables: " + ("none" if not flagged else ""))
            for line in flagged:
                print(f"  {line}")
        if args.profile:
            profile_steps(app, user_ids, args.profile, rng)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        if tmp is not None and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp is not None:
            print(f"kept {db_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Many students at once: gunicorn with 4 workers over one SQLite file, 20 clients, 4,000 reviews.

Each client is a plain HTTP client (urllib, its own cookie jar, redirects not followed) that
logs in with its password and then studies the Peru bank as a browser would, 200 times:
GET the question, POST an answer, POST a rating (Again and Good in turn, so items stay in
learning and the learn-ahead window keeps the queue from running dry). Afterwards the log
and the schedules must agree exactly: no lost or doubled review, no state that missed one.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import resource
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PERU_BANK, ROOT, csrf_token
from tests.helpers import TOKEN_RE

from .conftest import SqliteDb

pytestmark = pytest.mark.slow

WORKERS = 4
CLIENTS = 20
REVIEWS_PER_CLIENT = 200
SLUG = "peru-foreign-relations"
PASSWORD = "correct horse battery staple"
REQUEST_TIMEOUT = 60.0
"""Seconds one request may take (connect, queue behind busy workers, answer)."""
RUN_TIMEOUT = 15 * 60.0
"""Seconds the whole study phase may take; about 1-2 minutes is normal on 2 cores."""
SERVER_START_TIMEOUT = 60.0
SERVER_STOP_GRACE = 10.0

FORM_TYPE_RE = re.compile(r'<form class="study-card[^"]*"[^>]*data-type="([a-z_]+)"')
ANSWER_RE = re.compile(r'name="answer" value="(\d+)"')
PID_RE = re.compile(r"/study/p/([0-9a-f]{32})$")
FLASH_RE = re.compile(r'class="flash flash-(?:warning|error)"[^>]*>([^<]*)<')
LOCKED = "database is locked"


# --- the server --------------------------------------------------------------------------------


@dataclass
class Server:
    url: str
    stderr: Path
    process: subprocess.Popen[bytes]
    cpu_before: float
    """CPU seconds of this process's waited-for children when gunicorn started."""

    def cpu_used(self) -> float:
        """CPU seconds gunicorn used, its workers included (once it has been stopped)."""
        return _children_cpu() - self.cpu_before


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _no_control_socket() -> list[str]:
    """Recent gunicorn versions open a control socket at ~/.gunicorn/gunicorn.ctl, one path
    shared by every instance on the machine; the test needs none."""
    import gunicorn.config

    return ["--no-control-socket"] if hasattr(gunicorn.config, "ControlSocketDisable") else []


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the gunicorn master (it stops its workers), SIGKILL to its group after 10 s."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=SERVER_STOP_GRACE)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # its own session: the master and its workers
        process.wait(timeout=SERVER_STOP_GRACE)


@pytest.fixture
def gunicorn(
    make_db: Callable[[str], SqliteDb], tmp_path: Path
) -> Iterator[tuple[Server, SqliteDb]]:
    db = make_db("concurrency")
    db.flask("banks", "import", str(PERU_BANK))
    _create_students(db)

    port = _free_port()
    cpu_before = _children_cpu()
    stderr_path = tmp_path / "gunicorn.stderr"
    with stderr_path.open("wb") as stderr, (tmp_path / "gunicorn.stdout").open("wb") as stdout:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-w",
                str(WORKERS),
                "-b",
                f"127.0.0.1:{port}",
                *_no_control_socket(),
                "quizapp:create_app()",
            ],
            cwd=ROOT,
            env=db.env,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
    server = Server(f"http://127.0.0.1:{port}", stderr_path, process, cpu_before)
    try:
        _wait_until_serving(server)
        yield server, db
    finally:
        _stop(process)


def _wait_until_serving(server: Server) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    problem = ""
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(
                f"gunicorn exited ({server.process.returncode}):\n{server.stderr.read_text()}"
            )
        try:
            with _opener().open(server.url + "/login", timeout=2) as response:
                if response.status == 200:
                    return
                problem = f"HTTP {response.status}"
        except (OSError, urllib.error.URLError) as exc:
            problem = repr(exc)
        time.sleep(0.2)
    pytest.fail(
        f"gunicorn did not answer GET /login within {SERVER_START_TIMEOUT:.0f} s ({problem}):\n"
        f"{server.stderr.read_text()}"
    )


def _create_students(db: SqliteDb) -> None:
    """The students, made in process with the real password hashing, with limits that never
    stop a session: 200 reviews must not meet the new-item or review cap."""
    from quizapp import create_app
    from quizapp.database import write_transaction
    from quizapp.extensions import db as sqla
    from quizapp.services.accounts import create_user

    app = create_app({"DATABASE_URL": db.url, "SECRET_KEY": db.secret_key})
    with app.app_context():
        try:
            for n in range(CLIENTS):
                user = create_user(f"student{n:02d}", PASSWORD)
                with write_transaction():
                    user.new_per_day = 9999
                    user.reviews_per_day = 9999
        finally:
            sqla.session.remove()
            sqla.engine.dispose()


# --- the clients -------------------------------------------------------------------------------


class _EveryResponse(urllib.request.HTTPErrorProcessor):
    """Every response reaches the caller as it is, a 3xx with its Location (not followed) or
    an error alike. urllib's own processor raises an HTTPError for each: in the load
    benchmark, two of the study loop's three responses are redirects, and the exceptions
    cost the client, on the server's machine, half as much again as a floor request's."""

    def http_response(self, request: Any, response: Any) -> Any:
        return response

    https_response = http_response


def _opener(jar: http.cookiejar.CookieJar | None = None) -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}),  # loopback: never through an http_proxy from the env
        urllib.request.HTTPCookieProcessor(jar or http.cookiejar.CookieJar()),
        _EveryResponse(),
    )


@dataclass(frozen=True)
class Response:
    status: int
    location: str
    body: str


class ClientFailure(Exception):
    pass


@dataclass
class Client:
    base: str
    username: str
    stop: threading.Event
    opener: urllib.request.OpenerDirector = field(init=False)
    requests: int = 0
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    """Seconds each request took, by kind (login, question, answer, rate)."""
    errors: list[str] = field(default_factory=list)
    """Every response >= 500 or mentioning a locked database, whether or not the run went on."""
    rated: dict[str, int] = field(default_factory=dict)
    """Presentation id -> the rating sent for it, in order."""
    failure: str | None = None

    def __post_init__(self) -> None:
        self.opener = _opener()

    def request(
        self, method: str, path: str, form: list[tuple[str, str]] | None = None, kind: str = ""
    ) -> Response:
        if self.stop.is_set():
            raise ClientFailure("stopped: another client failed or the run timed out")
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        self.requests += 1
        began = time.monotonic()
        try:
            with self.opener.open(req, timeout=REQUEST_TIMEOUT) as r:
                response = Response(
                    r.status, r.headers.get("Location", ""), r.read().decode(errors="replace")
                )
        except (OSError, urllib.error.URLError) as exc:
            raise ClientFailure(f"{method} {path}: no response ({exc!r})") from exc
        self.timings[kind or method].append(time.monotonic() - began)
        if response.status >= 500 or LOCKED in response.body:
            self.errors.append(f"{method} {path}: HTTP {response.status}")
            raise ClientFailure(f"{method} {path}: HTTP {response.status}\n{response.body[:2000]}")
        return response

    def login(self) -> None:
        page = self.request("GET", "/login", kind="login")
        token = csrf_token(page.body)
        if page.status != 200 or not token:
            raise ClientFailure(f"GET /login: HTTP {page.status}, csrf token {bool(token)}")
        done = self.request(
            "POST",
            "/login",
            [("csrf_token", token), ("username", self.username), ("password", PASSWORD)],
            kind="login",
        )
        if done.status != 302:
            raise ClientFailure(f"POST /login: HTTP {done.status}, not logged in")

    def study_once(self, n: int) -> None:
        page = self.request("GET", f"/study/{SLUG}", kind="question")
        if page.status != 200:
            raise ClientFailure(f"review {n}: GET /study/{SLUG}: HTTP {page.status}")
        if "All done for now" in page.body:
            raise ClientFailure(f"review {n}: the queue ran dry (the page says nothing is due)")
        flashed = FLASH_RE.findall(page.body)
        if flashed:
            raise ClientFailure(f"review {n}: the question page warns: {flashed}")
        token = TOKEN_RE.search(page.body)
        csrf = csrf_token(page.body)
        kind = FORM_TYPE_RE.search(page.body)
        if not (token and csrf and kind):
            raise ClientFailure(f"review {n}: no question form on the page:\n{page.body[:2000]}")
        options = ANSWER_RE.findall(page.body)
        if kind.group(1) == "flashcard":
            answer: list[str] = []
        elif kind.group(1) == "ordering":
            answer = options  # every item placed, in the order shown
        else:
            answer = options[:1]
        if kind.group(1) != "flashcard" and not answer:
            raise ClientFailure(f"review {n}: a {kind.group(1)} question without options")

        form = [("csrf_token", csrf), ("token", token.group(1))] + [("answer", a) for a in answer]
        answered = self.request("POST", f"/study/{SLUG}/answer", form, kind="answer")
        pid = PID_RE.search(answered.location)
        if answered.status != 302 or not pid:
            raise ClientFailure(
                f"review {n}: POST answer: HTTP {answered.status} to {answered.location!r} "
                f"(not the feedback page: the answer was refused)"
            )
        if pid.group(1) in self.rated:
            raise ClientFailure(f"review {n}: presentation {pid.group(1)} was shown twice")

        rating = 1 if n % 2 == 0 else 3  # Again, Good, Again, ...
        rated = self.request(
            "POST",
            f"/study/p/{pid.group(1)}/rate",
            [("csrf_token", csrf), ("rating", str(rating))],
            kind="rate",
        )
        if rated.status != 302 or not rated.location.endswith(f"/study/{SLUG}"):
            raise ClientFailure(
                f"review {n}: POST rate: HTTP {rated.status} to {rated.location!r} "
                f"(the rating was refused)"
            )
        self.rated[pid.group(1)] = rating

    def run(self, start: threading.Barrier) -> None:
        try:
            self.login()
            start.wait(timeout=SERVER_START_TIMEOUT)
            for n in range(REVIEWS_PER_CLIENT):
                self.study_once(n)
        except threading.BrokenBarrierError:
            self.failure = "another client failed to log in"
        except ClientFailure as exc:
            self.failure = str(exc)
        except Exception as exc:  # a bug in the test itself: report it, never hang
            self.failure = f"unexpected {exc!r}"
        if self.failure:
            start.abort()
            self.stop.set()


# --- the test ----------------------------------------------------------------------------------


def test_twenty_students_studying_at_once_lose_nothing(
    gunicorn: tuple[Server, SqliteDb],
) -> None:
    server, db = gunicorn
    stop = threading.Event()
    clients = [Client(server.url, f"student{n:02d}", stop) for n in range(CLIENTS)]
    started: list[float] = []
    start = threading.Barrier(CLIENTS, action=lambda: started.append(time.monotonic()))
    threads = [
        threading.Thread(target=c.run, args=(start,), name=c.username, daemon=True) for c in clients
    ]
    client_cpu = time.process_time()
    for t in threads:
        t.start()
    deadline = time.monotonic() + RUN_TIMEOUT
    for t in threads:
        t.join(timeout=max(deadline - time.monotonic(), 0))
    finished = time.monotonic()
    client_cpu = time.process_time() - client_cpu
    hung = [t.name for t in threads if t.is_alive()]
    stop.set()  # clients still running stop at their next request
    wal = db.path.with_name(db.path.name + "-wal")
    wal_bytes = wal.stat().st_size if wal.exists() else 0  # gone once gunicorn has stopped

    _stop(server.process)
    log = server.stderr.read_text(errors="replace")

    failures = sorted(
        (f"{c.username}: {c.failure}" for c in clients if c.failure),
        key=lambda f: "stopped:" in f,  # the first real failure first, the ones it stopped after
    )
    errors = [e for c in clients for e in c.errors]
    assert not hung, f"clients still running after {RUN_TIMEOUT:.0f} s: {hung}\n{failures}"
    assert not errors, f"server errors under load: {errors[:20]}\ngunicorn stderr:\n{log[-5000:]}"
    assert not failures, "\n".join(failures[:10]) + f"\ngunicorn stderr:\n{log[-5000:]}"
    assert LOCKED not in log, f"gunicorn's log mentions {LOCKED!r}:\n{log[-5000:]}"
    problems = [
        line
        for line in log.splitlines()
        if any(s in line for s in ("Traceback", "[ERROR]", "[CRITICAL]", "WORKER TIMEOUT"))
    ]
    assert not problems, f"gunicorn logged errors: {problems[:20]}\n{log[-5000:]}"

    elapsed = finished - started[0]
    reviews = CLIENTS * REVIEWS_PER_CLIENT
    requests = sum(c.requests for c in clients) - 2 * CLIENTS  # without the logins
    print(
        f"\n{CLIENTS} clients x {REVIEWS_PER_CLIENT} reviews on gunicorn -w {WORKERS} "
        f"(SQLite, {os.cpu_count()} cores): {reviews} reviews, {requests} requests in "
        f"{elapsed:.1f} s = {reviews / elapsed:.1f} reviews/s, {requests / elapsed:.1f} requests/s"
        f"\nCPU: gunicorn {server.cpu_used():.0f} s (workers' boot included), "
        f"clients {client_cpu:.0f} s; WAL file {wal_bytes / 1e6:.1f} MB at the end.\n"
        f"Seconds per request by kind (median, p95, max):"
    )
    for kind in ("login", "question", "answer", "rate"):
        times = sorted(t for c in clients for t in c.timings[kind])
        print(
            f"  {kind:<9}{len(times):>6}  {times[len(times) // 2]:.3f}  "
            f"{times[int(len(times) * 0.95)]:.3f}  {times[-1]:.3f}"
        )

    for c in clients:
        assert len(c.rated) == REVIEWS_PER_CLIENT, (
            f"{c.username}: {len(c.rated)} distinct presentations for {REVIEWS_PER_CLIENT} reviews"
        )
    in_learning = _check_database(db, {c.username: c.rated for c in clients})
    print(
        f"Items in learning at the end (what kept the queue from running dry): "
        f"{min(in_learning.values())} to {max(in_learning.values())} per student"
    )


# --- what the database must say afterwards ------------------------------------------------------


def _moment(value: str | None) -> datetime | None:
    """A time as SQLAlchemy stores it on SQLite (naive UTC) or as ``card.to_dict`` writes it."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _card(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "state": values["state"],
        "step": values["step"],
        "stability": values["stability"],
        "difficulty": values["difficulty"],
        "due": _moment(values["due"]),
        "last_review": _moment(values["last_review"]),
    }


def _check_database(db: SqliteDb, sent: dict[str, dict[str, int]]) -> dict[int, int]:
    """Check the log, the states and the counters; the items each student has in learning."""
    conn = db.connect()
    conn.row_factory = sqlite3.Row
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        users = {r["username"]: r["id"] for r in conn.execute("SELECT id, username FROM users")}
        reviews = conn.execute("SELECT * FROM reviews ORDER BY id").fetchall()
        states = conn.execute("SELECT * FROM item_states").fetchall()
        counters = conn.execute("SELECT * FROM daily_counters").fetchall()
        presentations = {
            r["id"]: r["review_id"] for r in conn.execute("SELECT id, review_id FROM presentations")
        }
    finally:
        conn.close()

    total = CLIENTS * REVIEWS_PER_CLIENT
    assert len(reviews) == total, f"{len(reviews)} rows in reviews, expected {total}"

    # Exactly the reviews the clients made, with the ratings they sent, each linked both ways
    # to its presentation.
    logged = {r["presentation_id"]: r for r in reviews}
    assert len(logged) == total, "reviews share a presentation id"
    for username, rated in sent.items():
        for pid, rating in rated.items():
            row = logged.get(pid)
            assert row is not None, f"{username}: the review of presentation {pid} is missing"
            assert row["user_id"] == users[username], f"{pid} logged for another user"
            assert row["rating"] == rating, (
                f"{username} rated {pid} {rating}, logged {row['rating']}"
            )
            assert presentations.get(pid) == row["id"], f"presentation {pid} not linked to review"

    # Per (user, item): the log is a chain (each review starts from the state the one before
    # left), and the stored state is where the chain ends.
    chains: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for r in reviews:
        chains[(r["user_id"], r["item_id"])].append(r)
    by_pair = {(s["user_id"], s["item_id"]): s for s in states}
    assert set(by_pair) == set(chains), (
        f"item states without reviews: {sorted(set(by_pair) - set(chains))[:5]}; "
        f"reviews without a state: {sorted(set(chains) - set(by_pair))[:5]}"
    )
    for pair, chain in chains.items():
        state = by_pair[pair]
        assert state["reps"] == len(chain), f"{pair}: reps {state['reps']}, {len(chain)} reviews"
        assert [r["was_new"] for r in chain] == [1] + [0] * (len(chain) - 1), (
            f"{pair}: was_new flags {[r['was_new'] for r in chain]}"
        )
        previous = None
        lapses = 0
        for r in chain:
            before = json.loads(r["state_before"]) if r["state_before"] else None
            if previous is not None:
                assert before is not None and _card(before) == _card(previous), (
                    f"{pair}: review {r['id']} started from {before}, the one before left "
                    f"{previous} (a lost update)"
                )
                lapses += before["state"] == 2 and r["rating"] == 1
            previous = json.loads(r["state_after"])
        assert previous is not None
        assert _card(dict(state)) == _card(previous), (
            f"{pair}: item state {dict(state)} is not its latest review's state_after {previous}"
        )
        assert state["lapses"] == lapses, f"{pair}: lapses {state['lapses']}, log says {lapses}"

    # Daily counters: new items introduced and reviews of review cards, per user and day.
    expected: Counter[tuple[int, str, str]] = Counter()
    for r in reviews:
        before = json.loads(r["state_before"]) if r["state_before"] else None
        expected[(r["user_id"], r["local_day"], "new")] += r["was_new"]
        expected[(r["user_id"], r["local_day"], "review")] += bool(before and before["state"] == 2)
    found: Counter[tuple[int, str, str]] = Counter()
    for c in counters:
        found[(c["user_id"], c["day"], "new")] += c["new_count"]
        found[(c["user_id"], c["day"], "review")] += c["review_count"]
    wrong = sorted(k for k in found.keys() | expected.keys() if found[k] != expected[k])
    assert not wrong, "daily counters (user, day, kind) that do not match the log: " + ", ".join(
        f"{k}: {found[k]} counted, {expected[k]} logged" for k in wrong[:10]
    )
    return dict(Counter(s["user_id"] for s in states if s["state"] in (1, 3)))

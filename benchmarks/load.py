"""Load benchmark: the study loop over HTTP under gunicorn, against a floor, on a full database.

What it does
------------
1. Builds (or reuses, ``--db PATH --reuse``) the SQLite file of ``benchmarks/study.py``
   (1,000 students x 300 items, 2.85M reviews) with that script's own fill functions, and
   gives every student one known password (one argon2 hash made with
   ``quizapp.passwords.hash_password``) and daily limits that never stop a session.
2. With ``--postgres-url``, (re)creates that database, runs the migrations on it and copies
   every table from the SQLite file with ``COPY`` (``--pg-reuse`` skips this).
3. For each backend and each ``--workers`` count it starts gunicorn on a free loopback port
   (``quizapp:create_app()``, env ``QUIZAPP_DATABASE_URL``, ``QUIZAPP_SECRET_KEY``,
   ``QUIZAPP_RATELIMIT_ENABLED=false``, ``QUIZAPP_FSRS_FUZZ=false``), logs ``--clients``
   students in (each its own thread, urllib, cookie jar, no redirects followed: the client of
   ``tests/reliability/test_concurrency.py``, imported), and has them run the study loop
   (GET the question, POST an answer, POST a rating) for ``--warmup`` then ``--duration``
   seconds. Only requests that finish inside the measured window count. Each thread also
   logs in ``--spares`` more students beforehand and goes on as the next one when its
   student is done for the day; each run takes fresh students (``--first-student`` on).
   ``--app-dir`` runs the app from another source tree, for a before/after comparison.
4. It starts the floor (``benchmarks/floor_app.py``: read one users row by id, insert one
   row, nothing else) under the same gunicorn settings and drives it with the same number of
   threads for the same time.
5. ``--rounds`` (default 2) app and floor runs of each configuration, in the order app,
   floor, floor, app, ...: the CPU of a shared VM drifts by tens of percent over minutes, and
   one app run followed by one floor run measured that drift as much as the app (the same
   code gave ratios from 0.28 to 0.52).
6. Prints, per configuration, over all its rounds: requests/s, study steps/s (3 requests
   each), p50/p95/p99 of all requests, errors, the floor's requests/s and p99, and app rps /
   floor rps; the CPU per request of the server and of the client, the load average, and the
   ratio of each round on its own.

Two modes, two goals:

- Saturated (the default): every student sends its next request as soon as the last one is
  answered, so the server never idles and requests/s is the capacity. The throughput goal,
  app req/s >= half the floor's, is judged here. Its latencies are not a goal: with 50
  requests always outstanding they are 50 / throughput by Little's law.
- ``--think SECONDS``: each student waits a random think time (exponential, this mean)
  before every request, as a person reading the question does, and the floor's clients wait
  the same way. The latency goal, p99 < 100 ms for 50 students, and no errors, are judged
  here; requests/s is then set by the think time, not by the server.

The client runs on the same machine as the server (its 50 threads share one GIL), and every
request opens a new TCP connection (gunicorn's sync workers close after each response).

Usage::

    .venv/bin/python benchmarks/load.py [--db PATH [--reuse]] [--workers 2 4]
        [--clients 50] [--duration 30] [--rounds 2] [--warmup 5] [--think SECONDS] [--spares 2]
        [--first-student N] [--app-dir TREE]
        [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/quizapp_load [--pg-reuse]]
        [--no-sqlite]
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # for tests.reliability (the client) when run as a script

import sqlalchemy as sa  # noqa: E402
from study import (  # noqa: E402
    SECRET_KEY,
    build_database,
    check_formats,
    file_size,
    load,
    machine,
    percentile,
)
from study import parse_args as study_args  # noqa: E402

from benchmarks.floor_app import METADATA as FLOOR_METADATA  # noqa: E402
from tests.reliability.test_concurrency import (  # noqa: E402
    PASSWORD,
    Client,
    ClientFailure,
    _free_port,
    _no_control_socket,
    _opener,
    _stop,
)

REQUEST_TIMEOUT = 30.0
START_TIMEOUT = 60.0
STUDENT_LIMIT = 100_000
"""new_per_day and reviews_per_day of the benchmark students: never the reason a run stops."""
DONE_PAGE = "All done for now"


# --- the databases -----------------------------------------------------------------------------


def app_env(url: str, app_dir: Path | None = None) -> dict[str, str]:
    env = {
        **os.environ,
        "QUIZAPP_DATABASE_URL": url,
        "QUIZAPP_SECRET_KEY": SECRET_KEY,
        "QUIZAPP_RATELIMIT_ENABLED": "false",
        "QUIZAPP_FSRS_FUZZ": "false",
    }
    if app_dir is not None:
        env["PYTHONPATH"] = str(app_dir)  # its quizapp before the installed (editable) one
    return env


def password_hash() -> str:
    from quizapp import create_app
    from quizapp.passwords import hash_password

    app = create_app({"SECRET_KEY": SECRET_KEY, "DATABASE_URL": "sqlite:///:memory:"})
    with app.app_context():
        return hash_password(PASSWORD)


def prepare_students(db_path: Path) -> int:
    """One known password and unlimited daily limits for every student; returns the count."""
    hashed = password_hash()
    conn = sqlite3.connect(db_path)
    try:
        with conn:
            conn.execute(
                "UPDATE users SET password_hash = ?, new_per_day = ?, reviews_per_day = ? "
                "WHERE role = 'student'",
                (hashed, STUDENT_LIMIT, STUDENT_LIMIT),
            )
            conn.execute("DROP TABLE IF EXISTS floor_hits")
        return int(conn.execute("SELECT count(*) FROM users WHERE role = 'student'").fetchone()[0])
    finally:
        conn.close()


def libpq_url(url: str) -> str:
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def fill_postgres(url: str, db_path: Path) -> None:
    """Recreate the database, migrate it and COPY every table over from the SQLite file."""
    import psycopg
    from flask_migrate import upgrade

    from quizapp import create_app
    from quizapp.extensions import db

    target = sa.make_url(url)
    name = target.database
    assert name and name.replace("_", "").isalnum(), f"unexpected database name {name!r}"
    admin = libpq_url(url).rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    app = create_app({"SECRET_KEY": SECRET_KEY, "DATABASE_URL": url})
    with app.app_context():
        upgrade()
        tables = [t for t in db.metadata.sorted_tables if t.name != "alembic_version"]
        db.session.remove()
        db.engine.dispose()
    started = time.perf_counter()
    src = sqlite3.connect(db_path)
    try:
        with psycopg.connect(libpq_url(url)) as dst:
            dst.execute("SET TIME ZONE 'UTC'")
            names = ", ".join(f'"{t.name}"' for t in tables)
            dst.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
            for table in tables:
                cols = [c.name for c in table.columns]
                quoted = ", ".join(f'"{c}"' for c in cols)
                rows = 0
                t0 = time.perf_counter()
                cursor = src.execute(f'SELECT {quoted} FROM "{table.name}"')
                with dst.cursor().copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
                    while batch := cursor.fetchmany(20_000):
                        for row in batch:
                            copy.write_row(row)
                        rows += len(batch)
                if rows:
                    print(f"  {table.name}: {rows:,} rows in {time.perf_counter() - t0:.1f} s")
                if "id" in cols and isinstance(table.c.id.type, sa.Integer) and rows:
                    dst.execute(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                        f'(SELECT max(id) FROM "{table.name}"))'
                    )
            dst.commit()
        with psycopg.connect(libpq_url(url), autocommit=True) as dst:
            dst.execute("VACUUM ANALYZE")
    finally:
        src.close()
    print(f"postgres filled in {time.perf_counter() - started:.0f} s; {load()}")


# --- the server --------------------------------------------------------------------------------


@dataclass
class Gunicorn:
    url: str
    process: subprocess.Popen[bytes]
    stderr: Path


def start_gunicorn(
    spec: str, env: dict[str, str], workers: int, logdir: Path, cwd: Path = ROOT
) -> Gunicorn:
    port = _free_port()
    stderr = logdir / f"gunicorn-{port}.stderr"
    with stderr.open("wb") as err:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
                "--timeout", "60", *_no_control_socket(), spec,
            ],
            cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True,
        )  # fmt: skip
    return Gunicorn(f"http://127.0.0.1:{port}", process, stderr)


def wait_until_serving(server: Gunicorn, method: str, path: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{server.stderr.read_text()[-3000:]}")
        req = urllib.request.Request(server.url + path, data=b"" if method == "POST" else None)
        try:
            with _opener().open(req, timeout=2) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.2)
    _stop(server.process)
    raise SystemExit(f"gunicorn did not answer within {START_TIMEOUT:.0f} s")


# --- the clients -------------------------------------------------------------------------------


@dataclass
class Log:
    """(finished, seconds, kind, ok) per request, and finish times of whole study steps."""

    requests: list[tuple[float, float, str, bool]] = field(default_factory=list)
    steps: list[float] = field(default_factory=list)
    failures: list[tuple[float, str]] = field(default_factory=list)
    """(when, what): a failed step (any request >= 500 or refused) or floor request."""


class WindowOver(Exception):
    """The measured window ended while a student was thinking: that student stops."""


class Thinker:
    """Think times before requests: exponential with the given mean (none for 0), ending at
    ``until`` (the end of the measured window), after which the student stops."""

    def __init__(self, mean: float, seed: int, until: float = math.inf) -> None:
        self.mean = mean
        self.rng = random.Random(seed)
        self.until = until

    def pause(self) -> None:
        if not self.mean:
            return
        wake = time.perf_counter() + self.rng.expovariate(1 / self.mean)
        if wake > self.until:
            time.sleep(max(self.until - time.perf_counter(), 0))
            raise WindowOver
        time.sleep(max(wake - time.perf_counter(), 0))


class QueueDry(Exception):
    """The question page said "All done for now": this student has nothing left today."""


class LoadClient(Client):
    """The concurrency test's client, logging every request's latency and outcome, and
    thinking before each request once studying has started (``thinker``).

    It logs in as several students before the run and studies as the next one when the
    current one is done for the day (one item of a fact a day, so about 100 steps): a faster
    server must not turn into "errors" because the students it serves finish sooner.
    """

    log: Log
    thinker: Thinker | None = None
    spares: list[tuple[str, Any]]
    """(username, opener with that student's session) of the students not yet studied."""

    def login_as_each(self, usernames: list[str]) -> None:
        sessions = []
        for name in usernames:
            self.username, self.opener = name, _opener()
            self.login()
            sessions.append((name, self.opener))
        (self.username, self.opener), *self.spares = sessions

    def next_student(self) -> bool:
        if not self.spares:
            return False
        self.username, self.opener = self.spares.pop(0)
        return True

    def request(
        self, method: str, path: str, form: list[tuple[str, str]] | None = None, kind: str = ""
    ) -> Any:
        if self.thinker is not None:
            self.thinker.pause()  # not timed: the latency is the server's, from sending
        began = time.perf_counter()
        try:
            response = super().request(method, path, form, kind)
        except ClientFailure:
            done = time.perf_counter()
            self.log.requests.append((done, done - began, kind, False))
            raise
        done = time.perf_counter()
        self.log.requests.append((done, done - began, kind, True))
        if kind == "question" and DONE_PAGE in response.body:
            raise QueueDry(self.username)
        return response


def drive_app(
    url: str,
    students: list[list[str]],
    warmup: float,
    duration: float,
    think: float,
    on_window: Any,
) -> tuple[Log, float]:
    """Log every student in (each client: its students), then study until the window ends;
    returns the log and its start."""
    never = threading.Event()
    clients = []
    for names in students:
        c = LoadClient(url, names[0], never)
        c.log = Log()
        clients.append(c)
    window: list[float] = []

    def started() -> None:
        window.append(time.perf_counter() + warmup)
        on_window(window[0])

    barrier = threading.Barrier(len(clients), action=started)

    def run(k: int, c: LoadClient) -> None:
        try:
            c.login_as_each(students[k])
        except ClientFailure as exc:
            c.log.failures.append((time.perf_counter(), f"login {c.username}: {exc}"))
            barrier.abort()
            return
        try:
            barrier.wait(timeout=START_TIMEOUT)
        except threading.BrokenBarrierError:
            return
        end = window[0] + duration
        c.thinker = Thinker(think, k, until=end)
        n = 0
        while time.perf_counter() < end:
            try:
                c.study_once(n)
                c.log.steps.append(time.perf_counter())
            except WindowOver:
                break
            except QueueDry:
                if not c.next_student():
                    c.log.failures.append((time.perf_counter(), "no student left with cards due"))
                    break
            except ClientFailure as exc:
                c.log.failures.append((time.perf_counter(), str(exc).splitlines()[0]))
                time.sleep(0.05)
            except Exception as exc:  # the client's own bug: record, never hang
                c.log.failures.append((time.perf_counter(), f"unexpected {exc!r}"))
                time.sleep(0.05)
            n += 1

    threads = [threading.Thread(target=run, args=kc, daemon=True) for kc in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=START_TIMEOUT + warmup + duration + 2 * REQUEST_TIMEOUT)
    merged = Log()
    for c in clients:
        merged.requests += c.log.requests
        merged.steps += c.log.steps
        merged.failures += c.log.failures
    if not window:
        raise SystemExit(f"the students could not log in: {merged.failures[:3]}")
    return merged, window[0]


def drive_floor(
    url: str, clients: int, warmup: float, duration: float, think: float, on_window: Any
) -> tuple[Log, float]:
    window = time.perf_counter() + warmup
    on_window(window)
    end = window + duration
    logs = [Log() for _ in range(clients)]

    def run(k: int, log: Log) -> None:
        opener = _opener()
        thinker = Thinker(think, k, until=end)
        n = k
        while time.perf_counter() < end:
            try:
                thinker.pause()
            except WindowOver:
                break
            began = time.perf_counter()
            ok = False
            try:
                req = urllib.request.Request(f"{url}/floor/{n}", data=b"", method="POST")
                with opener.open(req, timeout=REQUEST_TIMEOUT) as response:
                    response.read()
                    ok = response.status == 200
            except urllib.error.HTTPError as exc:
                with exc:
                    log.failures.append((time.perf_counter(), f"HTTP {exc.code}"))
            except (OSError, urllib.error.URLError) as exc:
                log.failures.append((time.perf_counter(), repr(exc)))
            log.requests.append((time.perf_counter(), time.perf_counter() - began, "floor", ok))
            log.steps.append(time.perf_counter())
            n += clients

    threads = [threading.Thread(target=run, args=kl, daemon=True) for kl in enumerate(logs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=warmup + duration + 2 * REQUEST_TIMEOUT)
    merged = Log()
    for log in logs:
        merged.requests += log.requests
        merged.steps += log.steps
        merged.failures += log.failures
    return merged, window


@dataclass
class Figures:
    rps: float
    steps: float
    p50: float
    p95: float
    p99: float
    errors: int
    requests: int
    by_kind: dict[str, tuple[float, float]]
    """kind -> (p50, p99) in ms."""
    server_cpu: float
    client_cpu: float
    load: str
    rps_each: list[float]
    """Requests/s of each run (window) on its own."""


@dataclass
class Run:
    """One measured window: the log, when the window started, (server, client) CPU seconds
    over it, and the load average after it."""

    log: Log
    start: float
    cpu: tuple[float, float]
    load: str


def figures(runs: list[Run], duration: float) -> Figures:
    """The figures of one side (app or floor) over all its runs' windows together."""

    def in_window(run: Run, t: float) -> bool:
        return run.start <= t <= run.start + duration

    each = [[r for r in run.log.requests if in_window(run, r[0])] for run in runs]
    inside = [r for requests in each for r in requests]
    ms = sorted(r[1] * 1000 for r in inside)
    kinds: dict[str, list[float]] = {}
    for _done, seconds, kind, _ok in inside:
        kinds.setdefault(kind, []).append(seconds * 1000)
    by_kind = {k: (percentile(v, 50), percentile(v, 99)) for k, v in kinds.items()}
    seconds = duration * len(runs)
    return Figures(
        rps=len(inside) / seconds,
        steps=sum(1 for run in runs for t in run.log.steps if in_window(run, t)) / seconds,
        p50=percentile(ms, 50) if ms else float("nan"),
        p95=percentile(ms, 95) if ms else float("nan"),
        p99=percentile(ms, 99) if ms else float("nan"),
        errors=sum(1 for run in runs for when, _what in run.log.failures if in_window(run, when)),
        requests=len(inside),
        by_kind=by_kind,
        server_cpu=sum(run.cpu[0] for run in runs),
        client_cpu=sum(run.cpu[1] for run in runs),
        load=runs[-1].load,
        rps_each=[len(requests) / duration for requests in each],
    )


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and its direct children, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(entry.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


class WindowCpu:
    """Server (gunicorn tree) and client CPU seconds over the measured window only."""

    def __init__(self, pid: int, duration: float) -> None:
        self.pid = pid
        self.duration = duration
        self.samples: list[tuple[float, float]] = []
        self.timers: list[threading.Timer] = []

    def _sample(self) -> None:
        self.samples.append((tree_cpu(self.pid), time.process_time()))

    def __call__(self, start: float) -> None:
        now = time.perf_counter()
        for at in (start, start + self.duration):
            timer = threading.Timer(max(at - now, 0.0), self._sample)
            timer.daemon = True
            timer.start()
            self.timers.append(timer)

    def used(self) -> tuple[float, float]:
        for timer in self.timers:
            timer.join(timeout=5)
        if len(self.samples) < 2:
            return float("nan"), float("nan")
        (s0, c0), (s1, c1) = self.samples[:2]
        return s1 - s0, c1 - c0


def run_one(
    spec: str,
    env: dict[str, str],
    workers: int,
    logdir: Path,
    drive: Any,
    ready: tuple[str, str],
    duration: float,
    cwd: Path = ROOT,
) -> Run:
    server = start_gunicorn(spec, env, workers, logdir, cwd)
    try:
        wait_until_serving(server, *ready)
        meter = WindowCpu(server.process.pid, duration)
        log, start = drive(server.url, meter)
        cpu = meter.used()
        load_avg = load()
    finally:
        _stop(server.process)
    return Run(log, start, cpu, load_avg)


@dataclass
class Result:
    backend: str
    workers: int
    app: Figures
    floor: Figures
    failures: list[tuple[float, str]]


def run_config(
    backend: str, url: str, workers: int, students: list[list[list[str]]],
    args: argparse.Namespace, logdir: Path,
) -> Result:  # fmt: skip
    """``--rounds`` rounds of an app run and a floor run, in the order app, floor, floor,
    app, ... so that a machine whose speed drifts (a shared VM's does, by tens of percent)
    treats both alike; ``students[r]`` study in round r."""
    app_dir = args.app_dir.resolve() if args.app_dir else ROOT
    print(
        f"\n{backend}, {workers} workers, {args.rounds} rounds, app from {app_dir}"
        f"{f', think {args.think:g} s' if args.think else ''} ({load()})",
        flush=True,
    )
    engine = sa.create_engine(url)
    try:
        FLOOR_METADATA.create_all(engine)  # before the workers, who would race to create it
    finally:
        engine.dispose()
    app_runs: list[Run] = []
    floor_runs: list[Run] = []

    def app_run(r: int) -> None:
        run = run_one(
            "quizapp:create_app()", app_env(url, app_dir), workers, logdir,
            lambda u, w: drive_app(u, students[r], args.warmup, args.duration, args.think, w),
            ("GET", "/login"), args.duration, app_dir,
        )  # fmt: skip
        app_runs.append(run)
        f = figures([run], args.duration)
        print(
            f"  app ({students[r][0][0]}..{students[r][-1][-1]}): {f.rps:.0f} req/s, "
            f"p99 {f.p99:.0f} ms, {f.errors} errors ({run.load})",
            flush=True,
        )

    def floor_run(r: int) -> None:
        clients = len(students[r])
        run = run_one(
            "benchmarks.floor_app:create_floor_app()", app_env(url), workers, logdir,
            lambda u, w: drive_floor(u, clients, args.warmup, args.duration, args.think, w),
            ("POST", "/floor/0"), args.duration,
        )  # fmt: skip
        floor_runs.append(run)
        f = figures([run], args.duration)
        print(
            f"  floor: {f.rps:.0f} req/s, p99 {f.p99:.0f} ms, {f.errors} errors ({run.load})",
            flush=True,
        )

    for r in range(args.rounds):
        for side in (app_run, floor_run) if r % 2 == 0 else (floor_run, app_run):
            side(r)
    failures = [f for run in app_runs + floor_runs for f in run.log.failures]
    return Result(
        backend,
        workers,
        figures(app_runs, args.duration),
        figures(floor_runs, args.duration),
        failures,
    )


def print_results(results: list[Result], clients: int, duration: float, think: float) -> None:
    mode = (
        f"each thinking {think:g} s on average before every request; goals judged here: p99 "
        "and errors (requests/s follows from the think time)"
        if think
        else "no think time (saturated); goals judged here: ratio and errors (p99 is judged "
        "with --think)"
    )
    print(
        f"\n{clients} concurrent students, {mode}; {duration:.0f} s measured per run; latencies "
        "are whole HTTP requests seen by the client (ms); ratio = app req/s / floor req/s"
    )
    header = (
        f"{'backend':<10} {'w':>2} {'req/s':>7} {'steps/s':>8} {'p50':>6} {'p95':>6} "
        f"{'p99':>6} {'errors':>7} {'floor/s':>8} {'fl p99':>7} {'ratio':>6}  goals"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        a, f = r.app, r.floor
        ratio = a.rps / f.rps if f.rps else float("nan")
        judged = (
            f"{'ok' if a.p99 < 100 else 'NO'} p99"
            if think
            else f"{'ok' if ratio >= 0.5 else 'NO'} ratio"
        )
        goals = f"{judged}, {'ok' if a.errors == 0 else 'NO'} errors"
        print(
            f"{r.backend:<10} {r.workers:>2} {a.rps:>7.1f} {a.steps:>8.1f} {a.p50:>6.1f} "
            f"{a.p95:>6.1f} {a.p99:>6.1f} {a.errors:>7} {f.rps:>8.1f} {f.p99:>7.1f} "
            f"{ratio:>6.2f}  {goals}"
        )
    print(
        "\nper request kind, p50 / p99 ms; CPU ms per request of the server (gunicorn) and of "
        "the client, and the cores both used, over the window; load average after each run"
    )
    for r in results:
        kinds = ", ".join(f"{k} {v[0]:.0f}/{v[1]:.0f}" for k, v in sorted(r.app.by_kind.items()))
        print(f"{r.backend:<10} {r.workers:>2}  {kinds}; floor {r.floor.p50:.0f}/{r.floor.p99:.0f}")
        for name, f in (("app", r.app), ("floor", r.floor)):
            per = 1000 / max(f.requests, 1)
            print(
                f"{'':<14}{name:<6} server {f.server_cpu * per:.2f} ms/req, client "
                f"{f.client_cpu * per:.2f} ms/req, "
                f"{(f.server_cpu + f.client_cpu) / (duration * len(f.rps_each)):.2f} "
                f"cores; {f.load}"
            )
        if not think:
            rounds = ", ".join(
                f"{a / f:.2f}" for a, f in zip(r.app.rps_each, r.floor.rps_each, strict=True)
            )
            print(f"{'':<14}CPU ratio {cpu_ratio(r):.2f}; ratio of each round {rounds}")
        if r.failures:
            shown = "; ".join(sorted({what for _when, what in r.failures})[:5])
            print(f"    {len(r.failures)} failures: {shown}")
    if not think:
        print(
            "CPU ratio: the floor's CPU per request (server + client) / the app's, the ratio the "
            "two throughputs would have if both runs got the same CPU; on a shared machine the "
            "measured ratio also carries the other jobs' load, which changes between the runs"
        )


def cpu_ratio(r: Result) -> float:
    def per_request(f: Figures) -> float:
        return (f.server_cpu + f.client_cpu) / max(f.requests, 1)

    return per_request(r.floor) / per_request(r.app) if per_request(r.app) else math.nan


# --- main --------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--db", type=Path, help="SQLite file (default: a temp dir, removed after)")
    p.add_argument("--reuse", action="store_true", help="use an existing --db, no fill")
    p.add_argument("--students", type=int, default=1000, help="students in the fill")
    p.add_argument("--reviews-per-item", type=int, default=10)
    p.add_argument("--clients", type=int, default=50, help="concurrent students")
    p.add_argument("--workers", type=int, nargs="+", default=[2, 4])
    p.add_argument("--duration", type=float, default=30.0, help="measured seconds per run")
    p.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="app and floor runs of each configuration, alternating (app, floor, floor, app)",
    )
    p.add_argument("--warmup", type=float, default=5.0)
    p.add_argument(
        "--think",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="mean think time before each request (exponential); 0: saturated (default)",
    )
    p.add_argument(
        "--spares",
        type=int,
        default=2,
        help="students each client has in reserve for when its student is done for the day",
    )
    p.add_argument(
        "--first-student",
        type=int,
        default=1,
        metavar="N",
        help="the first run's students are N, N+1, ...; each run takes the next ones (a "
        "student who studied in an earlier run has fewer cards left)",
    )
    p.add_argument(
        "--app-dir",
        type=Path,
        metavar="TREE",
        help="run the app from this source tree (e.g. a `git archive` of an older commit)",
    )
    p.add_argument("--postgres-url", help="postgresql+psycopg://... (database recreated)")
    p.add_argument("--pg-reuse", action="store_true", help="the PostgreSQL database is filled")
    p.add_argument("--no-sqlite", action="store_true", help="PostgreSQL runs only")
    args = p.parse_args(argv)
    if args.reuse and args.db is None:
        p.error("--reuse needs --db")
    if args.no_sqlite and not args.postgres_url:
        p.error("--no-sqlite needs --postgres-url")
    if args.app_dir and not (args.app_dir / "quizapp" / "__init__.py").exists():
        p.error(f"--app-dir: no quizapp package in {args.app_dir}")
    if args.think < 0:
        p.error("--think must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.chdir(ROOT)
    print(f"machine: {machine()}")
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {load()}")
    tmp = Path(tempfile.mkdtemp(prefix="quizapp-load-"))
    db_path = args.db.resolve() if args.db else tmp / "bench.sqlite"
    if args.reuse:
        if not db_path.exists():
            raise SystemExit(f"--reuse: {db_path} does not exist")
        print(f"reusing {db_path} ({file_size(db_path) / 2**20:,.0f} MiB), no fill")
    else:
        if db_path.exists():
            raise SystemExit(f"{db_path} exists; pass --reuse to use it, or remove it")
        db_path.parent.mkdir(parents=True, exist_ok=True)
        check_formats()
        fill = ["--students", str(args.students), "--reviews-per-item", str(args.reviews_per_item)]
        build_database(db_path, study_args(fill))
    n_students = prepare_students(db_path)
    print(f"{n_students} students with a known password")
    backends: list[tuple[str, str]] = []
    if not args.no_sqlite:
        backends.append(("sqlite", f"sqlite:///{db_path}"))
    if args.postgres_url:
        if not args.pg_reuse:
            print(f"copying to {sa.make_url(args.postgres_url).database} ...", flush=True)
            fill_postgres(args.postgres_url, db_path)
        backends.append(("postgresql", args.postgres_url))
    results: list[Result] = []
    offset = args.first_student - 1
    try:
        for backend, url in backends:
            for workers in args.workers:
                # Fresh students each run, so no run studies what an earlier one left behind.
                per_client = 1 + args.spares
                rounds = []
                for _round in range(args.rounds):
                    rounds.append(
                        [
                            [
                                f"student{(offset + k + args.clients * j) % n_students + 1:05d}"
                                for j in range(per_client)
                            ]
                            for k in range(args.clients)
                        ]
                    )
                    offset += args.clients * per_client
                results.append(run_config(backend, url, workers, rounds, args, tmp))
    finally:
        if results:
            print_results(results, args.clients, args.duration, args.think)
        if args.db is None:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"gunicorn logs in {tmp}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

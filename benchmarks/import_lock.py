"""Benchmark: how long a large bank import holds SQLite's write lock, and what a student's
write waits meanwhile.

Builds a synthetic bank (``benchmarks/generate.py``, 10,000 facts by default) and an edited
version of it (answers changed, wording changed, facts removed and added, as an author's next
upload would be), imports the first into a fresh migrated SQLite file and then re-imports the
edited one, through ``import_bank_file`` with the app's own engine settings (WAL,
``busy_timeout``, ``BEGIN IMMEDIATE``). For each import it reports the whole import (YAML
loading and validation included) and the time spent inside ``write_transaction``, that is
with the write lock held.

Meanwhile a separate process (as a gunicorn worker would be) runs small write transactions
in a loop (``BEGIN IMMEDIATE``, one INSERT, ``COMMIT``, then 10 ms of rest) with the app's
``busy_timeout``, and the report gives, per import, how many it ran, their median and worst
durations (a blocked one's is nearly all waiting for the lock), how many took over 100 ms,
and how many failed with "database is locked".

    .venv/bin/python -m benchmarks.import_lock [--facts 10000] [--repeat 1]
    .venv/bin/python -m benchmarks.import_lock --banks-module /tmp/banks_before.py

``--banks-module FILE`` imports with another version of ``quizapp/services/banks.py`` (for
example ``git show HEAD:quizapp/services/banks.py > /tmp/banks_before.py``), to measure the
code before a change on the same machine in the same session.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import logging
import multiprocessing
import os
import platform
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from benchmarks.generate import synthetic_bank
from quizapp.database import SQLITE_BUSY_TIMEOUT_MS

WRITER_REST_S = 0.010
"""The concurrent writer's pause between two transactions."""
WRITER_TABLE = "benchmark_writes"
SLOW_WRITE_S = 0.100
"""A small write that takes longer than this has waited for the import."""


# --- the banks ---------------------------------------------------------------------------------


def edited_bank(n_facts: int, seed: int = 1) -> dict[str, Any]:
    """The synthetic bank of ``n_facts`` facts as its author's next version.

    Every 20th fact that is an event has its answer changed (its students' progress is
    reset), every 20th other fact (offset 5) only its wording, every 50th (offset 7) is
    removed, and ``n_facts // 50`` new facts are added at the end.
    """
    added = n_facts // 50
    data = synthetic_bank(n_facts + added, seed)  # its first n_facts facts are the original's
    facts = []
    for i, fact in enumerate(data["facts"][:n_facts]):
        fact = copy.deepcopy(fact)
        if i % 50 == 7:
            continue
        if i % 20 == 0 and fact["kind"] == "event":
            fact["what"] += " (revised)"
        elif i % 20 == 5:
            fact["source"] = f"Reworded source of fact {i}."
        facts.append(fact)
    data["facts"] = facts + data["facts"][n_facts:]
    return data


def write_bank(path: Path, data: dict[str, Any]) -> Path:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text = yaml.dump(data, Dumper=dumper, sort_keys=False, default_flow_style=None, width=120)
    path.write_text(text, "utf-8")
    return path


# --- the concurrent writer ---------------------------------------------------------------------


def _writer(db_path: str, stop: Any, ready: Any, results: Any) -> None:
    """Small write transactions until ``stop`` is set; sends back (start, seconds, error)."""
    conn = sqlite3.connect(db_path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    samples: list[tuple[float, float, bool]] = []
    while not stop.is_set():
        began = time.monotonic()
        failed = False
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(f"INSERT INTO {WRITER_TABLE} (at) VALUES (?)", (time.time(),))
            conn.execute("COMMIT")
        except sqlite3.OperationalError:
            failed = True
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        samples.append((began, time.monotonic() - began, failed))
        ready.set()
        time.sleep(WRITER_REST_S)
    conn.close()
    results.put(samples)


@dataclass(frozen=True)
class WriterSample:
    start: float
    seconds: float
    failed: bool


@contextmanager
def concurrent_writer(db_path: Path) -> Iterator[list[WriterSample]]:
    """A writer process for the duration of the block; its samples fill the list at exit."""
    ctx = multiprocessing.get_context("spawn")
    stop, ready, results = ctx.Event(), ctx.Event(), ctx.Queue()
    process = ctx.Process(target=_writer, args=(str(db_path), stop, ready, results))
    process.start()
    samples: list[WriterSample] = []
    try:
        if not ready.wait(60):
            raise RuntimeError("the writer process did not start")
        yield samples
    finally:
        stop.set()
        samples.extend(WriterSample(*s) for s in results.get(timeout=120))
        process.join(timeout=30)


# --- the imports -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measured:
    name: str
    start: float
    end: float
    locked: float
    """Seconds inside ``write_transaction``."""
    summary: str

    @property
    def seconds(self) -> float:
        return self.end - self.start


def load_banks_module(path: Path | None) -> ModuleType:
    if path is None:
        from quizapp.services import banks

        return banks
    # A package-relative name, so that its relative imports resolve as the real module's do.
    spec = importlib.util.spec_from_file_location("quizapp.services._benchmarked_banks", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def timed_import(banks: ModuleType, name: str, path: Path) -> Measured:
    """``import_bank_file(path)`` with the time spent in ``write_transaction`` measured."""
    real = banks.write_transaction
    held: list[float] = []

    @contextmanager
    def timed_transaction() -> Iterator[None]:
        began = time.monotonic()
        try:
            with real():
                yield
        finally:
            held.append(time.monotonic() - began)

    banks.write_transaction = timed_transaction
    try:
        start = time.monotonic()
        result = banks.import_bank_file(path)
        end = time.monotonic()
    finally:
        banks.write_transaction = real
    return Measured(name, start, end, sum(held), result.summary())


def migrated_template(folder: Path) -> Path:
    from flask_migrate import upgrade

    from quizapp import create_app
    from quizapp.extensions import db

    path = folder / "template.sqlite"
    app = create_app(app_config(path))
    with app.app_context():
        upgrade()
        with db.engine.begin() as conn:
            conn.exec_driver_sql(
                f"CREATE TABLE {WRITER_TABLE} (id INTEGER PRIMARY KEY, at REAL NOT NULL)"
            )
        db.engine.dispose()
    return path


def app_config(path: Path) -> dict[str, Any]:
    return {
        "DATABASE_URL": f"sqlite:///{path}",
        "SECRET_KEY": "benchmark-secret-key-not-for-production-0000",
        "RATELIMIT_ENABLED": False,
    }


def run(banks: ModuleType, template: Path, first: Path, edited: Path, folder: Path) -> list[str]:
    from quizapp import create_app
    from quizapp.extensions import db

    path = folder / "run.sqlite"
    shutil.copy(template, path)
    app = create_app(app_config(path))
    measured: list[Measured] = []
    with app.app_context(), concurrent_writer(path) as samples:
        measured.append(timed_import(banks, "import", first))
        time.sleep(0.5)
        measured.append(timed_import(banks, "re-import (edited)", edited))
        db.session.remove()
        db.engine.dispose()
    lines = []
    for m in measured:
        during = [s for s in samples if m.start <= s.start <= m.end]
        waits = sorted(s.seconds for s in during)
        median = waits[len(waits) // 2] if waits else float("nan")
        lines.append(
            f"{m.name:<19} whole {m.seconds:6.2f} s, lock held {m.locked:6.2f} s "
            f"({m.locked / m.seconds:4.0%}); writer: {len(during):4d} transactions, median "
            f"{median * 1000:4.0f} ms, worst {max(waits, default=float('nan')) * 1000:5.0f} ms, "
            f"{sum(w > SLOW_WRITE_S for w in waits)} over {SLOW_WRITE_S * 1000:.0f} ms, "
            f"{sum(s.failed for s in during)} failed\n    {m.summary}"
        )
    path.unlink()
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--facts", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--banks-module", type=Path, default=None)
    args = parser.parse_args()
    logging.disable(logging.INFO)  # the migrations log every step

    banks = load_banks_module(args.banks_module)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        first = write_bank(folder / "bank.yaml", synthetic_bank(args.facts, args.seed))
        edited = write_bank(folder / "edited.yaml", edited_bank(args.facts, args.seed))
        template = migrated_template(folder)
        print(
            f"{args.facts:,} facts; banks module {args.banks_module or banks.__file__}; "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; writer: one "
            f"transaction every {WRITER_REST_S * 1000:.0f} ms + its wait, busy_timeout "
            f"{SQLITE_BUSY_TIMEOUT_MS / 1000:.0f} s"
        )
        for n in range(args.repeat):
            print(f"run {n + 1}:")
            for line in run(banks, template, first, edited, folder):
                print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())

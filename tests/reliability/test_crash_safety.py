"""A bank import killed with SIGKILL halfway leaves the bank wholly absent and the file sound.

``flask banks import`` writes a bank, its facts and its items in one write transaction. The
test imports a synthetic bank of thousands of facts (so that transaction lasts seconds) into a
fresh migrated SQLite file and kills the process while the transaction is open, then checks
with the sqlite3 module that ``PRAGMA integrity_check`` says ok and that none of the bank is
there, and that the same import then runs to completion on the crashed file.

When to kill: the test watches the import every few milliseconds from outside. It is inside
its write transaction while SQLite's write lock is held (a probe's ``BEGIN IMMEDIATE`` with
no busy timeout fails) and its bank is not yet visible to a reader (not committed). Such an
import first builds its rows in memory, then SQLite spills dirty pages from its 2 MB page
cache into the ``-wal`` file, a few kilobytes every millisecond, and at the commit writes
the rest in one burst that ends with the commit frame. The kill comes once the WAL has grown
on three polls in a row (steady spilling, not the commit's single burst) and holds at least
512 KiB, all of it uncommitted: the process dies with part of its transaction already in the
WAL file, which recovery must ignore. Nothing else writes to the file, so every byte in the
WAL before the bank is visible is this transaction's. Should the import commit before that
point (a machine fast enough, or a bigger page cache), the test retries with a bank twice
the size, three sizes at most.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from ._bank_builder import BuiltBank, write_synthetic_bank
from .conftest import SqliteDb

pytestmark = pytest.mark.slow

BANK_SIZES = (4000, 8000, 16000)
"""Facts in the synthetic bank: the first size, then bigger ones if the kill came too late."""
POLL_INTERVAL = 0.005
IMPORT_TIMEOUT = 300.0
KILL_AT_WAL_BYTES = 512 * 1024
"""Uncommitted bytes the WAL must hold, steadily growing, when the kill comes."""
GROWING_POLLS = 3


@dataclass(frozen=True)
class Observation:
    at: float
    """Seconds since the import started."""
    wal_bytes: int
    locked: bool
    """The write lock is held: a probe's BEGIN IMMEDIATE failed at once."""
    banks: int | None
    """Banks a reader sees (committed ones only); None when the read itself was busy."""


def _watch(db: SqliteDb, process: subprocess.Popen[bytes]) -> Iterator[Observation]:
    """Observations of the import every few milliseconds until it exits."""
    started = time.monotonic()
    probe = sqlite3.connect(db.path, timeout=0, isolation_level=None)
    try:
        while process.poll() is None:
            if time.monotonic() - started > IMPORT_TIMEOUT:
                process.kill()
                process.wait()
                pytest.fail(f"the import did not finish in {IMPORT_TIMEOUT:.0f} s")
            try:
                wal_bytes = os.stat(f"{db.path}-wal").st_size
            except FileNotFoundError:
                wal_bytes = 0
            try:
                probe.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:
                locked = True
            else:
                probe.execute("ROLLBACK")
                locked = False
            try:
                banks = probe.execute("SELECT count(*) FROM banks").fetchone()[0]
            except sqlite3.OperationalError:
                banks = None
            yield Observation(time.monotonic() - started, wal_bytes, locked, banks)
            time.sleep(POLL_INTERVAL)
    finally:
        probe.close()


@contextmanager
def _running_import(db: SqliteDb, bank: BuiltBank, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``flask banks import`` in a subprocess, its output in ``log``; killed if the test
    leaves the block with the import still running (a failure)."""
    with log.open("wb") as out:
        process = db.popen_flask("banks", "import", str(bank.path), stdout=out, stderr=out)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@dataclass(frozen=True)
class Kill:
    seen: Observation | None
    """What the test saw just before sending SIGKILL; None when the import finished first."""
    lock_at: float | None
    log: str


def _import_and_kill(db: SqliteDb, bank: BuiltBank, log: Path) -> Kill:
    lock_at = None
    killed = None
    growing = 0
    last_wal = 0
    with _running_import(db, bank, log) as process:
        for seen in _watch(db, process):
            if seen.banks:
                break  # committed already: too late
            grew, last_wal = seen.wal_bytes > last_wal, seen.wal_bytes
            if not seen.locked or seen.banks is None:
                growing = 0
                continue
            lock_at = seen.at if lock_at is None else lock_at
            growing = growing + 1 if grew else 0
            if growing >= GROWING_POLLS and seen.wal_bytes >= KILL_AT_WAL_BYTES:
                os.kill(process.pid, signal.SIGKILL)
                killed = seen
                break
        code = process.wait(timeout=IMPORT_TIMEOUT)
    text = log.read_text(errors="replace")
    if killed is not None:
        assert code == -signal.SIGKILL, f"the import was not killed (exit {code}):\n{text}"
    elif code != 0:
        pytest.fail(f"the import failed by itself ({code}):\n{text}")
    return Kill(killed, lock_at, text)


def _outcome(db: SqliteDb, bank: BuiltBank) -> tuple[str, dict[str, object]]:
    """("absent" | "whole" | "partial", what the file holds), after integrity_check says ok."""
    conn = db.connect()
    try:
        integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        assert integrity == ["ok"], f"PRAGMA integrity_check: {integrity[:20]}"
        foreign = conn.execute("PRAGMA foreign_key_check").fetchall()
        assert not foreign, f"PRAGMA foreign_key_check: {foreign[:20]}"
        counts: dict[str, object] = {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("banks", "facts", "items")
        }
        counts["slugs"] = [r[0] for r in conn.execute("SELECT slug FROM banks")]
    finally:
        conn.close()
    if counts["banks"] == counts["facts"] == counts["items"] == 0:
        return "absent", counts
    if counts == {"banks": 1, "facts": bank.facts, "items": bank.items, "slugs": [bank.slug]}:
        return "whole", counts
    return "partial", counts


@dataclass(frozen=True)
class Completed:
    seconds: float
    """The whole import, interpreter start-up and YAML validation included."""
    lock_at: float | None
    commit_at: float | None
    wal_bytes: int
    """The largest the WAL grew."""
    output: str


def _complete_import(db: SqliteDb, bank: BuiltBank, log: Path) -> Completed:
    """Run the import to completion, watched as the killed one was (for the figures)."""
    lock_at = commit_at = None
    wal_bytes = 0
    last = 0.0
    with _running_import(db, bank, log) as process:
        for seen in _watch(db, process):
            last = seen.at
            wal_bytes = max(wal_bytes, seen.wal_bytes)
            if seen.locked and lock_at is None:
                lock_at = seen.at
            if seen.banks and commit_at is None:
                commit_at = seen.at
        code = process.wait(timeout=IMPORT_TIMEOUT)
    output = log.read_text(errors="replace")
    if code != 0:
        pytest.fail(f"the import failed ({code}):\n{output}")
    return Completed(last, lock_at, commit_at, wal_bytes, output)


def test_import_killed_halfway_leaves_the_bank_absent_and_the_file_sound(
    make_db: Callable[[str], SqliteDb], tmp_path: Path
) -> None:
    tries = []
    for n_facts in BANK_SIZES:
        bank = write_synthetic_bank(tmp_path / f"synthetic-{n_facts}.yaml", n_facts)
        db = make_db(f"crash-{n_facts}")
        kill = _import_and_kill(db, bank, tmp_path / f"killed-{n_facts}.log")
        outcome, counts = _outcome(db, bank)
        assert outcome != "partial", (
            f"{n_facts} facts: the killed import left part of the bank behind: {counts} "
            f"(a complete import has {bank.facts} facts and {bank.items} items); "
            f"last seen before the kill: {kill.seen}\n{kill.log}"
        )
        tries.append(f"{n_facts} facts: {outcome}; last seen before the kill: {kill.seen}")
        if kill.seen is None or outcome == "whole":
            continue  # the kill came too late (the import had committed): a bigger bank
        break
    else:
        pytest.fail("the import committed before the kill every time:\n" + "\n".join(tries))
    assert outcome == "absent"

    # The crashed file takes the same import afterwards, and all of it.
    done = _complete_import(db, bank, tmp_path / f"again-{bank.facts}.log")
    assert f"{bank.slug}: created; {bank.facts} facts added" in done.output, done.output
    outcome, counts = _outcome(db, bank)
    assert outcome == "whole", f"the import after the crash left {counts}"

    seen = kill.seen
    assert seen is not None and kill.lock_at is not None
    held = (done.commit_at or float("nan")) - (done.lock_at or float("nan"))
    print(
        f"\n{bank.facts} facts, {bank.items} items ({bank.path.stat().st_size / 1e6:.1f} MB of "
        f"YAML), try {len(tries)}: killed {seen.at - kill.lock_at:.2f} s after its write "
        f"transaction began, with {seen.wal_bytes / 1e6:.2f} MB of uncommitted WAL; the bank "
        f"was wholly absent and integrity_check said ok.\nThe import run again on the crashed "
        f"file: {done.seconds:.1f} s in all, the write transaction about {held:.1f} s, "
        f"{done.wal_bytes / 1e6:.2f} MB of WAL."
    )

"""Banks in the database: import (create or update, keeping progress) and parsed-bank access."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, insert, select, update

from ..clock import now as clock_now
from ..core import generator
from ..core.bank import load_bank, load_document_text
from ..core.questions import ItemSpec
from ..core.schema import Bank as CoreBank
from ..database import write_transaction
from ..extensions import db
from ..models import AnyBank, Bank, Fact, Item, ItemState

# Fields of a fact that state its answer; editing anything else (wording, explanation, source)
# keeps students' progress, while a change here resets the fact's items.
_NOT_ANSWER = {"source", "explanation", "note", "prompts", "card", "topic"}


class BankConflict(Exception):
    """The bank id is taken by a bank of another owner."""


@dataclass
class ImportResult:
    bank: Bank
    created: bool
    facts_added: list[str] = field(default_factory=list)
    facts_removed: list[str] = field(default_factory=list)
    facts_reset: list[str] = field(default_factory=list)
    items_added: int = 0
    items_retired: int = 0

    def summary(self) -> str:
        verb = "created" if self.created else "updated"
        return (
            f"{self.bank.slug}: {verb}; {len(self.facts_added)} facts added, "
            f"{len(self.facts_removed)} removed, {len(self.facts_reset)} reset (answer changed), "
            f"{self.items_added} items added, {self.items_retired} retired"
        )


def canonical_content(bank: CoreBank) -> dict[str, Any]:
    return bank.model_dump(mode="json")


def content_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def answer_hash(fact_content: dict[str, Any]) -> str:
    core = {k: v for k, v in fact_content.items() if k not in _NOT_ANSWER}
    return hashlib.sha256(json.dumps(core, sort_keys=True).encode()).hexdigest()


def import_bank_file(path: Path, **kwargs: Any) -> ImportResult:
    bank = load_bank(path)
    return import_bank(bank, document_text=load_document_text(bank, path.parent), **kwargs)


def import_bank(
    bank: CoreBank,
    *,
    document_text: str | None = None,
    owner_id: int | None = None,
    status: str = "published",
    is_public: bool = True,
) -> ImportResult:
    """Create the bank or update it in one transaction, keeping progress on unchanged facts.

    Facts are matched by id. A fact whose answer changed has its students' item states
    deleted (the review log stays); facts and items that are gone are retired, not deleted,
    so the log keeps pointing at them.

    On SQLite the write transaction holds the database's only write lock, which every
    student's answer waits for. So all the work that takes time (canonical JSON, hashes,
    item specs, reading the stored rows and working out what differs) happens before it, and
    inside it only the planned bulk statements run.
    """
    now = clock_now()
    content = canonical_content(bank)
    digest = content_hash(content)
    wanted = _WantedRows.of(content["facts"], _mixed_order(generator.item_specs(bank)))
    stored = _read_stored(bank.id)
    _check_owner(stored, bank.id, owner_id)
    plan = _plan(stored, wanted)
    with write_transaction():
        if _read_version(bank.id, lock=True) != stored.version:
            # Another import of this bank committed since the read. Plan again, now that no
            # other can: only the rows are read again (the slow parts stand), and it is rare.
            stored = _read_stored(bank.id)
            _check_owner(stored, bank.id, owner_id)
            plan = _plan(stored, wanted)
        if stored.bank_id is None:
            row = Bank(slug=bank.id, created_at=now, owner_id=owner_id)
            db.session.add(row)
        else:
            row = db.session.get_one(Bank, stored.bank_id)
        row.title = bank.title
        row.description = bank.description
        row.language = bank.language
        row.status = status
        row.is_public = is_public
        row.content = content
        row.content_hash = digest
        row.document_text = document_text
        row.updated_at = now
        db.session.flush()
        _apply(row.id, plan)
        result = ImportResult(
            bank=row,
            created=stored.bank_id is None,
            facts_added=plan.facts_added,
            facts_removed=plan.facts_removed,
            facts_reset=plan.facts_reset,
            items_added=len(plan.new_items),
            items_retired=plan.items_retired,
        )
    forget_parsed(row.id)
    return result


# --- planning an import, outside the write transaction -------------------------------------------

_FACT_COLUMNS = ("kind", "topic", "answer_hash", "position", "active")
_ITEM_COLUMNS = ("fact_id", "template", "type", "position", "active")


@dataclass(frozen=True)
class _WantedRows:
    """The facts and items the bank should have, as column values (fact keys, not ids)."""

    facts: dict[str, dict[str, Any]]
    items: dict[str, dict[str, Any]]

    @classmethod
    def of(cls, fact_contents: list[dict[str, Any]], ordered: list[ItemSpec]) -> _WantedRows:
        facts = {
            data["id"]: {
                "kind": data["kind"],
                "topic": data["topic"],
                "answer_hash": answer_hash(data),
                "position": position,
                "active": True,
            }
            for position, data in enumerate(fact_contents)
        }
        items = {
            spec.id: {
                "fact_key": spec.fact_id,
                "template": spec.template,
                "type": spec.type,
                "position": position,
                "active": True,
            }
            for position, spec in enumerate(ordered)
        }
        return cls(facts, items)


@dataclass(frozen=True)
class _Stored:
    """A bank's row and its facts and items as read before the write transaction."""

    bank_id: int | None
    owner_id: int | None
    version: tuple[Any, ...] | None
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Fact key -> its columns, ``id`` included."""
    items: dict[str, dict[str, Any]] = field(default_factory=dict)


def _read_version(slug: str, *, lock: bool = False) -> tuple[Any, ...] | None:
    """What tells whether the bank changed between two reads: every import sets a new
    content hash or time, and rows are only ever added, so their counts catch the rest.

    ``lock`` holds the bank's row until the transaction ends, so that on PostgreSQL another
    import of it waits (SQLite's write lock does that already); the lock is "no key update",
    which leaves students free to insert rows that refer to the bank.
    """
    query = select(Bank.id, Bank.owner_id, Bank.content_hash, Bank.updated_at).where(
        Bank.slug == slug
    )
    if lock:
        query = query.with_for_update(key_share=True)
    row = db.session.execute(query).one_or_none()
    if row is None:
        return None
    n_facts = db.session.scalar(select(func.count()).where(Fact.bank_id == row.id))
    n_items = db.session.scalar(select(func.count()).where(Item.bank_id == row.id))
    return (*row, n_facts, n_items)


def _read_stored(slug: str) -> _Stored:
    version = _read_version(slug)
    if version is None:
        return _Stored(bank_id=None, owner_id=None, version=None)
    bank_id, owner_id = version[0], version[1]
    facts = db.session.execute(
        select(Fact.id, Fact.key, *(getattr(Fact, c) for c in _FACT_COLUMNS))
        .where(Fact.bank_id == bank_id)
        .order_by(Fact.id)
    ).mappings()
    items = db.session.execute(
        select(Item.id, Item.key, *(getattr(Item, c) for c in _ITEM_COLUMNS))
        .where(Item.bank_id == bank_id)
        .order_by(Item.id)
    ).mappings()
    return _Stored(
        bank_id=bank_id,
        owner_id=owner_id,
        version=version,
        facts={f["key"]: dict(f) for f in facts},
        items={i["key"]: dict(i) for i in items},
    )


def _check_owner(stored: _Stored, slug: str, owner_id: int | None) -> None:
    # Checked again under the write lock (the version includes the owner): two instructors
    # uploading the same new id at once must not have the second overwrite the first's bank.
    if stored.bank_id is not None and stored.owner_id != owner_id:
        raise BankConflict(f"A bank with id '{slug}' already exists; choose another id.")


@dataclass
class _Plan:
    """The statements an import runs, with their parameters ready: rows to insert, rows
    whose columns change (retired ones included), facts whose students' item states go."""

    bank_id: int | None
    """None for a new bank: its rows get its id once it is inserted."""
    new_facts: list[dict[str, Any]] = field(default_factory=list)
    fact_updates: list[dict[str, Any]] = field(default_factory=list)
    reset_fact_ids: list[int] = field(default_factory=list)
    new_items: list[dict[str, Any]] = field(default_factory=list)
    item_updates: list[dict[str, Any]] = field(default_factory=list)
    awaiting_fact: list[tuple[dict[str, Any], str, str]] = field(default_factory=list)
    """Item rows whose fact is new: (row, its parameter for the fact's id, the fact's key)."""
    facts_added: list[str] = field(default_factory=list)
    facts_removed: list[str] = field(default_factory=list)
    facts_reset: list[str] = field(default_factory=list)
    items_retired: int = 0


def _plan(stored: _Stored, wanted: _WantedRows) -> _Plan:
    plan = _Plan(stored.bank_id)
    for key, values in wanted.facts.items():
        old = stored.facts.get(key)
        if old is None:
            plan.new_facts.append({"bank_id": stored.bank_id, "key": key, **values})
            plan.facts_added.append(key)
            continue
        if old["answer_hash"] != values["answer_hash"]:
            plan.reset_fact_ids.append(old["id"])
            plan.facts_reset.append(key)
        if any(old[c] != values[c] for c in _FACT_COLUMNS):
            plan.fact_updates.append(_update_params(old["id"], values, _FACT_COLUMNS))
    for key, old in stored.facts.items():
        if key not in wanted.facts and old["active"]:
            plan.fact_updates.append(
                _update_params(old["id"], {**old, "active": False}, _FACT_COLUMNS)
            )
            plan.facts_removed.append(key)

    fact_ids = {key: f["id"] for key, f in stored.facts.items()}
    for key, values in wanted.items.items():
        fact_id = fact_ids.get(values["fact_key"])
        columns = {**values, "fact_id": fact_id}
        old = stored.items.get(key)
        if old is None:
            row = {"bank_id": stored.bank_id, "key": key, **_pick(columns, _ITEM_COLUMNS)}
            plan.new_items.append(row)
            fact_param = "fact_id"
        elif any(old[c] != columns[c] for c in _ITEM_COLUMNS):
            row = _update_params(old["id"], columns, _ITEM_COLUMNS)
            plan.item_updates.append(row)
            fact_param = "b_fact_id"
        else:
            continue
        if fact_id is None:
            plan.awaiting_fact.append((row, fact_param, values["fact_key"]))
    for key, old in stored.items.items():
        if key not in wanted.items and old["active"]:
            plan.item_updates.append(
                _update_params(old["id"], {**old, "active": False}, _ITEM_COLUMNS)
            )
            plan.items_retired += 1
    return plan


def _pick(values: dict[str, Any], columns: tuple[str, ...]) -> dict[str, Any]:
    return {c: values[c] for c in columns}


def _update_params(row_id: int, values: dict[str, Any], columns: tuple[str, ...]) -> dict[str, Any]:
    """One row's parameters for ``_update_by_id``."""
    return {"b_id": row_id, **{f"b_{c}": values[c] for c in columns}}


# --- applying the plan, inside the write transaction ---------------------------------------------

_CHUNK = 500
"""Ids per ``IN (...)`` list: well under SQLite's and PostgreSQL's limits on parameters."""


def _apply(bank_id: int, plan: _Plan) -> None:
    """Run the plan with one bulk statement per kind of change (executemany), not one ORM
    object per row: the write lock is held for as short a time as the rows allow."""
    facts, items = Fact.__table__, Item.__table__
    if plan.bank_id is None:
        for row in (*plan.new_facts, *plan.new_items):
            row["bank_id"] = bank_id
    if plan.new_facts:
        inserted = db.session.execute(
            insert(facts).returning(facts.c.key, facts.c.id), plan.new_facts
        )
        new_ids = dict(inserted.all())
        for row, fact_param, fact_key in plan.awaiting_fact:
            row[fact_param] = new_ids[fact_key]
    _update_by_id(facts, _FACT_COLUMNS, plan.fact_updates)
    for chunk in _chunks(plan.reset_fact_ids):
        of_facts = select(Item.id).where(Item.fact_id.in_(chunk))
        db.session.execute(delete(ItemState).where(ItemState.item_id.in_(of_facts)))
    if plan.new_items:
        db.session.execute(insert(items), plan.new_items)
    _update_by_id(items, _ITEM_COLUMNS, plan.item_updates)


def _update_by_id(table: Table, columns: tuple[str, ...], params: list[dict[str, Any]]) -> None:
    if not params:
        return
    # Bound names differ from the column names: SQLAlchemy reserves those for SET values.
    statement = (
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values({c: bindparam(f"b_{c}") for c in columns})
    )
    db.session.execute(statement, params)


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _mixed_order(specs: list[ItemSpec]) -> list[ItemSpec]:
    """Items in the order new ones are introduced: fact by fact, in bank order.

    Only one item of a fact is introduced a day (siblings wait), so each fact leads with the
    question type used least by the facts before it. A student's first session then meets
    every type in about equal shares instead of one type twenty times.
    """
    by_fact: dict[str, list[ItemSpec]] = {}
    for spec in specs:
        by_fact.setdefault(spec.fact_id, []).append(spec)
    used: Counter[str] = Counter()
    ordered: list[ItemSpec] = []
    for items in by_fact.values():
        lead = min(items, key=lambda spec: used[spec.type])  # first of the least used type
        used[lead.type] += 1
        ordered += [lead, *(spec for spec in items if spec is not lead)]
    return ordered


# --- parsed banks, cached per process by content hash -------------------------------------------

_parsed: dict[int, tuple[str, CoreBank, Any]] = {}


def parsed_bank(row: AnyBank) -> tuple[CoreBank, Any]:
    """The core Bank and its generator context for a row, parsed once per content version."""
    cached = _parsed.get(row.id)
    if cached is None or cached[0] != row.content_hash:
        if isinstance(row, Bank):
            content, content_hash = row.content, row.content_hash
        else:  # the study pages' copy has no content: read it with the hash it has now
            content, content_hash = db.session.execute(
                select(Bank.content, Bank.content_hash).where(Bank.id == row.id)
            ).one()
        bank = CoreBank.model_validate(content)
        cached = (content_hash, bank, generator.build_context(bank))
        _parsed[row.id] = cached
    return cached[1], cached[2]


def forget_parsed(bank_id: int) -> None:
    _parsed.pop(bank_id, None)

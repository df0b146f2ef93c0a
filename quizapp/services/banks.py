"""Banks in the database: import (create or update, keeping progress) and parsed-bank access."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, update

from ..clock import now as clock_now
from ..core import generator
from ..core.bank import load_bank, load_document_text
from ..core.questions import ItemSpec
from ..core.schema import Bank as CoreBank
from ..database import write_transaction
from ..extensions import db
from ..models import Bank, Fact, Item, ItemState

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
    """
    content = canonical_content(bank)
    now = clock_now()
    specs = generator.item_specs(bank)
    with write_transaction():
        row = db.session.execute(select(Bank).where(Bank.slug == bank.id)).scalar_one_or_none()
        # Checked inside the write transaction: two instructors uploading the same new id at
        # once must not have the second one overwrite the first one's bank.
        if row is not None and row.owner_id != owner_id:
            raise BankConflict(f"A bank with id '{bank.id}' already exists; choose another id.")
        created = row is None
        if row is None:
            row = Bank(slug=bank.id, created_at=now, owner_id=owner_id)
            db.session.add(row)
        row.title = bank.title
        row.description = bank.description
        row.language = bank.language
        row.status = status
        row.is_public = is_public
        row.content = content
        row.content_hash = content_hash(content)
        row.document_text = document_text
        row.updated_at = now
        db.session.flush()
        result = ImportResult(bank=row, created=created)
        facts = _sync_facts(row, content["facts"], result)
        _sync_items(row, facts, specs, result)
    forget_parsed(row.id)
    return result


def _sync_facts(
    row: Bank, fact_contents: list[dict[str, Any]], result: ImportResult
) -> dict[str, Fact]:
    existing = {
        f.key: f for f in db.session.execute(select(Fact).where(Fact.bank_id == row.id)).scalars()
    }
    seen: dict[str, Fact] = {}
    for position, data in enumerate(fact_contents):
        digest = answer_hash(data)
        fact = existing.get(data["id"])
        if fact is None:
            fact = Fact(bank_id=row.id, key=data["id"], answer_hash=digest)
            db.session.add(fact)
            result.facts_added.append(data["id"])
        elif fact.answer_hash != digest:
            item_ids = select(Item.id).where(Item.fact_id == fact.id)
            db.session.execute(delete(ItemState).where(ItemState.item_id.in_(item_ids)))
            fact.answer_hash = digest
            result.facts_reset.append(data["id"])
        fact.kind = data["kind"]
        fact.topic = data["topic"]
        fact.position = position
        fact.active = True
        seen[fact.key] = fact
    for key, fact in existing.items():
        if key not in seen and fact.active:
            fact.active = False
            result.facts_removed.append(key)
    db.session.flush()
    return seen


def _sync_items(
    row: Bank, facts: dict[str, Fact], specs: list[ItemSpec], result: ImportResult
) -> None:
    existing = {
        i.key: i for i in db.session.execute(select(Item).where(Item.bank_id == row.id)).scalars()
    }
    wanted = set()
    for position, spec in enumerate(_mixed_order(specs)):
        wanted.add(spec.id)
        item = existing.get(spec.id)
        if item is None:
            item = Item(bank_id=row.id, key=spec.id, fact_id=facts[spec.fact_id].id)
            db.session.add(item)
            result.items_added += 1
        item.fact_id = facts[spec.fact_id].id
        item.template = spec.template
        item.type = spec.type
        item.position = position
        item.active = True
    retired = [i.id for key, i in existing.items() if key not in wanted and i.active]
    if retired:
        db.session.execute(update(Item).where(Item.id.in_(retired)).values(active=False))
        result.items_retired = len(retired)


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


def parsed_bank(row: Bank) -> tuple[CoreBank, Any]:
    """The core Bank and its generator context for a row, parsed once per content version."""
    cached = _parsed.get(row.id)
    if cached is None or cached[0] != row.content_hash:
        bank = CoreBank.model_validate(row.content)
        cached = (row.content_hash, bank, generator.build_context(bank))
        _parsed[row.id] = cached
    return cached[1], cached[2]


def forget_parsed(bank_id: int) -> None:
    _parsed.pop(bank_id, None)

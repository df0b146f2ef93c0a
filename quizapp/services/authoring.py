"""Instructors' banks: upload, edit in the browser, preview, publish, export, delete.

The rules live here and the views stay thin. A bank is only ever stored valid: every change
(an upload, one fact edited in a form) builds the whole bank's content, validates it with the
loader (``parse_bank``, with the document's text so sources are checked) and then imports it
with ``services.banks.import_bank``, which keeps students' progress on facts whose answer did
not change. Every function that writes opens its own transaction; any refusal raises before
anything is written.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from random import Random
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, select

from ..clock import now as clock_now
from ..core import generator
from ..core.bank import BankError, BankValidationError, dump_bank, parse_bank
from ..core.questions import Question
from ..core.schema import Bank as CoreBank
from ..database import write_transaction
from ..extensions import db
from ..models import AnyUser, Bank, CourseBank, Fact, Item, ItemState, Review, User
from .banks import (
    ImportResult,
    answer_hash,
    canonical_content,
    forget_parsed,
    import_bank,
    parsed_bank,
)

BANK_SUFFIXES = ("yaml", "yml", "json", "csv")
DOCUMENT_SUFFIXES = ("txt", "md")
STALE = (
    "The bank changed since this page was opened (in another tab, or by a re-upload); "
    "nothing was saved. Reload the page and make your change again."
)


STALE_CONFIRM = (
    "The bank changed since this list was made (in another tab, or by another upload). "
    "Check the list again before replacing it."
)


class AuthoringError(Exception):
    """A refusal the instructor reads, saying what to do instead. Nothing was changed."""


class NotFound(AuthoringError):
    pass


class InvalidBank(AuthoringError):
    """The bank (uploaded, or as it would be after an edit) has problems; ``errors`` lists
    every one. ``focus`` is the data path of the part being edited (``facts[3]``), so a view
    can place errors beside the fields of its form."""

    def __init__(self, errors: list[BankError], focus: str = "") -> None:
        self.errors = errors
        self.focus = focus
        super().__init__("\n".join(str(e) for e in errors))


@dataclass(frozen=True)
class FactReset:
    """A fact whose answer changes: the students who studied it start it again."""

    key: str
    kind: str
    summary: str
    students: int


class NeedsConfirmation(AuthoringError):
    """Saving would reset students' progress on these facts; ask first."""

    def __init__(self, resets: list[FactReset]) -> None:
        self.resets = resets
        super().__init__(f"saving resets progress on {len(resets)} facts")


# --- access -----------------------------------------------------------------------------------


def can_manage(user: AnyUser, row: Bank) -> bool:
    return user.role == "admin" or (row.owner_id is not None and row.owner_id == user.id)


def bank_for(user: AnyUser, slug: str) -> Bank:
    """The bank if ``user`` owns it (or is an admin); otherwise NotFound, never a hint that a
    bank of someone else exists under that id."""
    row = db.session.execute(select(Bank).where(Bank.slug == slug)).scalar_one_or_none()
    if row is None or not can_manage(user, row):
        raise NotFound(f"You have no bank '{slug}'.")
    return row


# --- the list of banks ------------------------------------------------------------------------


@dataclass(frozen=True)
class BankRow:
    slug: str
    title: str
    status: str
    is_public: bool
    owner: str | None
    facts: int
    questions: int
    students: int
    classes: int
    updated_at: datetime


def list_banks(user: AnyUser) -> list[BankRow]:
    """The user's banks (an admin: every bank), with their counts, newest change first."""
    where = () if user.role == "admin" else (Bank.owner_id == user.id,)
    return _bank_rows(*where)


def _bank_rows(*where: Any) -> list[BankRow]:
    rows = db.session.execute(
        select(
            Bank.id,
            Bank.slug,
            Bank.title,
            Bank.status,
            Bank.is_public,
            Bank.updated_at,
            User.display_name,
        )
        .outerjoin(User, User.id == Bank.owner_id)
        .where(*where)
        .order_by(Bank.updated_at.desc(), Bank.id.desc())
    ).all()
    ids = [r.id for r in rows]
    facts = _count_by_bank(Fact.bank_id, func.count(), ids, Fact.active.is_(True))
    items = _count_by_bank(Item.bank_id, func.count(), ids, Item.active.is_(True))
    students = _count_by_bank(ItemState.bank_id, func.count(ItemState.user_id.distinct()), ids)
    classes = _count_by_bank(CourseBank.bank_id, func.count(), ids)
    return [
        BankRow(
            slug=r.slug,
            title=r.title,
            status=r.status,
            is_public=r.is_public,
            owner=r.display_name,
            facts=facts.get(r.id, 0),
            questions=items.get(r.id, 0),
            students=students.get(r.id, 0),
            classes=classes.get(r.id, 0),
            updated_at=r.updated_at,
        )
        for r in rows
    ]


def _count_by_bank(column: Any, counted: Any, ids: list[int], *where: Any) -> dict[int, int]:
    if not ids:
        return {}
    query = select(column, counted).where(column.in_(ids), *where).group_by(column)
    return {bank_id: n for bank_id, n in db.session.execute(query).all()}


@dataclass(frozen=True)
class BankOverview:
    row: BankRow
    description: str | None
    source_title: str
    source_url: str | None
    has_document: bool
    topics: list[tuple[str, str, int]]
    """(id, title, facts) per topic."""
    entities: int
    weak: int
    reviews: int


def overview(row: Bank) -> BankOverview:
    bank, ctx = parsed_bank(row)
    counted = _bank_rows(Bank.id == row.id)[0]
    per_topic: dict[str, int] = {}
    for fact in bank.facts:
        per_topic[fact.topic] = per_topic.get(fact.topic, 0) + 1
    reviews = db.session.scalar(
        select(func.count()).select_from(Review).where(Review.bank_id == row.id)
    )
    has_document = bool(
        db.session.scalar(select(Bank.document_text.is_not(None)).where(Bank.id == row.id))
    )
    return BankOverview(
        row=counted,
        description=bank.description,
        source_title=bank.source.title,
        source_url=bank.source.url,
        has_document=has_document,
        topics=[(t.id, t.title, per_topic.get(t.id, 0)) for t in bank.topics],
        entities=len(bank.entities),
        weak=len(generator.weak_items(bank, ctx)),
        reviews=reviews or 0,
    )


# --- upload -----------------------------------------------------------------------------------


def suffix_of(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def decode_document(data: bytes, filename: str) -> str:
    """The document's text from an uploaded file: UTF-8, with Unix line ends."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InvalidBank(
            [
                BankError(
                    filename,
                    "",
                    line,
                    f"the document is not valid UTF-8 (byte {exc.start}); save it as UTF-8 "
                    "and upload it again",
                )
            ]
        ) from None
    return normalise_document(text)


def normalise_document(text: str | None) -> str | None:
    """None for an empty document; otherwise the text without BOM and with ``\\n`` line ends
    (a browser sends a textarea's lines with ``\\r\\n``)."""
    if text is None:
        return None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return text if text.strip() else None


def read_upload(
    filename: str,
    data: bytes,
    document_text: str | None,
    *,
    bank_id: str | None = None,
    title: str | None = None,
) -> CoreBank:
    """The uploaded bank, checked (its sources against ``document_text`` when given).

    YAML and JSON go through the loader; CSV through the interchange reader (a CSV bank quotes
    no document: each row is its own source, so ``document_text`` is not used). Raises
    InvalidBank listing every problem.
    """
    suffix = suffix_of(filename)
    try:
        if suffix == "csv":
            return _read_csv(filename, data, bank_id=bank_id, title=title)
        if suffix in ("yaml", "yml", "json"):
            fmt = "json" if suffix == "json" else "yaml"
            return parse_bank(data, filename=filename, document_text=document_text, fmt=fmt)
    except BankValidationError as exc:
        raise InvalidBank(exc.errors) from None
    raise InvalidBank(
        [
            BankError(
                filename,
                "",
                None,
                f"'.{suffix}' is not a bank file; upload a .yaml, .yml, .json or .csv file"
                if suffix
                else "the file name has no extension; upload a .yaml, .yml, .json or .csv file",
            )
        ]
    )


def _read_csv(filename: str, data: bytes, *, bank_id: str | None, title: str | None) -> CoreBank:
    try:
        from ..interchange.csv_bank import parse_csv
    except ImportError:
        raise BankValidationError(
            [BankError(filename, "", None, "CSV banks cannot be read here yet; upload YAML")]
        ) from None
    return parse_csv(data, filename=filename, bank_id=bank_id or None, title=title or None)


@dataclass(frozen=True)
class UploadPlan:
    bank: CoreBank
    existing: Bank | None
    resets: list[FactReset]
    base_hash: str | None
    """The stored bank's content hash when the plan was made: a confirmation carries it, and
    is refused if the bank changed in between."""


def conflict_message(bank_id: str, csv: bool = False) -> str:
    where = "change the bank id" if csv else "change `id:` in the file"
    return f"A bank with id '{bank_id}' already exists; {where}"


def plan_upload(
    user: AnyUser, bank: CoreBank, *, filename: str = "", csv: bool = False
) -> UploadPlan:
    """What importing ``bank`` would do: create, or update the user's own bank of that id
    (listing the facts whose students' progress would be reset). Refuses a bank id that
    belongs to someone else's bank."""
    row = db.session.execute(select(Bank).where(Bank.slug == bank.id)).scalar_one_or_none()
    if row is not None and not can_manage(user, row):
        raise InvalidBank([BankError(filename, "id", None, conflict_message(bank.id, csv))])
    resets = progress_resets(row, bank) if row is not None else []
    return UploadPlan(
        bank=bank,
        existing=row,
        resets=resets,
        base_hash=row.content_hash if row is not None else None,
    )


def apply_upload(user: AnyUser, plan: UploadPlan, document_text: str | None) -> ImportResult:
    """Import a planned upload: a new bank is a class-only draft owned by ``user``; an
    existing one keeps its owner, status and visibility (re-uploading is editing)."""
    existing = plan.existing
    if existing is not None and existing.content_hash != plan.base_hash:
        raise AuthoringError(STALE)
    return import_bank(
        plan.bank,
        document_text=document_text,
        owner_id=existing.owner_id if existing is not None else user.id,
        status=existing.status if existing is not None else "draft",
        is_public=existing.is_public if existing is not None else False,
    )


def pending_text(bank: CoreBank) -> str:
    """The bank as YAML, carried by the confirmation page until the instructor confirms."""
    return dump_bank(bank)


def read_pending(text: str, document_text: str | None) -> CoreBank:
    """A bank carried by the confirmation page, validated again (it came back from the
    browser, so it is an upload like any other)."""
    try:
        return parse_bank(
            text.replace("\r\n", "\n"),
            filename="the bank to import",
            document_text=document_text,
            fmt="yaml",
        )
    except BankValidationError as exc:
        raise InvalidBank(exc.errors) from None


# --- progress that changes would reset --------------------------------------------------------


def progress_resets(row: Bank, bank: CoreBank, keys: set[str] | None = None) -> list[FactReset]:
    """Facts of ``bank`` whose answer differs from the stored fact of the same id and that
    students have progress on (item states), in bank order."""
    stored = {
        key: digest
        for key, digest in db.session.execute(
            select(Fact.key, Fact.answer_hash).where(Fact.bank_id == row.id)
        ).all()
    }
    content = canonical_content(bank)["facts"]
    changed = [
        (i, data["id"])
        for i, data in enumerate(content)
        if data["id"] in stored
        and stored[data["id"]] != answer_hash(data)
        and (keys is None or data["id"] in keys)
    ]
    if not changed:
        return []
    students = students_per_fact(row, [key for _, key in changed])
    ctx = None
    out = []
    for i, key in changed:
        if not students.get(key):
            continue
        if ctx is None:
            ctx = generator.build_context(bank)
        out.append(
            FactReset(
                key=key,
                kind=bank.facts[i].kind,
                summary=fact_summary(bank.facts[i], ctx),
                students=students[key],
            )
        )
    return out


def students_per_fact(row: Bank, keys: list[str]) -> dict[str, int]:
    """Distinct students with item states on each fact (by fact id)."""
    if not keys:
        return {}
    query = (
        select(Fact.key, func.count(ItemState.user_id.distinct()))
        .join(Item, Item.fact_id == Fact.id)
        .join(ItemState, ItemState.item_id == Item.id)
        .where(Fact.bank_id == row.id, Fact.key.in_(keys))
        .group_by(Fact.key)
    )
    return {key: n for key, n in db.session.execute(query).all()}


def fact_summary(fact: Any, ctx: Any) -> str:
    from ..core.templates import describe

    try:
        return describe(fact, ctx)
    except Exception:  # a summary is a courtesy: never let it break a page
        return fact.id


# --- editing in the browser -------------------------------------------------------------------


def content_of(row: Bank) -> dict[str, Any]:
    """A private copy of the bank's content, to edit."""
    return copy.deepcopy(row.content)


def document_of(row: Bank) -> str | None:
    return db.session.scalar(select(Bank.document_text).where(Bank.id == row.id))


def validate_content(
    content: dict[str, Any], document_text: str | None, focus: str = ""
) -> CoreBank:
    """Check a whole bank's content as the loader checks a file; InvalidBank otherwise."""
    text = json.dumps(content, ensure_ascii=False, allow_nan=False)
    try:
        return parse_bank(text, filename="the bank", document_text=document_text, fmt="json")
    except BankValidationError as exc:
        # The JSON is one line: line numbers would say nothing.
        raise InvalidBank([replace(e, line=None) for e in exc.errors], focus) from None


def save_content(
    user: AnyUser,
    row: Bank,
    content: dict[str, Any],
    *,
    document_text: str | None,
    base_hash: str | None,
    confirm_reset: bool = False,
    focus: str = "",
    reset_keys: set[str] | None = None,
) -> ImportResult:
    """Validate the edited content and import it, keeping the bank's owner, status and
    visibility. Refuses when the bank changed since the form was opened (``base_hash``), and
    asks (NeedsConfirmation) before resetting students' progress unless ``confirm_reset``."""
    if not can_manage(user, row):
        raise NotFound(f"You have no bank '{row.slug}'.")
    if base_hash and base_hash != row.content_hash:
        raise AuthoringError(STALE)
    if content.get("id") != row.slug:
        raise AuthoringError("A bank's id cannot be changed; create a new bank instead.")
    bank = validate_content(content, document_text, focus)
    resets = progress_resets(row, bank, reset_keys)
    if resets and not confirm_reset:
        raise NeedsConfirmation(resets)
    return import_bank(
        bank,
        document_text=document_text,
        owner_id=row.owner_id,
        status=row.status,
        is_public=row.is_public,
    )


def _put_part(
    parts: list[dict[str, Any]], key: str | None, values: dict[str, Any], noun: str
) -> int:
    """Append ``values`` (``key`` None) or merge them into the part with id ``key``, which
    keeps its id and the fields the form does not edit. Returns the part's index."""
    if key is None:
        parts.append(values)
        return len(parts) - 1
    index = _index(parts, key)
    if index is None:
        raise NotFound(f"There is no {noun} '{key}' in this bank.")
    parts[index] = {**parts[index], **values, "id": key}
    return index


def _index(items: list[dict[str, Any]], key: str) -> int | None:
    return next((i for i, item in enumerate(items) if item.get("id") == key), None)


def fact_content(row: Bank, key: str) -> dict[str, Any]:
    facts = row.content["facts"]
    i = _index(facts, key)
    if i is None:
        raise NotFound(f"There is no fact '{key}' in this bank.")
    return copy.deepcopy(facts[i])


def entity_content(row: Bank, key: str) -> dict[str, Any]:
    entities = row.content.get("entities") or []
    i = _index(entities, key)
    if i is None:
        raise NotFound(f"There is no entity '{key}' in this bank.")
    return copy.deepcopy(entities[i])


def save_fact(
    user: AnyUser,
    row: Bank,
    key: str | None,
    values: dict[str, Any],
    *,
    base_hash: str | None,
    confirm_reset: bool = False,
) -> ImportResult:
    """Add a fact (``key`` None) or replace the fields a form edits on fact ``key``, keeping
    the fields it does not edit (such as reworded prompts). The fact keeps its id."""
    content = content_of(row)
    index = _put_part(content["facts"], key, values, "fact")
    return save_content(
        user,
        row,
        content,
        document_text=document_of(row),
        base_hash=base_hash,
        confirm_reset=confirm_reset,
        focus=f"facts[{index}]",
        reset_keys={key} if key is not None else set(),
    )


def delete_fact(user: AnyUser, row: Bank, key: str, *, base_hash: str | None) -> ImportResult:
    """Remove a fact. Its items are retired, not deleted: the review log keeps pointing at
    them, and students' progress comes back if a fact of that id is added again."""
    content = content_of(row)
    index = _index(content["facts"], key)
    if index is None:
        raise NotFound(f"There is no fact '{key}' in this bank.")
    if len(content["facts"]) == 1:
        raise AuthoringError(
            "A bank needs at least one fact: add another fact before deleting this one."
        )
    del content["facts"][index]
    return save_content(
        user, row, content, document_text=document_of(row), base_hash=base_hash, confirm_reset=True
    )


def save_entity(
    user: AnyUser, row: Bank, key: str | None, values: dict[str, Any], *, base_hash: str | None
) -> ImportResult:
    """Add an entity (``key`` None) or replace the fields a form edits on entity ``key``."""
    content = content_of(row)
    index = _put_part(content.setdefault("entities", []), key, values, "entity")
    return save_content(
        user,
        row,
        content,
        document_text=document_of(row),
        base_hash=base_hash,
        focus=f"entities[{index}]",
    )


def delete_entity(user: AnyUser, row: Bank, key: str, *, base_hash: str | None) -> ImportResult:
    """Remove an entity; refused (InvalidBank naming the facts) while facts refer to it."""
    content = content_of(row)
    entities = content.get("entities") or []
    index = _index(entities, key)
    if index is None:
        raise NotFound(f"There is no entity '{key}' in this bank.")
    del entities[index]
    return save_content(user, row, content, document_text=document_of(row), base_hash=base_hash)


def save_details(
    user: AnyUser,
    row: Bank,
    values: dict[str, Any],
    *,
    document_text: str | None,
    base_hash: str | None,
) -> ImportResult:
    """Replace the bank's metadata, topics and document text; entities and facts stay."""
    content = content_of(row)
    content.update(values)
    return save_content(
        user, row, content, document_text=document_text, base_hash=base_hash, focus=""
    )


def create_bank(
    user: AnyUser, content: dict[str, Any], *, document_text: str | None
) -> ImportResult:
    """A new bank from the browser: a class-only draft owned by ``user``."""
    slug = content.get("id")
    if isinstance(slug, str) and slug:
        row = db.session.execute(select(Bank).where(Bank.slug == slug)).scalar_one_or_none()
        if row is not None:
            mine = row.owner_id == user.id
            raise InvalidBank(
                [
                    BankError(
                        "",
                        "id",
                        None,
                        f"You already have a bank with id '{slug}'; choose another id, or edit "
                        "that bank"
                        if mine
                        else f"A bank with id '{slug}' already exists; choose another id",
                    )
                ]
            )
    bank = validate_content(content, document_text)
    return import_bank(
        bank, document_text=document_text, owner_id=user.id, status="draft", is_public=False
    )


def describe_path(content: dict[str, Any], path: str) -> str:
    """``facts[3].date`` as ``fact 'apollo-11' (facts[3]), date``, for messages."""
    m = re.match(r"(facts|entities|topics)\[(\d+)\](.*)", path)
    if not m:
        return path
    section, index, rest = m.group(1), int(m.group(2)), m.group(3).lstrip(".")
    items = content.get(section) or []
    noun = {"facts": "fact", "entities": "entity", "topics": "topic"}[section]
    item_id = items[index].get("id") if index < len(items) else None
    name = f"{noun} '{item_id}'" if isinstance(item_id, str) else f"{noun} {index + 1}"
    return f"{name}, {rest}" if rest else name


# --- publishing and deleting ------------------------------------------------------------------


def set_status(user: AnyUser, row: Bank, status: str) -> None:
    if status not in ("draft", "published"):
        raise AuthoringError(f"Unknown status '{status}'.")
    with write_transaction():
        row.status = status
        row.updated_at = clock_now()


def set_public(user: AnyUser, row: Bank, public: bool) -> None:
    with write_transaction():
        row.is_public = public
        row.updated_at = clock_now()


def delete_bank(user: AnyUser, row: Bank) -> str:
    """Delete a bank nobody has reviewed, with its facts, items and states. Returns its
    title. A bank with reviews is refused: its students' history would go with it."""
    bank_id, title = row.id, row.title
    with write_transaction():
        reviewed = db.session.scalar(
            select(func.count()).select_from(Review).where(Review.bank_id == bank_id)
        )
        if reviewed:
            raise AuthoringError(
                f"Students have answered {reviewed} questions of this bank, so it cannot be "
                "deleted: their review history would be lost. Unpublish it instead; students "
                "then no longer see it."
            )
        db.session.execute(delete(Bank).where(Bank.id == bank_id))
    forget_parsed(bank_id)
    return title


# --- preview ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviewQuestion:
    item_id: str
    template: str
    type: str
    question: Question | None
    problem: str | None = None


@dataclass
class PreviewFact:
    key: str
    kind: str
    topic: str
    summary: str
    source: str
    explanation: str | None
    note: str | None
    questions: list[PreviewQuestion] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    """(template id, reason) for templates left out of this fact's questions."""


@dataclass(frozen=True)
class PreviewTopic:
    id: str
    title: str
    facts: list[PreviewFact]


@dataclass(frozen=True)
class PreviewView:
    topics: list[PreviewTopic]
    all_topics: list[tuple[str, str, int]]
    warnings: list[tuple[str, str, str]]
    """(fact id, template id, reason) for the facts shown."""
    questions: int
    seed: int


QUESTION_TYPE_LABELS = {
    "single_choice": "Single choice",
    "multiple_choice": "Select all that apply",
    "ordering": "Ordering",
    "flashcard": "Flashcard",
}


def preview(row: Bank, seed: int, topic: str | None = None) -> PreviewView:
    """Every question the bank generates, fact by fact and topic by topic, drawn with
    ``seed`` (each item from its own generator, so one item's draw does not shift the
    others'), and the weak spots the generator found."""
    bank, ctx = parsed_bank(row)
    n_options = int(current_app.config.get("QUESTION_OPTIONS", 4))
    facts: dict[str, PreviewFact] = {
        f.id: PreviewFact(
            key=f.id,
            kind=f.kind,
            topic=f.topic,
            summary=fact_summary(f, ctx),
            source=f.source,
            explanation=f.explanation,
            note=f.note,
        )
        for f in bank.facts
        if topic is None or f.topic == topic
    }
    total = 0
    for spec in generator.item_specs(bank, ctx):
        entry = facts.get(spec.fact_id)
        if entry is None:
            continue
        total += 1
        rng = Random(f"{seed}:{spec.id}")
        try:
            q = generator.render_item(bank, spec.id, rng, n_options=n_options, ctx=ctx)
        except Exception as exc:  # show the failure on the page rather than fail it
            current_app.logger.exception("preview of %s failed", spec.id)
            entry.questions.append(
                PreviewQuestion(spec.id, spec.template, spec.type, None, f"cannot render: {exc}")
            )
            continue
        entry.questions.append(PreviewQuestion(spec.id, spec.template, spec.type, q))
    warnings = []
    for item_id, reason in generator.weak_items(bank, ctx):
        template, _, fact_id = item_id.partition(":")
        if fact_id in facts:  # the shown facts only (one topic, when filtered)
            warnings.append((fact_id, template, reason))
            facts[fact_id].warnings.append((template, reason))
    per_topic: dict[str, int] = {}
    for f in bank.facts:
        per_topic[f.topic] = per_topic.get(f.topic, 0) + 1
    topics = [
        PreviewTopic(t.id, t.title, [f for f in facts.values() if f.topic == t.id])
        for t in bank.topics
        if topic is None or t.id == topic
    ]
    return PreviewView(
        topics=[t for t in topics if t.facts],
        all_topics=[(t.id, t.title, per_topic.get(t.id, 0)) for t in bank.topics],
        warnings=warnings,
        questions=total,
        seed=seed,
    )


@dataclass(frozen=True)
class FactListEntry:
    key: str
    kind: str
    summary: str
    questions: int
    warnings: int


def facts_by_topic(row: Bank) -> list[tuple[str, str, list[FactListEntry]]]:
    """(topic id, title, facts) for the facts page, in bank order."""
    bank, ctx = parsed_bank(row)
    per_fact: dict[str, int] = {}
    for spec in generator.item_specs(bank, ctx):
        per_fact[spec.fact_id] = per_fact.get(spec.fact_id, 0) + 1
    weak: dict[str, int] = {}
    for item_id, _ in generator.weak_items(bank, ctx):
        fact_id = item_id.partition(":")[2]
        weak[fact_id] = weak.get(fact_id, 0) + 1
    out = []
    for t in bank.topics:
        entries = [
            FactListEntry(
                key=f.id,
                kind=f.kind,
                summary=fact_summary(f, ctx),
                questions=per_fact.get(f.id, 0),
                warnings=weak.get(f.id, 0),
            )
            for f in bank.facts
            if f.topic == t.id
        ]
        out.append((t.id, t.title, entries))
    return out


def entity_uses(row: Bank) -> dict[str, int]:
    """How many facts name each entity."""
    from ..core.bank import ENTITY_REF_FIELDS

    uses: dict[str, int] = {}
    for fact in row.content["facts"]:
        named: set[str] = set()
        for name in ENTITY_REF_FIELDS:
            value = fact.get(name)
            if isinstance(value, str):
                named.add(value)
            elif isinstance(value, list):
                named.update(v for v in value if isinstance(v, str))
        named.update(m.get("entity") for m in fact.get("members") or [] if m.get("entity"))
        for entity_id in named:
            uses[entity_id] = uses.get(entity_id, 0) + 1
    return uses


# --- export -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportFormat:
    name: str
    label: str
    description: str


EXPORT_LABELS = {
    "yaml": "YAML bank",
    "apkg": "Anki deck (.apkg)",
    "moodlexml": "Moodle XML",
    "gift": "GIFT (Moodle)",
}


def _exporters() -> dict[str, Any]:
    try:
        from ..interchange import EXPORTERS
    except ImportError:
        return {}
    return dict(EXPORTERS)


def export_formats() -> list[ExportFormat]:
    return [
        ExportFormat(name, EXPORT_LABELS.get(name, name), str(getattr(e, "description", "")))
        for name, e in _exporters().items()
    ]


@dataclass(frozen=True)
class ExportFile:
    data: bytes
    mimetype: str
    filename: str


def export_bank(row: Bank, fmt: str, seed: int = 0) -> ExportFile:
    exporter = _exporters().get(fmt)
    if exporter is None:
        raise NotFound(f"There is no export format '{fmt}'.")
    bank, _ = parsed_bank(row)
    suffix = str(exporter.suffix)
    if not suffix.startswith("."):
        suffix = "." + suffix
    return ExportFile(
        data=exporter.export(bank, Random(seed)),
        mimetype=str(exporter.mimetype),
        filename=f"{row.slug}{suffix}",
    )

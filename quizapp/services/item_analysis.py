"""Item analysis of one bank, for its owner: gathers the attempts and the showings, and leaves
the figures to ``core.item_analysis``. Reads only: no transaction is opened.

What counts as an attempt:

- each submitted drill, over its questions of this bank (a drill that mixes banks gives each
  bank an attempt of its own questions); a question left unanswered scores its stored score,
  or 0 when none was stored;
- each student's first reviews of the bank's items (``Review.was_new``), one attempt per
  student, scored by the grade of the answered Presentation (0..1 with partial credit); a
  flashcard, self-assessed and ungraded, scores 1 when rated right. When a reset of the fact
  gave an item a second first review, the latest counts: it asked the current version.

Left out: drills not yet submitted; the bank owner's own drills and reviews (the author knows
the answers); first reviews that a drill recorded (the drill's attempt holds them already).

The same showings give the distractor pick rates. A fact's figures take the questions of the
items built on it (an item's own fact, not the facts it merely draws options from).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import exists, select, true

from ..core import item_analysis as core
from ..core.item_analysis import Showing, UnitStats
from ..extensions import db
from ..models import Bank, Drill, DrillQuestion, Fact, Item, Presentation, Review
from .authoring import QUESTION_TYPE_LABELS, fact_summary
from .banks import parsed_bank

SORTS = {
    "bank": "Bank order",
    "facility": "Facility, lowest first",
    "discrimination": "Discrimination, lowest first",
    "n": "Attempts, most first",
}
FILTERS = {
    "all": "Everything",
    "flagged": "Anything flagged",
    **{flag: label[0].upper() + label[1:] for flag, label in core.FLAG_LABELS.items()},
}


@dataclass(frozen=True)
class ItemRow:
    key: str
    prompt: str
    topic: str
    type_label: str
    fact: str
    in_bank: bool
    """False when the item was deleted or deactivated since it was answered."""
    position: tuple[int, int]
    """The fact's place in the bank, then the item's: a fact's questions stay together."""
    stats: UnitStats


@dataclass(frozen=True)
class FactRow:
    key: str
    summary: str
    topic: str
    position: int
    stats: UnitStats


@dataclass(frozen=True)
class Analysis:
    drills: int
    students: int
    """Students whose first reviews form an attempt."""
    items: list[ItemRow]
    facts: list[FactRow]

    @property
    def attempts(self) -> int:
        return self.drills + self.students


@dataclass
class _Gathered:
    attempts: list[dict[str, float]] = field(default_factory=list)
    showings: list[Showing] = field(default_factory=list)
    # Per item, one question it was shown as (the last gathered): its prompt names the row.
    shown_as: dict[str, dict[str, Any]] = field(default_factory=dict)
    drills: int = 0
    students: int = 0


def analysis_of(bank: Bank) -> Analysis:
    items = db.session.execute(
        select(Item, Fact).join(Fact, Fact.id == Item.fact_id).where(Item.bank_id == bank.id)
    ).all()
    by_id = {item.id: (item, fact) for item, fact in items}
    gathered = _Gathered()
    _gather_drills(bank, by_id, gathered)
    _gather_first_reviews(bank, by_id, gathered)
    item_stats = core.analyse(gathered.attempts, gathered.showings)
    fact_of = {item.key: fact.key for item, fact in items}
    fact_stats = core.analyse(gathered.attempts, gathered.showings, group_of=fact_of)
    return Analysis(
        drills=gathered.drills,
        students=gathered.students,
        items=_item_rows(bank, items, item_stats, gathered.shown_as),
        facts=_fact_rows(bank, items, fact_stats),
    )


def _not_by_owner(user_id: Any, bank: Bank) -> Any:
    # "user_id != NULL" is NULL in SQL and would drop every row; an ownerless bank excludes no one.
    return true() if bank.owner_id is None else user_id != bank.owner_id


def _gather_drills(bank: Bank, by_id: dict[int, tuple[Item, Fact]], out: _Gathered) -> None:
    rows = db.session.execute(
        select(DrillQuestion.drill_id, DrillQuestion.item_id, DrillQuestion.question)
        .add_columns(DrillQuestion.answer, DrillQuestion.score)
        .join(Drill, Drill.id == DrillQuestion.drill_id)
        .where(
            DrillQuestion.bank_id == bank.id,
            Drill.submitted_at.is_not(None),
            _not_by_owner(Drill.user_id, bank),
        )
        .order_by(Drill.submitted_at, Drill.id, DrillQuestion.position)
    ).all()
    per_drill: dict[int, list[tuple[str, float]]] = defaultdict(list)
    for drill_id, item_id, question, answer, score in rows:
        if item_id not in by_id:
            continue
        key = by_id[item_id][0].key
        per_drill[drill_id].append((key, score or 0.0))
        _add_showing(out, key, question, answer)
    out.attempts.extend(_mean_per_item(scores) for scores in per_drill.values())
    out.drills = len(per_drill)


def _gather_first_reviews(bank: Bank, by_id: dict[int, tuple[Item, Fact]], out: _Gathered) -> None:
    recorded_by_drill = exists().where(DrillQuestion.review_id == Review.id)
    rows = db.session.execute(
        select(Review.user_id, Review.item_id, Review.correct)
        .add_columns(Presentation.question, Presentation.answer, Presentation.grade)
        .join(Presentation, Presentation.id == Review.presentation_id)
        .where(
            Review.bank_id == bank.id,
            Review.was_new.is_(True),
            ~recorded_by_drill,
            _not_by_owner(Review.user_id, bank),
        )
        .order_by(Review.user_id, Review.answered_at, Review.id)
    ).all()
    latest: dict[int, dict[int, tuple[Any, ...]]] = defaultdict(dict)
    for user_id, item_id, *rest in rows:
        if item_id in by_id:
            latest[user_id][item_id] = tuple(rest)
    for per_item in latest.values():
        attempt = {}
        for item_id, (correct, question, answer, grade) in per_item.items():
            key = by_id[item_id][0].key
            attempt[key] = _graded_score(grade, correct)
            _add_showing(out, key, question, answer)
        out.attempts.append(attempt)
    out.students = len(latest)


def _graded_score(grade: dict[str, Any] | None, correct: bool) -> float:
    if grade and grade.get("score") is not None:
        return float(grade["score"])
    return 1.0 if correct else 0.0


def _mean_per_item(scores: list[tuple[str, float]]) -> dict[str, float]:
    # A drill that drew one item twice gives that item its mean score.
    by_key: dict[str, list[float]] = defaultdict(list)
    for key, score in scores:
        by_key[key].append(score)
    return {key: sum(values) / len(values) for key, values in by_key.items()}


def _add_showing(
    out: _Gathered, key: str, question: dict[str, Any], answer: list[str] | None
) -> None:
    out.showings.append(
        Showing(
            item=key,
            options=tuple(question.get("options") or ()),
            keys=tuple(question.get("answer") or ()),
            # An empty answer (a drill question cleared again) picked nothing: unanswered.
            picked=tuple(answer) if answer else None,
        )
    )
    out.shown_as[key] = question


def _item_rows(
    bank: Bank,
    items: Iterable[Any],
    stats: dict[str, UnitStats],
    questions: dict[str, dict[str, Any]],
) -> list[ItemRow]:
    titles = _topic_titles(bank)
    rows = []
    for item, fact in items:
        if item.key not in stats:
            continue
        question = questions.get(item.key, {})
        rows.append(
            ItemRow(
                key=item.key,
                prompt=str(question.get("prompt") or item.key),
                topic=titles.get(fact.topic, fact.topic),
                type_label=QUESTION_TYPE_LABELS.get(item.type, item.type),
                fact=fact.key,
                in_bank=item.active and fact.active,
                position=(fact.position, item.position),
                stats=stats[item.key],
            )
        )
    return sorted(rows, key=lambda r: r.position)


def _fact_rows(bank: Bank, items: Iterable[Any], stats: dict[str, UnitStats]) -> list[FactRow]:
    titles = _topic_titles(bank)
    summaries = _fact_summaries(bank)
    facts = {fact.key: fact for _, fact in items}
    rows = [
        FactRow(
            key=key,
            summary=summaries.get(key, ""),
            topic=titles.get(fact.topic, fact.topic),
            position=fact.position,
            stats=stats[key],
        )
        for key, fact in facts.items()
        if key in stats
    ]
    return sorted(rows, key=lambda r: r.position)


def _topic_titles(bank: Bank) -> dict[str, str]:
    core_bank, _ = parsed_bank(bank)
    return {t.id: t.title for t in core_bank.topics}


def _fact_summaries(bank: Bank) -> dict[str, str]:
    core_bank, ctx = parsed_bank(bank)
    return {f.id: fact_summary(f, ctx) for f in core_bank.facts}


# --- filtering and sorting, for the page ---------------------------------------------------------


Row = TypeVar("Row", ItemRow, FactRow)


def arrange(rows: list[Row], flag: str, sort: str) -> list[Row]:
    """The rows that carry ``flag`` ("all", "flagged" or a flag name), in ``sort`` order.

    Raises ValueError for an unknown flag or sort.
    """
    if flag not in FILTERS:
        raise ValueError(f"unknown filter {flag!r}")
    if sort not in SORTS:
        raise ValueError(f"unknown order {sort!r}")
    kept = [r for r in rows if _keeps(flag, r.stats)]
    return sorted(kept, key=_SORT_KEYS[sort])


def _keeps(flag: str, stats: UnitStats) -> bool:
    if flag == "all":
        return True
    if flag == "flagged":
        return bool(stats.flags)
    return flag in stats.flags


def _missing_last(value: float | None) -> tuple[bool, float]:
    # An undefined figure says nothing about the question, so it goes after every figure.
    return (value is None, value or 0.0)


_SORT_KEYS: dict[str, Callable[[Any], Any]] = {
    "bank": lambda r: r.position,
    "facility": lambda r: (_missing_last(r.stats.facility), r.position),
    "discrimination": lambda r: (_missing_last(r.stats.discrimination), r.position),
    "n": lambda r: (-r.stats.n, r.position),
}

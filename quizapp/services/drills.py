"""Drills: self-assessment tests drawn from the banks a student can study.

A drill is drawn once (each question stored exactly as shown), answered and re-answered
until it is submitted, then graded once. A timed drill past its deadline is submitted by
whichever request reaches it first, so it ends even when the browser was closed. Submitting
records reviews only when the student asked for it; otherwise the schedule is left alone.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from random import Random
from typing import Any

from flask import current_app
from fsrs import Rating
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select

from ..core import drills as core
from ..core.grading import FLASHCARD_ANSWERS, Grade
from ..core.questions import QUESTION_TYPES, Question
from ..database import write_transaction
from ..extensions import db
from ..models import (
    AnyUser,
    Bank,
    Drill,
    DrillQuestion,
    Fact,
    Item,
    ItemState,
    Presentation,
    Review,
)
from . import study
from .authoring import QUESTION_TYPE_LABELS
from .banks import parsed_bank

COUNTS = (10, 20, 50)
"""The drill sizes offered, besides "all" (None)."""
DEFAULT_TYPES = ("single_choice", "multiple_choice", "ordering")
LAYOUTS = {"paged": "One question per page", "single": "All on one page"}
MAX_TIME_LIMIT_MIN = 180
PAGE_TOKEN_MAX_AGE = timedelta(days=1)

Problems = dict[str | None, str]
"""Messages by form field; None for the form as a whole."""


class DrillError(Exception):
    """Something the student should be told, with what to do next."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DrillError):
    pass


class Closed(DrillError):
    """The drill takes no more answers: it was submitted, or its time ran out."""


class InvalidRequest(DrillError):
    """What is wrong with a new drill's settings."""

    def __init__(self, problems: Problems) -> None:
        super().__init__(" ".join(problems.values()))
        self.problems = problems


# --- what a drill can be made of -----------------------------------------------------------------


@dataclass(frozen=True)
class TopicOption:
    value: str
    """``"<bank slug>:<topic id>"``"""
    title: str


@dataclass(frozen=True)
class BankOption:
    slug: str
    title: str
    topics: tuple[TopicOption, ...]


def bank_options(user: AnyUser) -> list[BankOption]:
    """The banks the user can study, each with its topics."""
    rows = db.session.execute(study.visible_banks_query(user).order_by(Bank.title)).scalars()
    options = []
    for row in rows:
        core_bank, _ = parsed_bank(row)
        topics = tuple(TopicOption(f"{row.slug}:{t.id}", t.title) for t in core_bank.topics)
        options.append(BankOption(row.slug, row.title, topics))
    return options


@dataclass(frozen=True)
class DrillRequest:
    banks: tuple[str, ...]
    topics: tuple[str, ...] = ()
    """None ticked means every topic of the chosen banks."""
    types: tuple[str, ...] = DEFAULT_TYPES
    count: int | None = COUNTS[0]
    """None: every matching question."""
    time_limit_min: int | None = None
    wrong_only: bool = False
    due_only: bool = False
    layout: str = "paged"
    count_as_reviews: bool = False


# --- creating a drill ----------------------------------------------------------------------------


def create(user: AnyUser, request: DrillRequest, now: datetime, rng: Random | None = None) -> Drill:
    """Draw a new drill, or raise InvalidRequest saying which settings to change."""
    rng = rng or Random(secrets.randbits(64))
    banks, topics, found = _checked(user, request)
    if found:
        raise InvalidRequest(found)
    candidates = _candidates(user, banks, topics, request, now)
    if not candidates:
        raise InvalidRequest(
            {
                None: f"No questions match: {_describe(request, banks)} — untick a filter or "
                "choose another bank."
            }
        )
    chosen = core.choose(candidates, request.count, rng)
    items = _items_by_id([c.item_id for c in chosen])
    settings = {
        "banks": [b.slug for b in banks],
        "topics": list(request.topics),
        "types": list(request.types),
        "count": request.count if request.count is not None else "all",
        "time_limit_min": request.time_limit_min,
        "wrong_only": request.wrong_only,
        "due_only": request.due_only,
    }
    return _draw(
        user,
        [items[c.item_id] for c in chosen],
        settings=settings,
        layout=request.layout,
        count_as_reviews=request.count_as_reviews,
        time_limit_s=request.time_limit_min * 60 if request.time_limit_min else None,
        now=now,
        rng=rng,
    )


def problems(user: AnyUser, request: DrillRequest) -> Problems:
    """What is wrong with the settings, without drawing anything."""
    return _checked(user, request)[2]


def _checked(
    user: AnyUser, request: DrillRequest
) -> tuple[list[Bank], set[tuple[int, str]] | None, Problems]:
    """The chosen banks and topics, and what is wrong with the settings."""
    found = _setting_problems(request)
    banks = _chosen_banks(user, request.banks, found)
    return banks, _chosen_topics(banks, request.topics, found), found


def _setting_problems(request: DrillRequest) -> Problems:
    problems: Problems = {}
    if not request.types:
        problems["types"] = "Choose at least one question type."
    elif unknown := [t for t in request.types if t not in QUESTION_TYPES]:
        problems["types"] = f"“{unknown[0]}” is not a question type; choose from the list."
    if request.count is not None and request.count not in COUNTS:
        problems["count"] = "Choose 10, 20, 50 or all questions."
    limit = request.time_limit_min
    if limit is not None and not 1 <= limit <= MAX_TIME_LIMIT_MIN:
        problems["time_limit"] = (
            f"Enter a time limit from 1 to {MAX_TIME_LIMIT_MIN} minutes, or leave it empty for "
            "no limit."
        )
    if request.layout not in LAYOUTS:
        problems["layout"] = "Choose one question per page or all on one page."
    return problems


def _chosen_banks(user: AnyUser, slugs: tuple[str, ...], problems: Problems) -> list[Bank]:
    if not slugs:
        problems["banks"] = "Choose at least one bank."
        return []
    banks = (
        db.session.execute(study.visible_banks_query(user).where(Bank.slug.in_(slugs)))
        .scalars()
        .all()
    )
    found = {b.slug for b in banks}
    if missing := [s for s in slugs if s not in found]:
        problems["banks"] = (
            f"There is no bank “{missing[0]}” that you can study; choose from the list."
        )
    return sorted(banks, key=lambda b: b.title)


def _chosen_topics(
    banks: list[Bank], values: tuple[str, ...], problems: Problems
) -> set[tuple[int, str]] | None:
    """(bank id, topic id) pairs, or None for every topic."""
    if not values:
        return None
    by_slug = {b.slug: b for b in banks}
    chosen = set()
    for value in values:
        slug, _, topic = value.partition(":")
        bank = by_slug.get(slug)
        if bank is None or topic not in {t.id for t in parsed_bank(bank)[0].topics}:
            problems["topics"] = (
                f"“{value}” is not a topic of the banks you chose; untick it, or tick its bank."
            )
            continue
        chosen.add((bank.id, topic))
    return chosen


def _candidates(
    user: AnyUser,
    banks: list[Bank],
    topics: set[tuple[int, str]] | None,
    request: DrillRequest,
    now: datetime,
) -> list[core.Candidate]:
    bank_ids = [b.id for b in banks]
    query = (
        select(Item.id, Item.fact_id, Item.bank_id, Fact.topic, Item.type)
        .join(Fact, Fact.id == Item.fact_id)
        .where(
            Item.bank_id.in_(bank_ids),
            Item.active.is_(True),
            Fact.active.is_(True),
            Item.type.in_(request.types),
        )
    )
    if request.due_only:
        query = query.where(
            Item.id.in_(
                select(ItemState.item_id).where(ItemState.user_id == user.id, ItemState.due <= now)
            )
        )
    rows = db.session.execute(query).all()
    if topics is not None:
        rows = [r for r in rows if (r.bank_id, r.topic) in topics]
    if request.wrong_only:
        wrong = _wrong_last_time(user, bank_ids)
        rows = [r for r in rows if r.id in wrong]
    return [core.Candidate(r.id, r.fact_id, f"{r.bank_id}:{r.topic}", r.type) for r in rows]


def _wrong_last_time(user: AnyUser, bank_ids: list[int]) -> set[int]:
    reviews = db.session.execute(
        select(Review.item_id, Review.answered_at, Review.correct).where(
            Review.user_id == user.id, Review.bank_id.in_(bank_ids)
        )
    ).all()
    # Unanswered drill questions are no attempt at all, so they are left out.
    drill_answers = db.session.execute(
        select(DrillQuestion.item_id, DrillQuestion.answered_at, DrillQuestion.correct)
        .join(Drill, Drill.id == DrillQuestion.drill_id)
        .where(
            Drill.user_id == user.id,
            Drill.submitted_at.is_not(None),
            DrillQuestion.answered_at.is_not(None),
            DrillQuestion.bank_id.in_(bank_ids),
        )
    ).all()
    attempts = [*reviews, *drill_answers]
    return core.wrong_last_time(core.Attempt(i, at, bool(correct)) for i, at, correct in attempts)


def _describe(request: DrillRequest, banks: list[Bank]) -> str:
    parts = [", ".join(f"“{b.title}”" for b in banks)]
    if request.topics:
        titles = {o.value: o.title for b in banks for o in _topic_options(b)}
        parts.append("topics " + ", ".join(titles.get(v, v) for v in request.topics))
    types = [QUESTION_TYPE_LABELS.get(t, t).lower() for t in request.types]
    parts.append("questions of type " + " or ".join(f"“{t}”" for t in types))
    if request.wrong_only:
        parts.append("only what you got wrong before")
    if request.due_only:
        parts.append("only what is due")
    return "; ".join(parts)


def _topic_options(bank: Bank) -> list[TopicOption]:
    return [TopicOption(f"{bank.slug}:{t.id}", t.title) for t in parsed_bank(bank)[0].topics]


def _items_by_id(ids: list[int]) -> dict[int, Item]:
    if not ids:
        return {}
    return {i.id: i for i in db.session.execute(select(Item).where(Item.id.in_(ids))).scalars()}


def _draw(
    user: AnyUser,
    items: list[Item],
    *,
    settings: dict[str, Any],
    layout: str,
    count_as_reviews: bool,
    time_limit_s: int | None,
    now: datetime,
    rng: Random,
    retry_of: Drill | None = None,
) -> Drill:
    """Render each item with a fresh seed and store the drill with its questions as shown."""
    banks = _banks_by_id({i.bank_id for i in items})
    drawn: list[tuple[Item, Question]] = []
    for item in items:
        try:
            drawn.append((item, study.render(banks[item.bank_id], item, rng.getrandbits(63))))
        except KeyError:
            continue  # the bank changed so that the item no longer applies: leave it out
    if not drawn:
        raise DrillError("None of these questions can be shown any more; start a new drill.")
    with write_transaction():
        drill = Drill(
            user_id=user.id,
            settings=settings,
            layout=layout,
            count_as_reviews=count_as_reviews,
            time_limit_s=time_limit_s,
            created_at=now,
            deadline=now + timedelta(seconds=time_limit_s) if time_limit_s else None,
            auto_submitted=False,
            max_score=len(drawn),
            retry_of_id=retry_of.id if retry_of is not None else None,
        )
        db.session.add(drill)
        db.session.flush()
        for position, (item, question) in enumerate(drawn, start=1):
            db.session.add(
                DrillQuestion(
                    drill_id=drill.id,
                    position=position,
                    item_id=item.id,
                    bank_id=item.bank_id,
                    question=question.to_dict(),
                    time_ms=0,
                )
            )
    return drill


# --- finding a drill -----------------------------------------------------------------------------


def get(user: AnyUser, drill_id: int) -> Drill:
    """The user's own drill; another user's is not found."""
    drill = db.session.execute(
        select(Drill).where(Drill.id == drill_id, Drill.user_id == user.id)
    ).scalar_one_or_none()
    if drill is None:
        raise NotFound("No such drill.")
    return drill


def is_expired(drill: Drill, now: datetime) -> bool:
    return drill.submitted_at is None and drill.deadline is not None and now > drill.deadline


def settle(user: AnyUser, drill: Drill, now: datetime) -> bool:
    """Submit the drill if its time ran out; True when this call submitted it."""
    return is_expired(drill, now) and submit(user, drill, now, auto=True)


def settle_expired(user: AnyUser, now: datetime) -> None:
    """Submit every drill of the user whose time ran out (a list must not say "in progress")."""
    expired = db.session.execute(
        select(Drill).where(
            Drill.user_id == user.id,
            Drill.submitted_at.is_(None),
            Drill.deadline.is_not(None),
            Drill.deadline < now,
        )
    ).scalars()
    for drill in list(expired):
        settle(user, drill, now)


# --- taking a drill ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OptionView:
    index: int
    """The option's index in the question as drawn: what the form sends."""
    text: str
    chosen: bool


@dataclass(frozen=True)
class QuestionView:
    position: int
    question: Question
    options: tuple[OptionView, ...]
    """Ordering: in the student's saved order, else as drawn."""
    answered: bool
    self_assessment: str | None
    """Flashcards: "right" or "wrong" once answered."""


@dataclass(frozen=True)
class TakeView:
    drill: Drill
    questions: list[QuestionView]
    page_token: str
    remaining_s: int | None

    @property
    def answered(self) -> int:
        return sum(q.answered for q in self.questions)


def take_view(drill: Drill, now: datetime) -> TakeView:
    remaining = None
    if drill.deadline is not None:
        remaining = max(int((drill.deadline - now).total_seconds()), 0)
    return TakeView(
        drill=drill,
        questions=[_question_view(dq) for dq in drill.questions],
        page_token=_serializer().dumps({"d": drill.id, "t": _ms(now)}),
        remaining_s=remaining,
    )


def _question_view(dq: DrillQuestion) -> QuestionView:
    question = Question.from_dict(dq.question)
    chosen = list(dq.answer or [])
    order = list(range(len(question.options)))
    if question.type == "ordering" and chosen:
        order = [question.options.index(text) for text in chosen]
    options = tuple(
        OptionView(i, question.options[i], question.options[i] in chosen) for i in order
    )
    self_assessment = chosen[0] if question.type == "flashcard" and chosen else None
    return QuestionView(dq.position, question, options, bool(chosen), self_assessment)


@dataclass(frozen=True)
class PageAnswers:
    """What one page of a drill form sent."""

    answers: dict[int, list[str]]
    """Every question on the page by position: option indices (flashcards: "right" or
    "wrong"); an empty list clears the answer."""
    page_token: str = ""
    duration_ms: int | None = None
    """One question per page: the browser's measure of the time on the page."""
    focus_ms: dict[int, int] = field(default_factory=dict)
    """All on one page: the browser's measure of the time with focus in each question."""


def save_answers(user: AnyUser, drill: Drill, page: PageAnswers, now: datetime) -> None:
    """Store the page's answers (all of them or, on any bad one, none) and the time spent.

    Raises Closed once the drill is submitted or its time (with a few seconds' grace) is up;
    a save that arrives in the grace period is kept, then the drill is submitted.
    """
    _refuse_if_closed(user, drill, now)
    by_position = {dq.position: dq for dq in drill.questions}
    chosen: dict[int, tuple[str, ...] | None] = {}
    for position, raw in page.answers.items():
        dq = by_position.get(position)
        if dq is None:
            raise DrillError(f"There is no question {position} in this drill; reload the page.")
        chosen[position] = _chosen(dq, raw)
    times = _times(drill, page, now)
    with write_transaction():
        db.session.refresh(drill)
        if drill.submitted_at is not None:
            raise Closed("This drill has been submitted; its answers can no longer change.")
        for position, texts in chosen.items():
            dq = by_position[position]
            new = list(texts) if texts else None
            if new != dq.answer:
                dq.answer = new
                dq.answered_at = now if new else None
            dq.time_ms += times.get(position, 0)
    if is_expired(drill, now):
        submit(user, drill, now, auto=True)


def _refuse_if_closed(user: AnyUser, drill: Drill, now: datetime) -> None:
    if drill.submitted_at is not None:
        raise Closed("This drill has been submitted; its answers can no longer change.")
    if drill.deadline is not None and now > drill.deadline + core.DEADLINE_GRACE:
        submit(user, drill, now, auto=True)
        raise Closed(
            "Time ran out: answers sent after the time limit were not saved. The drill was "
            "submitted with the answers saved before."
        )


def _chosen(dq: DrillQuestion, raw: list[str]) -> tuple[str, ...] | None:
    if not raw:
        return None
    question = Question.from_dict(dq.question)
    if question.type == "flashcard":
        if len(raw) != 1 or raw[0] not in FLASHCARD_ANSWERS:
            raise DrillError(f"Question {dq.position}: choose “I knew it” or “I didn't”.")
        return (raw[0],)
    try:
        return study._chosen_texts(question, raw)
    except study.StudyError as exc:
        raise DrillError(f"Question {dq.position}: {exc}") from exc


def _times(drill: Drill, page: PageAnswers, now: datetime) -> dict[int, int]:
    measured = _measured_ms(drill, page.page_token, now)
    if measured is None:
        return {}
    if drill.layout == "paged":
        return {p: core.page_time_ms(measured, page.duration_ms) for p in page.answers}
    return core.focus_times_ms(
        {p: ms for p, ms in page.focus_ms.items() if p in page.answers}, measured
    )


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="quizapp.drill-page")


def _measured_ms(drill: Drill, token: str, now: datetime) -> int | None:
    """Time since the page was shown, from the signed token it carried; None if unknown."""
    try:
        data = _serializer().loads(token, max_age=int(PAGE_TOKEN_MAX_AGE.total_seconds()))
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("d") != drill.id:
        return None
    if not isinstance(data.get("t"), int):
        return None
    return _ms(now) - data["t"]


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


# --- submitting ----------------------------------------------------------------------------------


def submit(user: AnyUser, drill: Drill, now: datetime, *, auto: bool = False) -> bool:
    """Grade every question and close the drill; True when this call did it (once only).

    With ``count_as_reviews``, every answered question is also recorded as a study review,
    in the same transaction: right is Good, wrong is Again.
    """
    with write_transaction():
        db.session.refresh(drill)
        if drill.submitted_at is not None:
            return False
        total = 0.0
        for dq in drill.questions:
            question = Question.from_dict(dq.question)
            grade = core.grade_answer(question, dq.answer)
            dq.score = grade.score if grade else 0.0
            dq.correct = grade.correct if grade else False
            total += dq.score
            if drill.count_as_reviews and grade is not None:
                dq.review_id = _record_review(user, drill, dq, grade, now).id
        drill.score = total
        drill.max_score = len(drill.questions)
        drill.submitted_at = now
        drill.auto_submitted = auto or (drill.deadline is not None and now > drill.deadline)
    return True


def _record_review(
    user: AnyUser, drill: Drill, dq: DrillQuestion, grade: Grade, now: datetime
) -> Review:
    presentation = Presentation(
        id=uuid.uuid4().hex,
        user_id=user.id,
        item_id=dq.item_id,
        question={**dq.question, "duration_ms": dq.time_ms or None},
        shown_at=drill.created_at,
        answered_at=dq.answered_at or now,
        answer=list(dq.answer or []),
        correct=grade.correct,
        grade=study._grade_dict(grade),
    )
    db.session.add(presentation)
    return study._record(user, presentation, Rating.Good if grade.correct else Rating.Again, now)


# --- the report ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionResult:
    position: int
    question: Question
    answer: tuple[str, ...]
    grade: Grade | None
    """None when unanswered."""
    score: float
    time_ms: int
    topic: str

    @property
    def is_mistake(self) -> bool:
        return self.score < 1


@dataclass(frozen=True)
class Report:
    drill: Drill
    summary: core.Summary
    results: list[QuestionResult]
    banks: list[str]

    @property
    def mistakes(self) -> list[QuestionResult]:
        return [r for r in self.results if r.is_mistake]


def report(drill: Drill) -> Report:
    """The submitted drill's score, by topic and type, and every question's result."""
    banks = _banks_by_id({dq.bank_id for dq in drill.questions})
    several_banks = len(banks) > 1
    results = []
    for dq in drill.questions:
        question = Question.from_dict(dq.question)
        bank = banks[dq.bank_id]
        topic = _topic_title(bank, question.topic)
        results.append(
            QuestionResult(
                position=dq.position,
                question=question,
                answer=tuple(dq.answer or ()),
                grade=core.grade_answer(question, dq.answer),
                score=dq.score or 0.0,
                time_ms=dq.time_ms,
                topic=f"{topic} ({bank.title})" if several_banks else topic,
            )
        )
    summary = core.summarise([core.Scored(r.topic, r.question.type, r.score) for r in results])
    return Report(drill, summary, results, sorted(b.title for b in banks.values()))


def _banks_by_id(ids: set[int]) -> dict[int, Bank]:
    return {b.id: b for b in db.session.execute(select(Bank).where(Bank.id.in_(ids))).scalars()}


def _topic_title(bank: Bank, topic_id: str) -> str:
    # The bank may have been edited since the drill; a topic gone from it keeps its id.
    titles = {t.id: t.title for t in parsed_bank(bank)[0].topics}
    return titles.get(topic_id, topic_id)


# --- history -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryRow:
    id: int
    created_at: datetime
    banks: tuple[str, ...]
    questions: int
    percent: float | None
    time_limit_min: int | None
    status: str
    """"in progress", "submitted" or "auto-submitted"."""
    retry_of_id: int | None


def history(user: AnyUser, now: datetime) -> list[HistoryRow]:
    """The user's drills, newest first."""
    settle_expired(user, now)
    newest_first = (Drill.created_at.desc(), Drill.id.desc())
    drills = (
        db.session.execute(select(Drill).where(Drill.user_id == user.id).order_by(*newest_first))
        .scalars()
        .all()
    )
    counts = dict(
        db.session.execute(
            select(DrillQuestion.drill_id, func.count())
            .join(Drill, Drill.id == DrillQuestion.drill_id)
            .where(Drill.user_id == user.id)
            .group_by(DrillQuestion.drill_id)
        ).all()
    )
    titles: dict[int, set[str]] = {}
    for drill_id, title in db.session.execute(
        select(DrillQuestion.drill_id, Bank.title)
        .join(Bank, Bank.id == DrillQuestion.bank_id)
        .join(Drill, Drill.id == DrillQuestion.drill_id)
        .where(Drill.user_id == user.id)
        .distinct()
    ):
        titles.setdefault(drill_id, set()).add(title)
    return [
        HistoryRow(
            id=d.id,
            created_at=d.created_at,
            banks=tuple(sorted(titles.get(d.id, ()))),
            questions=counts.get(d.id, 0),
            percent=core.percent(d.score or 0.0, d.max_score) if d.submitted_at else None,
            time_limit_min=d.time_limit_s // 60 if d.time_limit_s else None,
            status=_status(d),
            retry_of_id=d.retry_of_id,
        )
        for d in drills
    ]


def _status(drill: Drill) -> str:
    if drill.submitted_at is None:
        return "in progress"
    return "auto-submitted" if drill.auto_submitted else "submitted"


def score_trend(user: AnyUser) -> list[tuple[datetime, float]]:
    """(submitted at, percent) of every submitted drill, oldest first: for a chart."""
    rows = db.session.execute(
        select(Drill.submitted_at, Drill.score, Drill.max_score)
        .where(Drill.user_id == user.id, Drill.submitted_at.is_not(None))
        .order_by(Drill.submitted_at, Drill.id)
    ).all()
    return [(at, core.percent(score or 0.0, max_score)) for at, score, max_score in rows]


# --- retrying the mistakes ----------------------------------------------------------------------


def retry(user: AnyUser, drill: Drill, now: datetime, rng: Random | None = None) -> Drill:
    """A new drill of the questions this one got wrong (partly right and unanswered included),
    with new draws of their options and a time limit scaled to their share."""
    rng = rng or Random(secrets.randbits(64))
    settle(user, drill, now)
    if drill.submitted_at is None:
        raise DrillError("Submit this drill first; then you can retry its mistakes.")
    mistakes = [dq for dq in drill.questions if not dq.correct]
    if not mistakes:
        raise DrillError("No mistakes to retry: every answer in this drill was right.")
    visible = set(
        db.session.execute(
            study.visible_banks_query(user)
            .where(Bank.id.in_({dq.bank_id for dq in mistakes}))
            .with_only_columns(Bank.id)
        ).scalars()
    )
    items = [dq.item for dq in mistakes if dq.item.active and dq.bank_id in visible]
    if not items:
        raise DrillError(
            "The questions you got wrong are no longer in a bank you can study; start a new drill."
        )
    rng.shuffle(items)
    return _draw(
        user,
        items,
        settings={**drill.settings, "retry_of": drill.id},
        layout=drill.layout,
        count_as_reviews=drill.count_as_reviews,
        time_limit_s=core.scaled_time_limit_s(drill.time_limit_s, len(items), len(drill.questions)),
        now=now,
        rng=rng,
        retry_of=drill,
    )

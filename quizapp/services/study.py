"""The study loop: what is due, showing a question, grading an answer, recording a review.

A shown question is not stored: the page carries a signed token with the item and the seed
that drew its options, so a GET changes nothing. Submitting an answer stores a Presentation
keyed by the token's one-time id (a second submission finds it), and rating it writes the
review log row and the new FSRS state in one transaction (rating twice records once).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from random import Random
from typing import Any

from flask import current_app
from fsrs import Rating, State
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import and_, exists, func, select
from sqlalchemy.exc import IntegrityError

from ..core import generator, grading, scheduling
from ..core.questions import Question
from ..database import write_transaction
from ..extensions import db
from ..models import (
    Bank,
    CourseBank,
    DailyCounter,
    Enrollment,
    Item,
    ItemState,
    Presentation,
    Review,
    User,
)
from .banks import parsed_bank
from .counters import bump_daily_counter

TOKEN_MAX_AGE = timedelta(days=1)


class StudyError(Exception):
    """Something the student should be told, with what to do next."""


class NotFound(StudyError):
    pass


# --- what a student can study ------------------------------------------------------------------


def visible_banks_query(user: User) -> Any:
    """Banks a user may study: published banks that are public or attached to one of the
    user's classes, and the user's own banks (an instructor trying a draft)."""
    in_my_classes = (
        select(CourseBank.bank_id)
        .join(Enrollment, Enrollment.course_id == CourseBank.course_id)
        .where(Enrollment.user_id == user.id)
    )
    return select(Bank).where(
        ((Bank.status == "published") & (Bank.is_public.is_(True) | Bank.id.in_(in_my_classes)))
        | (Bank.owner_id == user.id)
    )


def get_bank_for(user: User, slug: str) -> Bank:
    bank = db.session.execute(
        visible_banks_query(user).where(Bank.slug == slug)
    ).scalar_one_or_none()
    if bank is None:
        raise NotFound(f"No bank '{slug}' that you can study.")
    return bank


@dataclass(frozen=True)
class BankSummary:
    id: int
    slug: str
    title: str
    description: str | None
    due: int
    new: int
    learned: int
    total: int


@dataclass(frozen=True)
class HomeView:
    banks: list[BankSummary]
    reviews_today: int
    streak: int
    new_left: int


def home_view(user: User, now: datetime) -> HomeView:
    limits = daily_limits(user, now)
    banks = db.session.execute(visible_banks_query(user).order_by(Bank.title)).scalars().all()
    summaries = [_summary(user, b, now, limits) for b in banks]
    today = scheduling.local_day(now, user.timezone)
    return HomeView(
        banks=summaries,
        reviews_today=_reviews_since(user, scheduling.day_start(today, user.timezone)),
        streak=scheduling.streak(_review_days(user, today), today),
        new_left=limits.new_left,
    )


def _summary(user: User, bank: Bank, now: datetime, limits: scheduling.Limits) -> BankSummary:
    states = (
        select(ItemState.state, ItemState.due)
        .join(Item, Item.id == ItemState.item_id)
        .where(ItemState.user_id == user.id, ItemState.bank_id == bank.id, Item.active.is_(True))
        .subquery()
    )
    due, learned = db.session.execute(
        select(
            func.count().filter(states.c.due <= now),
            func.count().filter(states.c.state == State.Review),
        ).select_from(states)
    ).one()
    total = (
        db.session.scalar(
            select(func.count())
            .select_from(Item)
            .where(Item.bank_id == bank.id, Item.active.is_(True))
        )
        or 0
    )
    started = db.session.scalar(select(func.count()).select_from(states)) or 0
    return BankSummary(
        id=bank.id,
        slug=bank.slug,
        title=bank.title,
        description=bank.description,
        due=due,
        new=min(limits.new_left, total - started),
        learned=learned,
        total=total,
    )


def _reviews_since(user: User, start: datetime) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Review)
            .where(Review.user_id == user.id, Review.answered_at >= start)
        )
        or 0
    )


def _review_days(user: User, today: Any) -> list[Any]:
    # Every rating upserts its day's counter row, so the counters list the days with reviews
    # without reading the (much larger) review log.
    since = today - timedelta(days=3660)
    return list(
        db.session.execute(
            select(DailyCounter.day).where(
                DailyCounter.user_id == user.id, DailyCounter.day >= since
            )
        ).scalars()
    )


def daily_limits(user: User, now: datetime) -> scheduling.Limits:
    today = scheduling.local_day(now, user.timezone)
    counter = db.session.get(DailyCounter, (user.id, today))
    new_done = counter.new_count if counter else 0
    reviews_done = counter.review_count if counter else 0
    return scheduling.Limits(
        new_left=max(user.new_per_day - new_done, 0),
        reviews_left=max(user.reviews_per_day - reviews_done, 0),
    )


# --- the queue ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueCounts:
    due: int
    new: int
    learning: int


def queue_for(user: User, bank: Bank, now: datetime) -> list[scheduling.QueueEntry]:
    limits = daily_limits(user, now)
    horizon = now + scheduling.LEARN_AHEAD
    started = db.session.execute(
        select(ItemState.item_id, Item.fact_id, ItemState.state, ItemState.due, Item.position)
        .join(Item, Item.id == ItemState.item_id)
        .where(
            ItemState.user_id == user.id,
            ItemState.due <= horizon,
            ItemState.bank_id == bank.id,
            Item.active.is_(True),
        )
    ).all()
    entries = [scheduling.QueueEntry(r[0], r[1], r[2], r[3], r[4]) for r in started]
    if limits.new_left:
        # Siblings are buried, so more than new_left candidates may be needed to fill the limit.
        has_state = exists().where(and_(ItemState.item_id == Item.id, ItemState.user_id == user.id))
        fresh = db.session.execute(
            select(Item.id, Item.fact_id, Item.position)
            .where(Item.bank_id == bank.id, Item.active.is_(True), ~has_state)
            .order_by(Item.position)
            .limit(limits.new_left * 8 + 40)
        ).all()
        entries += [scheduling.QueueEntry(r[0], r[1], None, None, r[2]) for r in fresh]
    today_start = scheduling.day_start(scheduling.local_day(now, user.timezone), user.timezone)
    done: dict[int, set[int]] = {}
    for fact_id, item_id in db.session.execute(
        select(Review.fact_id, Review.item_id).where(
            Review.user_id == user.id, Review.answered_at >= today_start, Review.bank_id == bank.id
        )
    ):
        done.setdefault(fact_id, set()).add(item_id)
    return scheduling.order_queue(entries, now, limits, done)


def counts_of(queue: list[scheduling.QueueEntry]) -> QueueCounts:
    learning = sum(1 for e in queue if e.state in (State.Learning, State.Relearning))
    new = sum(1 for e in queue if e.state is None)
    return QueueCounts(due=len(queue) - new, new=new, learning=learning)


# --- showing a question ------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    question: Question
    token: str
    counts: QueueCounts
    shown_at_ms: int


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="quizapp.presentation")


def n_options() -> int:
    return int(current_app.config.get("QUESTION_OPTIONS", 4))


def next_question(user: User, bank: Bank, now: datetime, rng: Random | None = None) -> Shown | None:
    queue = queue_for(user, bank, now)
    if not queue:
        return None
    item = db.session.get(Item, queue[0].item_id)
    assert item is not None
    seed = (rng or Random(secrets.randbits(64))).getrandbits(63)
    question = render(bank, item, seed)
    token = _serializer().dumps(
        {
            "u": user.id,
            "b": bank.id,
            "i": item.id,
            "s": seed,
            "n": uuid.uuid4().hex,
            "h": bank.content_hash,
            "t": int(now.timestamp() * 1000),
        }
    )
    return Shown(question, token, counts_of(queue), int(now.timestamp() * 1000))


def render(bank: Bank, item: Item, seed: int) -> Question:
    core_bank, ctx = parsed_bank(bank)
    return generator.render_item(core_bank, item.key, Random(seed), n_options=n_options(), ctx=ctx)


def next_due(user: User, bank: Bank) -> datetime | None:
    return db.session.scalar(
        select(func.min(ItemState.due)).where(
            ItemState.user_id == user.id, ItemState.bank_id == bank.id
        )
    )


# --- answering ---------------------------------------------------------------------------------


def read_token(user: User, token: str) -> dict[str, Any]:
    try:
        data = _serializer().loads(token, max_age=int(TOKEN_MAX_AGE.total_seconds()))
    except BadSignature as exc:
        raise StudyError(
            "This question has expired or its form was damaged; here is a fresh one."
        ) from exc
    if data.get("u") != user.id:
        raise NotFound("That question was shown to someone else.")
    return data


def submit_answer(
    user: User, bank: Bank, token: str, answer: list[str], duration_ms: int | None, now: datetime
) -> str:
    """Grade an answer to a shown question and return the presentation id.

    A second submission of the same shown question returns the first one's id.
    """
    data = read_token(user, token)
    if data["b"] != bank.id:
        raise NotFound("That question belongs to another bank.")
    if db.session.get(Presentation, data["n"]) is not None:
        return str(data["n"])
    if data["h"] != bank.content_hash:
        raise StudyError("The bank was updated while this question was open; here is a fresh one.")
    item = db.session.get(Item, data["i"])
    if item is None or not item.active:
        raise StudyError("This question is no longer in the bank; here is another one.")
    question = render(bank, item, data["s"])
    chosen = _chosen_texts(question, answer)
    result = None if question.type == "flashcard" else grading.grade(question, chosen)
    shown_at = datetime.fromtimestamp(data["t"] / 1000, tz=now.tzinfo)
    measured = int((now - shown_at).total_seconds() * 1000)
    if duration_ms is None or not 0 <= duration_ms <= max(measured, 0) + 5000:
        duration_ms = max(measured, 0)
    presentation = Presentation(
        id=data["n"],
        user_id=user.id,
        item_id=item.id,
        question={**question.to_dict(), "duration_ms": duration_ms},
        shown_at=shown_at,
        answered_at=now,
        answer=list(chosen),
        correct=None if result is None else result.correct,
        grade=None if result is None else _grade_dict(result),
    )
    try:
        with write_transaction():
            db.session.add(presentation)
    except IntegrityError:
        # The same token submitted twice at once: the other request stored it first.
        if db.session.get(Presentation, data["n"]) is None:
            raise
    return str(data["n"])


def _chosen_texts(question: Question, answer: list[str]) -> tuple[str, ...]:
    if question.type == "flashcard":
        return ()
    try:
        indices = [int(a) for a in answer]
    except ValueError as exc:
        raise StudyError(
            "The answer sent was not one of the options; please choose again."
        ) from exc
    if any(not 0 <= i < len(question.options) for i in indices) or len(set(indices)) != len(
        indices
    ):
        raise StudyError("The answer sent was not one of the options; please choose again.")
    if not indices:
        raise StudyError("Choose an answer before checking.")
    if question.type == "single_choice" and len(indices) != 1:
        raise StudyError("Choose exactly one answer.")
    if question.type == "ordering" and len(indices) != len(question.options):
        raise StudyError("Every item must be placed; please arrange them all.")
    return tuple(question.options[i] for i in indices)


def _grade_dict(result: grading.Grade) -> dict[str, Any]:
    return {
        "correct": result.correct,
        "score": result.score,
        "per_position": list(result.per_position) if result.per_position is not None else None,
    }


def bank_slug_of_presentation(user: User, pid: str) -> str:
    slug = db.session.scalar(
        select(Bank.slug)
        .join(Item, Item.bank_id == Bank.id)
        .join(Presentation, Presentation.item_id == Item.id)
        .where(Presentation.id == pid, Presentation.user_id == user.id)
    )
    if slug is None:
        raise NotFound("No such answered question.")
    return slug


def get_presentation(user: User, pid: str) -> Presentation:
    p = db.session.get(Presentation, pid)
    if p is None or p.user_id != user.id:
        raise NotFound("No such answered question.")
    return p


# --- feedback and rating -----------------------------------------------------------------------


@dataclass(frozen=True)
class RatingChoice:
    value: int
    label: str
    interval: str
    preselected: bool


@dataclass(frozen=True)
class RatedView:
    label: str
    next_due: datetime


def rating_choices(user: User, p: Presentation, now: datetime) -> list[RatingChoice]:
    state = _state_of(user, p.item_id)
    card = _card_of(state, now)
    intervals = scheduling.preview_intervals(_scheduler(user), card, now)
    suggested = scheduling.default_rating(p.correct is not False) if p.correct is not None else None
    return [
        RatingChoice(
            value=int(r),
            label=scheduling.RATING_LABELS[r],
            interval=scheduling.format_interval(intervals[r]),
            preselected=(r == suggested) if suggested else r == Rating.Good,
        )
        for r in Rating
    ]


def rated_view(p: Presentation) -> RatedView | None:
    if p.review_id is None:
        return None
    review = db.session.get(Review, p.review_id)
    assert review is not None
    due = datetime.fromisoformat(review.state_after["due"])
    return RatedView(scheduling.RATING_LABELS[Rating(review.rating)], due)


def rate(user: User, pid: str, rating: int, now: datetime) -> Review:
    """Record one review: the log row, the new FSRS state and the daily counters, at once."""
    try:
        chosen = Rating(rating)
    except ValueError as exc:
        raise StudyError("Choose one of Again, Hard, Good or Easy.") from exc
    try:
        with write_transaction():
            p = get_presentation(user, pid)
            if p.review_id is not None:
                return _existing_review(p)
            review = _record(user, p, chosen, now)
    except IntegrityError:
        db.session.rollback()
        return _existing_review(get_presentation(user, pid))
    return review


def _existing_review(p: Presentation) -> Review:
    review = db.session.get(Review, p.review_id) if p.review_id else None
    if review is None:
        review = db.session.execute(
            select(Review).where(Review.presentation_id == p.id)
        ).scalar_one()
    return review


def _record(user: User, p: Presentation, rating: Rating, now: datetime) -> Review:
    item = db.session.get(Item, p.item_id)
    assert item is not None
    state = _state_of(user, item.id)
    before = _card_of(state, now)
    was_new = state is None
    was_review = state is not None and state.state == State.Review
    after = scheduling.review(_scheduler(user), before, rating, now, p.question.get("duration_ms"))
    if state is None:
        state = ItemState(user_id=user.id, item_id=item.id, bank_id=item.bank_id, reps=0, lapses=0)
        db.session.add(state)
    state.state = int(after.state)
    state.step = after.step
    state.stability = after.stability
    state.difficulty = after.difficulty
    state.due = after.due
    state.last_review = after.last_review
    state.reps += 1
    if was_review and rating == Rating.Again:
        state.lapses += 1
        if state.lapses >= scheduling.LEECH_LAPSES:
            state.leech = True
    correct = p.correct if p.correct is not None else rating != Rating.Again
    review = Review(
        user_id=user.id,
        item_id=item.id,
        fact_id=item.fact_id,
        bank_id=item.bank_id,
        presentation_id=p.id,
        rating=int(rating),
        answered_at=now,
        local_day=scheduling.local_day(now, user.timezone),
        duration_ms=p.question.get("duration_ms"),
        answer=p.answer,
        correct=correct,
        was_new=was_new,
        state_before=None if was_new else scheduling.card_to_dict(before),
        state_after=scheduling.card_to_dict(after),
    )
    db.session.add(review)
    db.session.flush()
    p.review_id = review.id
    if p.correct is None:
        p.correct = correct
    bump_daily_counter(
        user.id, review.local_day, new=1 if was_new else 0, reviews=1 if was_review else 0
    )
    return review


def _state_of(user: User, item_id: int) -> ItemState | None:
    return db.session.execute(
        select(ItemState).where(ItemState.user_id == user.id, ItemState.item_id == item_id)
    ).scalar_one_or_none()


def _card_of(state: ItemState | None, now: datetime) -> Any:
    if state is None:
        return scheduling.new_card(now)
    return scheduling.card_from_fields(
        state=state.state,
        step=state.step,
        stability=state.stability,
        difficulty=state.difficulty,
        due=state.due,
        last_review=state.last_review,
    )


def _scheduler(user: User) -> Any:
    return scheduling.make_scheduler(
        user.desired_retention, fuzz=bool(current_app.config.get("FSRS_FUZZ", True))
    )


# --- leeches -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeechView:
    bank_title: str
    prompt: str
    source: str
    lapses: int


def leeches(user: User) -> list[LeechView]:
    rows = db.session.execute(
        select(ItemState, Item, Bank)
        .join(Item, Item.id == ItemState.item_id)
        .join(Bank, Bank.id == Item.bank_id)
        .where(ItemState.user_id == user.id, ItemState.leech.is_(True), Item.active.is_(True))
        .order_by(ItemState.lapses.desc())
    ).all()
    views = []
    for state, item, bank in rows:
        q = render(bank, item, 0)
        views.append(LeechView(bank.title, q.prompt, q.source, state.lapses))
    return views

"""The study loop: what is due, showing a question, grading an answer, recording a review.

A shown question is not stored: the page carries a signed token with the item and the seed
that drew its options, so a GET changes nothing. Submitting an answer stores a Presentation
keyed by the token's one-time id (a second submission finds it), and rating it writes the
review log row and the new FSRS state in one transaction (rating twice records once).

The loop's requests are the app's busiest, and on SQLite their SQL takes far less time than
SQLAlchemy takes to build statements and load objects. So the loop reads columns rather than
objects where it needs no object, with statements built once at import (``_SQL`` below) and
bound by name, and the rating's write transaction (which holds SQLite's only write lock)
runs one read and four writes in Core. ``docs/benchmarks.md`` has the figures.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from random import Random
from typing import Any

from flask import current_app
from fsrs import Rating, State
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import (
    Integer,
    and_,
    bindparam,
    case,
    cast,
    exists,
    false,
    func,
    insert,
    literal_column,
    null,
    select,
    union_all,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ..core import generator, grading, scheduling
from ..core.questions import Question
from ..database import single_write
from ..extensions import db
from ..models import (
    AnyBank,
    AnyUser,
    Bank,
    CourseBank,
    DailyCounter,
    Enrollment,
    Item,
    ItemState,
    Presentation,
    Review,
    StudiedBank,
)
from .banks import parsed_bank
from .counters import bump_daily_counter, daily_counter_upsert

TOKEN_MAX_AGE = timedelta(days=1)
CHOOSE_A_RATING = "Choose one of Again, Hard, Good or Easy."


class StudyError(Exception):
    """Something the student should be told, with what to do next."""


class NotFound(StudyError):
    pass


# --- what a student can study ------------------------------------------------------------------


def _visible_to(user_id: Any) -> Any:
    """The condition on banks that ``user_id`` (a value or a bind parameter) may study."""
    in_my_classes = (
        select(CourseBank.bank_id)
        .join(Enrollment, Enrollment.course_id == CourseBank.course_id)
        .where(Enrollment.user_id == user_id)
    )
    return (
        (Bank.status == "published") & (Bank.is_public.is_(True) | Bank.id.in_(in_my_classes))
    ) | (Bank.owner_id == user_id)


def visible_banks_query(user: AnyUser) -> Any:
    """Banks a user may study: published banks that are public or attached to one of the
    user's classes, and the user's own banks (an instructor trying a draft)."""
    return select(Bank).where(_visible_to(user.id))


# --- the loop's statements, built once ---------------------------------------------------------

_banks = Bank.__table__
_counters = DailyCounter.__table__
_items = Item.__table__
_states = ItemState.__table__
_presentations = Presentation.__table__
_reviews = Review.__table__

_CARD_COLUMNS = (
    _states.c.state,
    _states.c.step,
    _states.c.stability,
    _states.c.difficulty,
    _states.c.due,
    _states.c.last_review,
)


class _SQL:
    """Statements of the study loop, bound by name at execution."""

    studied_bank = tuple(Bank.__table__.c[f.name] for f in fields(StudiedBank))
    bank_by_slug = select(*studied_bank).where(
        _visible_to(bindparam("user_id")), Bank.slug == bindparam("slug")
    )
    day_counts = select(_counters.c.new_count, _counters.c.review_count).where(
        _counters.c.user_id == bindparam("user_id"), _counters.c.day == bindparam("day")
    )
    # Everything the queue needs, in one statement (each statement saved is a round trip
    # and SQLAlchemy's own work per statement): the queue's rows, as scheduling.order_queue
    # takes them, the started items due by the horizon in due order (kind 0), then new ones
    # in bank order (kind 1), as many as the new limit left today may need; then the items
    # the student answered today (kind 2, for burying siblings); and on every row the day's
    # counts. Whether each card is due now is worked out here, so no due time is converted
    # to Python for each of a student's cards.
    _new_done = func.coalesce(
        day_counts.with_only_columns(_counters.c.new_count).scalar_subquery(), 0
    )
    _reviews_done = func.coalesce(
        day_counts.with_only_columns(_counters.c.review_count).scalar_subquery(), 0
    )
    _new_left = bindparam("new_per_day", type_=Integer) - _new_done
    # Siblings are buried, so more than new_left candidates may be needed to fill the limit.
    _new_candidates = case((_new_left > 0, _new_left * 8 + 40), else_=0)
    _started_due = (
        select(
            _states.c.item_id,
            _items.c.fact_id,
            _states.c.state,
            (_states.c.due <= bindparam("now")).label("due_now"),
            _items.c.key,
            literal_column("0").label("kind"),
            _states.c.due.label("due"),
            cast(null(), Integer).label("position"),
        )
        .join(_items, _items.c.id == _states.c.item_id)
        .where(
            _states.c.user_id == bindparam("user_id"),
            _states.c.due <= bindparam("horizon"),
            _states.c.bank_id == bindparam("bank_id"),
            _items.c.active.is_(True),
        )
    )
    _never_started = (
        select(
            _items.c.id.label("item_id"),
            _items.c.fact_id,
            # Typed: a NULL in a subquery is text to PostgreSQL, which no UNION matches.
            cast(null(), Integer).label("state"),
            false().label("due_now"),
            _items.c.key,
            literal_column("1").label("kind"),
            cast(null(), _states.c.due.type).label("due"),
            _items.c.position.label("position"),
        )
        .where(
            _items.c.bank_id == bindparam("bank_id"),
            _items.c.active.is_(True),
            ~exists().where(
                _states.c.item_id == _items.c.id, _states.c.user_id == bindparam("user_id")
            ),
        )
        .order_by(_items.c.position)
        .limit(_new_candidates)
        .subquery()
    )
    # Once an item: a student may answer one many times a day (learning steps, lapses).
    _answered_today = (
        select(
            _reviews.c.item_id,
            _reviews.c.fact_id,
            cast(null(), Integer).label("state"),
            false().label("due_now"),
            cast(null(), _items.c.key.type).label("key"),
            literal_column("2").label("kind"),
            cast(null(), _states.c.due.type).label("due"),
            cast(null(), Integer).label("position"),
        )
        .where(
            _reviews.c.user_id == bindparam("user_id"),
            _reviews.c.answered_at >= bindparam("since"),
            _reviews.c.bank_id == bindparam("bank_id"),
        )
        .distinct()
    )
    _queue_rows = union_all(_started_due, select(_never_started), _answered_today).subquery()
    queue_rows = select(
        _queue_rows.c.item_id,
        _queue_rows.c.fact_id,
        _queue_rows.c.state,
        _queue_rows.c.due_now,
        _queue_rows.c.key,
        _queue_rows.c.kind,
        _new_done.label("new_done"),
        _reviews_done.label("reviews_done"),
    ).order_by(_queue_rows.c.kind, _queue_rows.c.due, _queue_rows.c.position, _queue_rows.c.item_id)
    presentation_exists = select(_presentations.c.id).where(_presentations.c.id == bindparam("pid"))
    # For an answer: whether it was stored already (sent twice), and the item it answers.
    _answer_context = (
        exists().where(_presentations.c.id == bindparam("pid")).label("answered"),
        select(_items.c.key).where(_items.c.id == bindparam("item_id")).scalar_subquery(),
        select(_items.c.active).where(_items.c.id == bindparam("item_id")).scalar_subquery(),
    )
    answer_context = select(*_answer_context)
    # The same with the bank it is answered in, found by slug as bank_by_slug finds it.
    bank_and_answer_context = select(*studied_bank, *_answer_context).where(
        _visible_to(bindparam("user_id")), Bank.slug == bindparam("slug")
    )
    insert_presentation = insert(_presentations)
    bank_slug_of_presentation = (
        select(_banks.c.slug)
        .join(_items, _items.c.bank_id == _banks.c.id)
        .join(_presentations, _presentations.c.item_id == _items.c.id)
        .where(
            _presentations.c.id == bindparam("pid"),
            _presentations.c.user_id == bindparam("user_id"),
        )
    )
    presentation_and_bank = (
        select(Presentation, Bank)
        .join(Item, Item.id == Presentation.item_id)
        .join(Bank, Bank.id == Item.bank_id)
        .where(Presentation.id == bindparam("pid"), Presentation.user_id == bindparam("user_id"))
    )
    card = select(*_CARD_COLUMNS).where(
        _states.c.user_id == bindparam("user_id"), _states.c.item_id == bindparam("item_id")
    )
    rating_of_review = select(_reviews.c.rating, _reviews.c.state_after).where(
        _reviews.c.id == bindparam("review_id")
    )
    # Everything a rating needs, in one read under the write lock: the presentation, its item
    # and bank, and the student's card for the item (none before the first review).
    to_rate = (
        select(
            _presentations.c.review_id,
            _presentations.c.item_id,
            _presentations.c.answer,
            _presentations.c.correct,
            _presentations.c.question["duration_ms"].as_integer().label("duration_ms"),
            _items.c.fact_id,
            _items.c.bank_id,
            _banks.c.slug,
            _states.c.id.label("state_id"),
            *_CARD_COLUMNS,
            _states.c.reps,
            _states.c.lapses,
            _states.c.leech,
        )
        .select_from(
            _presentations.join(_items, _items.c.id == _presentations.c.item_id)
            .join(_banks, _banks.c.id == _items.c.bank_id)
            .outerjoin(
                _states,
                and_(
                    _states.c.user_id == _presentations.c.user_id, _states.c.item_id == _items.c.id
                ),
            )
        )
        .where(
            _presentations.c.id == bindparam("pid"),
            _presentations.c.user_id == bindparam("user_id"),
        )
    )
    review_of_presentation = (
        select(_reviews.c.id, _banks.c.slug)
        .join(_banks, _banks.c.id == _reviews.c.bank_id)
        .where(
            _reviews.c.presentation_id == bindparam("pid"),
            _reviews.c.user_id == bindparam("user_id"),
        )
    )
    # The SET clauses come from the names of the values given, other than the ones below.
    insert_state = insert(_states)
    update_state = update(_states).where(_states.c.id == bindparam("state_id"))
    insert_review = insert(_reviews)
    mark_rated = update(_presentations).where(_presentations.c.id == bindparam("pid"))


_STATE_COLUMNS = (
    "state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses", "leech"
)  # fmt: skip
_REVIEW_COLUMNS = (
    "rating", "answered_at", "local_day", "duration_ms", "correct", "was_new", "state_before",
    "state_after",
)  # fmt: skip


def _one_statement_rating(new_card: bool) -> Any:
    """A rating's four writes as one PostgreSQL statement (data-modifying WITH clauses): the
    card's state (inserted for a new card), the review row, the presentation's link to it
    and the day's counts; it returns the review's id. One round trip instead of four.

    Parameters: ``uid``, ``iid``, ``bid``, ``fid`` (user, item, bank and fact ids), ``pid``,
    ``ans`` (the answer), ``state_id`` (an existing card), ``s_<column>`` for the card and
    ``r_<column>`` for the review, and ``u``, ``d``, ``n``, ``r`` for the counts. None is a
    column's name: a DML statement would take a parameter named like one of its columns as
    a value to SET.
    """
    card_values = {c: bindparam(f"s_{c}") for c in _STATE_COLUMNS}
    card = (
        insert(_states).values(
            user_id=bindparam("uid"),
            item_id=bindparam("iid"),
            bank_id=bindparam("bid"),
            **card_values,
        )
        if new_card
        else update(_states).where(_states.c.id == bindparam("state_id")).values(**card_values)
    ).cte("card")
    review = (
        insert(_reviews)
        .values(
            user_id=bindparam("uid"),
            item_id=bindparam("iid"),
            fact_id=bindparam("fid"),
            bank_id=bindparam("bid"),
            presentation_id=bindparam("pid"),
            answer=bindparam("ans"),
            **{c: bindparam(f"r_{c}") for c in _REVIEW_COLUMNS},
        )
        .returning(_reviews.c.id)
        .cte("review")
    )
    link = (
        update(_presentations)
        .where(_presentations.c.id == bindparam("pid"))
        .values(review_id=select(review.c.id).scalar_subquery(), correct=bindparam("r_correct"))
        .cte("link")
    )
    counts = daily_counter_upsert("postgresql").cte("counts")
    return select(review.c.id).add_cte(card, link, counts)


_RATING_STATEMENTS = {True: _one_statement_rating(True), False: _one_statement_rating(False)}


def _conn() -> Connection:
    """The session's connection, for the loop's Core statements: executing them on it skips
    the ORM session's per-statement work (about a third of SQLAlchemy's time per statement)."""
    return db.session.connection()


def get_bank_for(user: AnyUser, slug: str) -> StudiedBank:
    row = _conn().execute(_SQL.bank_by_slug, {"user_id": user.id, "slug": slug}).first()
    if row is None:
        raise NotFound(f"No bank '{slug}' that you can study.")
    return StudiedBank(*row)


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


def home_view(user: AnyUser, now: datetime) -> HomeView:
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


def _summary(user: AnyUser, bank: Bank, now: datetime, limits: scheduling.Limits) -> BankSummary:
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


def _reviews_since(user: AnyUser, start: datetime) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Review)
            .where(Review.user_id == user.id, Review.answered_at >= start)
        )
        or 0
    )


def _review_days(user: AnyUser, today: Any) -> list[Any]:
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


def daily_limits(user: AnyUser, now: datetime) -> scheduling.Limits:
    today = scheduling.local_day(now, user.timezone)
    done = _conn().execute(_SQL.day_counts, {"user_id": user.id, "day": today}).one_or_none()
    new_done, reviews_done = done if done is not None else (0, 0)
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


_KIND, _NEW_DONE, _REVIEWS_DONE = 5, 6, 7  # positions in _SQL.queue_rows
_ANSWERED = 2


def queue_for(user: AnyUser, bank: AnyBank, now: datetime) -> list[Any]:
    """The student's queue for a bank (rows with item_id, fact_id, state, due_now, key)."""
    today = scheduling.local_day(now, user.timezone)
    rows = (
        _conn()
        .execute(
            _SQL.queue_rows,
            {
                "user_id": user.id,
                "bank_id": bank.id,
                "now": now,
                "horizon": now + scheduling.LEARN_AHEAD,
                "day": today,
                "since": scheduling.day_start(today, user.timezone),
                "new_per_day": user.new_per_day,
            },
        )
        .all()
    )
    if not rows:
        return []
    limits = scheduling.Limits(
        new_left=max(user.new_per_day - rows[0][_NEW_DONE], 0),
        reviews_left=max(user.reviews_per_day - rows[0][_REVIEWS_DONE], 0),
    )
    queued = len(rows)  # the answered rows come last
    while queued and rows[queued - 1][_KIND] == _ANSWERED:
        queued -= 1
    done: dict[int, set[int]] = {}
    for item_id, fact_id, *_ in rows[queued:]:
        done.setdefault(fact_id, set()).add(item_id)
    return scheduling.order_queue(rows[:queued], limits, done)


def counts_of(queue: list[Any]) -> QueueCounts:
    due, new, learning = scheduling.queue_counts(queue)
    return QueueCounts(due=due, new=new, learning=learning)


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


def next_question(
    user: AnyUser, bank: AnyBank, now: datetime, rng: Random | None = None
) -> Shown | None:
    queue = queue_for(user, bank, now)
    if not queue:
        return None
    item_id, key = queue[0][0], queue[0].key
    seed = (rng or Random(secrets.randbits(64))).getrandbits(63)
    question = _render_key(bank, key, seed)
    token = _serializer().dumps(
        {
            "u": user.id,
            "b": bank.id,
            "i": item_id,
            "s": seed,
            "n": uuid.uuid4().hex,
            "h": bank.content_hash,
            "t": int(now.timestamp() * 1000),
        }
    )
    return Shown(question, token, counts_of(queue), int(now.timestamp() * 1000))


def render(bank: AnyBank, item: Item, seed: int) -> Question:
    return _render_key(bank, item.key, seed)


def _render_key(bank: AnyBank, item_key: str, seed: int) -> Question:
    core_bank, ctx = parsed_bank(bank)
    return generator.render_item(core_bank, item_key, Random(seed), n_options=n_options(), ctx=ctx)


def next_due(user: AnyUser, bank: AnyBank) -> datetime | None:
    return db.session.scalar(
        select(func.min(ItemState.due)).where(
            ItemState.user_id == user.id, ItemState.bank_id == bank.id
        )
    )


# --- answering ---------------------------------------------------------------------------------


def read_token(user: AnyUser, token: str) -> dict[str, Any]:
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
    user: AnyUser, bank: Bank, token: str, answer: list[str], duration_ms: int | None, now: datetime
) -> str:
    """Grade an answer to a shown question and return the presentation id.

    A second submission of the same shown question returns the first one's id.
    """
    data = read_token(user, token)
    if data["b"] != bank.id:
        raise NotFound("That question belongs to another bank.")
    context = _conn().execute(_SQL.answer_context, {"pid": str(data["n"]), "item_id": data["i"]})
    return _store_answer(user, bank, data, context.one(), answer, duration_ms, now)


def submit_answer_in(
    user: AnyUser, slug: str, token: str, answer: list[str], duration_ms: int | None, now: datetime
) -> str:
    """:func:`submit_answer` in the bank named ``slug``, found (NotFound as in
    :func:`get_bank_for`) with the answer's context in one statement."""
    try:
        data = read_token(user, token)
    except StudyError:
        get_bank_for(user, slug)  # a bank the user cannot study is NotFound, whatever was sent
        raise
    row = (
        _conn()
        .execute(
            _SQL.bank_and_answer_context,
            {"user_id": user.id, "slug": slug, "pid": str(data["n"]), "item_id": data["i"]},
        )
        .one_or_none()
    )
    if row is None:
        raise NotFound(f"No bank '{slug}' that you can study.")
    n = len(_SQL.studied_bank)
    bank = StudiedBank(*row[:n])
    if data["b"] != bank.id:
        raise NotFound("That question belongs to another bank.")
    return _store_answer(user, bank, data, row[n:], answer, duration_ms, now)


def _store_answer(
    user: AnyUser,
    bank: AnyBank,
    data: dict[str, Any],
    context: Any,
    answer: list[str],
    duration_ms: int | None,
    now: datetime,
) -> str:
    """Grade and store an answer; ``context`` is (answered already, item key, item active)."""
    pid = str(data["n"])
    answered, item_key, item_active = context
    if answered:
        return pid
    if data["h"] != bank.content_hash:
        raise StudyError("The bank was updated while this question was open; here is a fresh one.")
    if item_key is None or not item_active:
        raise StudyError("This question is no longer in the bank; here is another one.")
    question = _render_key(bank, item_key, data["s"])
    chosen = _chosen_texts(question, answer)
    result = None if question.type == "flashcard" else grading.grade(question, chosen)
    shown_at = datetime.fromtimestamp(data["t"] / 1000, tz=now.tzinfo)
    measured = int((now - shown_at).total_seconds() * 1000)
    if duration_ms is None or not 0 <= duration_ms <= max(measured, 0) + 5000:
        duration_ms = max(measured, 0)
    presentation = {
        "id": pid,
        "user_id": user.id,
        "item_id": data["i"],
        "question": {**question.to_dict(), "duration_ms": duration_ms},
        "shown_at": shown_at,
        "answered_at": now,
        "answer": list(chosen),
        "correct": None if result is None else result.correct,
        "grade": None if result is None else _grade_dict(result),
    }
    try:
        with single_write():
            _conn().execute(_SQL.insert_presentation, presentation)
    except IntegrityError:
        # The same token submitted twice at once: the other request stored it first.
        if not _presentation_exists(pid):
            raise
    return pid


def _presentation_exists(pid: str) -> bool:
    return _conn().execute(_SQL.presentation_exists, {"pid": pid}).first() is not None


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


def bank_slug_of_presentation(user: AnyUser, pid: str) -> str:
    slug = db.session.scalar(_SQL.bank_slug_of_presentation, {"pid": pid, "user_id": user.id})
    if slug is None:
        raise NotFound("No such answered question.")
    return slug


def get_presentation(user: AnyUser, pid: str) -> Presentation:
    p = db.session.get(Presentation, pid)
    if p is None or p.user_id != user.id:
        raise NotFound("No such answered question.")
    return p


def get_presentation_and_bank(user: AnyUser, pid: str) -> tuple[Presentation, Bank]:
    """An answered question of the user's and its bank, in one query."""
    row = db.session.execute(
        _SQL.presentation_and_bank, {"pid": pid, "user_id": user.id}
    ).one_or_none()
    if row is None:
        raise NotFound("No such answered question.")
    return row[0], row[1]


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


def rating_choices(user: AnyUser, p: Presentation, now: datetime) -> list[RatingChoice]:
    card = _conn().execute(_SQL.card, {"user_id": user.id, "item_id": p.item_id}).one_or_none()
    intervals = scheduling.preview_intervals(_scheduler(user), _card_of(card, now), now)
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
    review = _conn().execute(_SQL.rating_of_review, {"review_id": p.review_id}).one()
    due = datetime.fromisoformat(review.state_after["due"])
    return RatedView(scheduling.RATING_LABELS[Rating(review.rating)], due)


def _rating(value: int) -> Rating:
    try:
        return Rating(value)
    except ValueError as exc:
        raise StudyError(CHOOSE_A_RATING) from exc


def rate(user: AnyUser, pid: str, rating: int, now: datetime) -> Review:
    """Record one review: the log row, the new FSRS state and the daily counters, at once."""
    rated = _rate(user, pid, _rating(rating), now)
    review = db.session.get(Review, rated.review_id)
    assert review is not None
    return review


def rate_and_find_bank(user: AnyUser, pid: str, rating: int, now: datetime) -> str:
    """Record one review as :func:`rate` does; returns the slug of the question's bank, where
    studying goes on. Someone else's presentation is NotFound even with a wrong rating."""
    try:
        chosen = _rating(rating)
    except StudyError:
        bank_slug_of_presentation(user, pid)
        raise
    return _rate(user, pid, chosen, now).bank_slug


@dataclass(frozen=True)
class _Rated:
    review_id: int
    bank_slug: str


def _rate(user: AnyUser, pid: str, rating: Rating, now: datetime) -> _Rated:
    # Read before the write transaction: outside a request it is write_transaction, whose
    # opening commit expires `user` (when it is an ORM object), and reading them inside would
    # select the user again holding the write lock.
    user_id, timezone = user.id, user.timezone
    scheduler = _scheduler(user)
    key = {"pid": pid, "user_id": user_id}
    try:
        with single_write():
            # On SQLite read under the lock, so a rating sent twice at once finds the first
            # one's review and no other review of the item can change the card in between.
            # On PostgreSQL the rating's writes are one statement, and the second of a rating
            # sent twice at once fails on the review's unique presentation id (below).
            conn = _conn()
            row = conn.execute(_SQL.to_rate, key).one_or_none()
            if row is None:
                raise NotFound("No such answered question.")
            if row.review_id is not None:
                return _Rated(row.review_id, row.slug)
            prior = row if row.state_id is not None else None
            outcome = _review_outcome(
                scheduler, timezone, prior, rating, now, row.duration_ms, row.correct
            )
            review_id = _write_review(conn, user_id, pid, row, outcome)
    except IntegrityError:
        # PostgreSQL has no IMMEDIATE lock: the same rating sent at once, and the other won.
        db.session.rollback()
        found = _conn().execute(_SQL.review_of_presentation, key).one_or_none()
        if found is None:
            raise
        return _Rated(found.id, found.slug)
    return _Rated(review_id, row.slug)


@dataclass(frozen=True)
class _Outcome:
    """What one rating does: the card's new columns and the review log row's own columns."""

    state: dict[str, Any]
    review: dict[str, Any]
    was_new: bool
    was_review: bool


def _review_outcome(
    scheduler: Any,
    timezone: str,
    prior: Any,
    rating: Rating,
    now: datetime,
    duration_ms: int | None,
    correct: bool | None,
) -> _Outcome:
    """The FSRS step from ``prior`` (an ItemState or a row with its columns; None for a new
    item). ``correct`` is the graded answer's, None for a flashcard (then Again is wrong)."""
    before = _card_of(prior, now)
    was_new = prior is None
    was_review = prior is not None and prior.state == State.Review
    after = scheduling.review(scheduler, before, rating, now, duration_ms)
    lapses = 0 if prior is None else prior.lapses
    leech = False if prior is None else prior.leech
    if was_review and rating == Rating.Again:
        lapses += 1
        if lapses >= scheduling.LEECH_LAPSES:
            leech = True
    state = {
        "state": int(after.state),
        "step": after.step,
        "stability": after.stability,
        "difficulty": after.difficulty,
        "due": after.due,
        "last_review": after.last_review,
        "reps": (0 if prior is None else prior.reps) + 1,
        "lapses": lapses,
        "leech": leech,
    }
    review = {
        "rating": int(rating),
        "answered_at": now,
        "local_day": scheduling.local_day(now, timezone),
        "duration_ms": duration_ms,
        "correct": correct if correct is not None else rating != Rating.Again,
        "was_new": was_new,
        "state_before": None if was_new else scheduling.card_to_dict(before),
        "state_after": scheduling.card_to_dict(after),
    }
    return _Outcome(state, review, was_new, was_review)


def _write_review(conn: Connection, user_id: int, pid: str, row: Any, outcome: _Outcome) -> int:
    """Store a rating's outcome with Core statements; returns the review's id."""
    if conn.dialect.name == "postgresql":
        return _write_review_at_once(conn, user_id, pid, row, outcome)
    if row.state_id is None:
        conn.execute(
            _SQL.insert_state,
            {"user_id": user_id, "item_id": row.item_id, "bank_id": row.bank_id, **outcome.state},
        )
    else:
        conn.execute(_SQL.update_state, {"state_id": row.state_id, **outcome.state})
    inserted = conn.execute(
        _SQL.insert_review,
        {
            "user_id": user_id,
            "item_id": row.item_id,
            "fact_id": row.fact_id,
            "bank_id": row.bank_id,
            "presentation_id": pid,
            "answer": row.answer,
            **outcome.review,
        },
    )
    review_id: int = inserted.inserted_primary_key[0]
    conn.execute(
        _SQL.mark_rated, {"pid": pid, "review_id": review_id, "correct": outcome.review["correct"]}
    )
    bump_daily_counter(
        conn,
        user_id,
        outcome.review["local_day"],
        new=1 if outcome.was_new else 0,
        reviews=1 if outcome.was_review else 0,
    )
    return review_id


def _write_review_at_once(
    conn: Connection, user_id: int, pid: str, row: Any, outcome: _Outcome
) -> int:
    review_id: int = conn.execute(
        _RATING_STATEMENTS[row.state_id is None],
        {
            "uid": user_id,
            "iid": row.item_id,
            "bid": row.bank_id,
            "fid": row.fact_id,
            "pid": pid,
            "ans": row.answer,
            "state_id": row.state_id,
            **{f"s_{c}": v for c, v in outcome.state.items()},
            **{f"r_{c}": v for c, v in outcome.review.items()},
            "u": user_id,
            "d": outcome.review["local_day"],
            "n": 1 if outcome.was_new else 0,
            "r": 1 if outcome.was_review else 0,
        },
    ).scalar_one()
    return review_id


def _record(user: AnyUser, p: Presentation, rating: Rating, now: datetime) -> Review:
    """Record a review of ``p`` through the ORM, in the caller's write transaction.

    The web loop's ``_rate`` stores the same outcome with Core statements; this one serves
    callers that hold ORM objects (a drill's presentations, pending in the session).
    """
    item = db.session.get(Item, p.item_id)
    assert item is not None
    state = _state_of(user, item.id)
    outcome = _review_outcome(
        _scheduler(user),
        user.timezone,
        state,
        rating,
        now,
        p.question.get("duration_ms"),
        p.correct,
    )
    if state is None:
        state = ItemState(user_id=user.id, item_id=item.id, bank_id=item.bank_id)
        db.session.add(state)
    for name, value in outcome.state.items():
        setattr(state, name, value)
    review = Review(
        user_id=user.id,
        item_id=item.id,
        fact_id=item.fact_id,
        bank_id=item.bank_id,
        presentation_id=p.id,
        answer=p.answer,
        **outcome.review,
    )
    db.session.add(review)
    db.session.flush()
    p.review_id = review.id
    if p.correct is None:
        p.correct = review.correct
    bump_daily_counter(
        db.session.connection(),
        user.id,
        review.local_day,
        new=1 if outcome.was_new else 0,
        reviews=1 if outcome.was_review else 0,
    )
    return review


def _state_of(user: AnyUser, item_id: int) -> ItemState | None:
    return db.session.execute(
        select(ItemState).where(ItemState.user_id == user.id, ItemState.item_id == item_id)
    ).scalar_one_or_none()


def _card_of(state: Any, now: datetime) -> Any:
    """The FSRS card of an ItemState or of a row with its columns; a new card for None."""
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


def _scheduler(user: AnyUser) -> Any:
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


def leeches(user: AnyUser) -> list[LeechView]:
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

"""Thin glue over the ``fsrs`` package: ratings from grades, queue rules, local days.

Nothing here reads a clock: ``now`` is always passed in, UTC-aware.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

from fsrs import Card, Rating, Scheduler, State

LEARNING_STEPS = (timedelta(minutes=1), timedelta(minutes=10))
RELEARNING_STEPS = (timedelta(minutes=10),)
MAXIMUM_INTERVAL_DAYS = 36_500
LEECH_LAPSES = 8
LEARN_AHEAD = timedelta(minutes=20)
"""As Anki: when nothing else is left, a learning item due within this time is shown early."""

RATING_LABELS = {
    Rating.Again: "Again",
    Rating.Hard: "Hard",
    Rating.Good: "Good",
    Rating.Easy: "Easy",
}


def make_scheduler(desired_retention: float = 0.9, *, fuzz: bool = True) -> Scheduler:
    return Scheduler(
        desired_retention=desired_retention,
        learning_steps=LEARNING_STEPS,
        relearning_steps=RELEARNING_STEPS,
        maximum_interval=MAXIMUM_INTERVAL_DAYS,
        enable_fuzzing=fuzz,
    )


def default_rating(correct: bool) -> Rating:
    """A wrong answer preselects Again, a right one Good (the student may pick Hard or Easy)."""
    return Rating.Good if correct else Rating.Again


def new_card(now: datetime) -> Card:
    return Card(card_id=0, due=now)


def card_to_dict(card: Card) -> dict[str, Any]:
    data = card.to_dict()
    data.pop("card_id", None)
    return data


def card_from_fields(
    *,
    state: int,
    step: int | None,
    stability: float | None,
    difficulty: float | None,
    due: datetime,
    last_review: datetime | None,
) -> Card:
    return Card(
        card_id=0,
        state=State(state),
        step=step,
        stability=stability,
        difficulty=difficulty,
        due=due,
        last_review=last_review,
    )


def review(
    scheduler: Scheduler, card: Card, rating: Rating, now: datetime, duration_ms: int | None
) -> Card:
    _require_aware(now)
    new, _log = scheduler.review_card(
        card, rating, review_datetime=now, review_duration=duration_ms
    )
    return new


def preview_intervals(scheduler: Scheduler, card: Card, now: datetime) -> dict[Rating, timedelta]:
    """The interval each rating would give, without fuzz, as Anki shows on its buttons."""
    plain = Scheduler(
        parameters=scheduler.parameters,
        desired_retention=scheduler.desired_retention,
        learning_steps=scheduler.learning_steps,
        relearning_steps=scheduler.relearning_steps,
        maximum_interval=scheduler.maximum_interval,
        enable_fuzzing=False,
    )
    return {r: plain.review_card(card, r, review_datetime=now)[0].due - now for r in Rating}


def format_interval(delta: timedelta) -> str:
    """Short forms as on Anki's buttons: 1m, 10m, 3h, 4d, 2.5mo, 1.2y."""
    seconds = max(delta.total_seconds(), 0)
    if seconds < 3600:
        return f"{max(round(seconds / 60), 1)}m"
    if seconds < 86400:
        return f"{round(seconds / 3600)}h"
    days = seconds / 86400
    if days < 30:
        return f"{round(days)}d"
    if days < 365:
        return f"{days / 30:.1f}mo".replace(".0mo", "mo")
    return f"{days / 365:.1f}y".replace(".0y", "y")


# Retrievability depends only on the FSRS parameters (the decay), not on desired retention or
# steps, so one scheduler with the default parameters, as make_scheduler uses, serves everyone.
_DEFAULT_SCHEDULER = Scheduler(enable_fuzzing=False)


def retrievability(card: Card, now: datetime, scheduler: Scheduler | None = None) -> float:
    """The FSRS probability that ``card`` is recalled at ``now``; 0 for a card never reviewed.

    As in fsrs, the time since the last review counts in whole days.
    """
    _require_aware(now)
    return float((scheduler or _DEFAULT_SCHEDULER).get_card_retrievability(card, now))


# --- local days -----------------------------------------------------------------------------


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def local_day(now: datetime, tz: str) -> date:
    _require_aware(now)
    return now.astimezone(zone(tz)).date()


def day_start(day: date, tz: str) -> datetime:
    """The UTC instant at which ``day`` begins in ``tz``."""
    return datetime.combine(day, time(0), tzinfo=zone(tz)).astimezone(UTC)


def next_day_start(now: datetime, tz: str) -> datetime:
    return day_start(local_day(now, tz) + timedelta(days=1), tz)


def streak(review_days: Iterable[date], today: date) -> int:
    """Consecutive days with reviews ending today, or yesterday when today has none yet."""
    days = set(review_days)
    current = today if today in days else today - timedelta(days=1)
    count = 0
    while current in days:
        count += 1
        current -= timedelta(days=1)
    return count


# --- the queue -------------------------------------------------------------------------------


_LEARNING = frozenset((int(State.Learning), int(State.Relearning)))
_REVIEW = int(State.Review)


class QueueEntry(NamedTuple):
    """An item as the queue sees it. The study loop passes its database rows instead, whose
    first four columns are these: the queue reads them by position, since reading a
    SQLAlchemy row's column by name costs over ten times as much, over every due card."""

    item_id: int
    fact_id: int
    state: int | None
    """None for a new item (never reviewed)."""
    due_now: bool = False
    """Due by now; a started item given to :func:`order_queue` that is not is due within
    ``LEARN_AHEAD``."""


Row = TypeVar("Row", bound=tuple[Any, ...])


@dataclass(frozen=True)
class Limits:
    new_left: int
    reviews_left: int


def order_queue(
    entries: Sequence[Row], limits: Limits, facts_done_today: dict[int, set[int]]
) -> list[Row]:
    """The study queue, as Anki gathers it.

    ``entries`` (:class:`QueueEntry` or rows that begin with its fields) are the student's
    started items due by now plus ``LEARN_AHEAD``, in order of due time, and new items in bank
    order (the order within each kind is all that counts); the queue holds the same objects.

    Due learning and relearning items first (by due), then due reviews up to the review cap,
    then new items up to the new limit (in bank order). Siblings, items of one fact, are
    buried: once one item of a fact was answered today (``facts_done_today`` maps fact id to
    the item ids answered), the fact's other review and new items wait for the next day, and
    at most one of each fact's new or review items is queued. Learning items are never
    buried, as in Anki. When nothing else is left, learning items due within ``LEARN_AHEAD``
    are shown early.

    It runs for every question shown, over every due card: one pass per kind, no copies.
    """
    learning = [e for e in entries if e[2] in _LEARNING]
    learning_now = [e for e in learning if e[3]]
    queued_facts = {e[1] for e in learning_now}

    def take(state: int | None, due_only: bool, cap: int) -> list[Row]:
        taken: list[Row] = []
        if cap <= 0:
            return taken
        for e in entries:
            if e[2] != state or (due_only and not e[3]):
                continue
            fact = e[1]
            done = facts_done_today.get(fact)
            if fact in queued_facts or (done and (len(done) > 1 or e[0] not in done)):
                continue
            taken.append(e)
            queued_facts.add(fact)
            if len(taken) >= cap:
                break
        return taken

    reviews = take(_REVIEW, True, limits.reviews_left)
    new = take(None, False, limits.new_left)
    queue = learning_now + reviews + new
    if not queue:
        queue = [e for e in learning if not e[3]]
    return queue


def queue_counts(queue: Sequence[tuple[Any, ...]]) -> tuple[int, int, int]:
    """(due, new, learning) of a queue from :func:`order_queue`: due counts everything
    started, learning the learning and relearning items among them."""
    new = learning = 0
    for e in queue:
        if e[2] is None:
            new += 1
        elif e[2] in _LEARNING:
            learning += 1
    return len(queue) - new, new, learning


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC)")

"""Thin glue over the ``fsrs`` package: ratings from grades, queue rules, local days.

Nothing here reads a clock: ``now`` is always passed in, UTC-aware.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
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


@dataclass(frozen=True)
class QueueEntry:
    item_id: int
    fact_id: int
    state: int | None
    """None for a new item (never reviewed)."""
    due: datetime | None
    position: int = 0


@dataclass(frozen=True)
class Limits:
    new_left: int
    reviews_left: int


def order_queue(
    entries: Sequence[QueueEntry],
    now: datetime,
    limits: Limits,
    facts_done_today: dict[int, set[int]],
) -> list[QueueEntry]:
    """The study queue, as Anki gathers it.

    Due learning and relearning items first (by due), then due reviews up to the review cap,
    then new items up to the new limit (in bank order). Siblings, items of one fact, are
    buried: once one item of a fact was answered today (``facts_done_today`` maps fact id to
    the item ids answered), the fact's other review and new items wait for the next day, and
    at most one of each fact's new or review items is queued. Learning items are never
    buried, as in Anki. When nothing else is left, learning items due within ``LEARN_AHEAD``
    are shown early.
    """
    learning = sorted(
        (e for e in entries if e.state in (State.Learning, State.Relearning) and e.due),
        key=lambda e: e.due,  # type: ignore[arg-type,return-value]
    )
    learning_now = [e for e in learning if e.due <= now]  # type: ignore[operator]
    queued_facts = {e.fact_id for e in learning_now}

    def buried(e: QueueEntry) -> bool:
        done = facts_done_today.get(e.fact_id, set())
        return bool(done - {e.item_id}) or e.fact_id in queued_facts

    reviews: list[QueueEntry] = []
    for e in sorted(
        (e for e in entries if e.state == State.Review and e.due and e.due <= now),
        key=lambda e: e.due,  # type: ignore[arg-type,return-value]
    ):
        if len(reviews) >= limits.reviews_left:
            break
        if not buried(e):
            reviews.append(e)
            queued_facts.add(e.fact_id)

    new: list[QueueEntry] = []
    for e in sorted((e for e in entries if e.state is None), key=lambda e: e.position):
        if len(new) >= limits.new_left:
            break
        if not buried(e):
            new.append(e)
            queued_facts.add(e.fact_id)

    queue = learning_now + reviews + new
    if not queue:
        queue = [e for e in learning if e.due <= now + LEARN_AHEAD]  # type: ignore[operator]
    return queue


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC)")

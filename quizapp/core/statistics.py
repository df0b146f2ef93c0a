"""A student's statistics, counted from plain rows: no database, no clock.

Every day and month here is the student's local one: the caller turns UTC instants into local
days (``logged_review``, ``scheduling.local_day``) and passes ``today`` and ``now``. Windows
end today and include it: the heatmap covers 365 days, the daily reviews 30, the forecast the
30 days from today (day 0 also holds everything overdue), the retention table 12 calendar
months.

Retention is "true retention" as in Anki's add-on table: of the reviews of items that were in
the review state before the answer (learned, not in a learning step), the share answered right.

Mastery of a topic is the share of its active facts whose retrievability now is at least 0.9.
A fact's retrievability is the *minimum* over its items the student has started (not the
mean): a fact counts as known only when every way it is asked is likely recalled, so a
well-remembered sibling cannot hide a form that is being forgotten. Unstarted facts are not
mastered.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from fsrs import Card, State

from .scheduling import local_day, retrievability

HEATMAP_DAYS = 365
RECENT_DAYS = 30
FORECAST_DAYS = 30
RETENTION_MONTHS = 12
MASTERY_THRESHOLD = 0.9
HEAT_LEVELS = 4


# --- the review log ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoggedReview:
    day: date
    """The student's local day of the answer."""
    correct: bool
    was_review: bool
    """The item was in the review state before the answer: the answer counts for retention."""


def logged_review(
    answered_at: datetime, correct: bool, state_before: int | None, tz: str
) -> LoggedReview:
    """A review log row as the statistics see it; ``state_before`` is the fsrs state number
    before the answer (None for a new item)."""
    return LoggedReview(
        day=local_day(answered_at, tz),
        correct=correct,
        was_review=state_before == int(State.Review),
    )


def window_start(today: date) -> date:
    """The first local day any of the review statistics looks at (the heatmap's first day;
    the retention months all begin later)."""
    return today - timedelta(days=HEATMAP_DAYS - 1)


# --- heatmap -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeatmapDay:
    day: date
    count: int
    level: int
    """0 for no reviews, else 1..HEAT_LEVELS by the share of the busiest day's count."""
    week: int
    """Column: weeks since the Monday on or before the first day."""
    weekday: int
    """Row: 0 Monday .. 6 Sunday."""


@dataclass(frozen=True)
class MonthTotal:
    month: date
    """The month's first day."""
    reviews: int
    first_day: date
    """The first day of the month inside the window (the oldest month is usually partial)."""


@dataclass(frozen=True)
class Heatmap:
    days: list[HeatmapDay]
    months: list[MonthTotal]
    busiest: int

    @property
    def total(self) -> int:
        return sum(d.count for d in self.days)

    @property
    def weeks(self) -> int:
        return self.days[-1].week + 1 if self.days else 0

    @property
    def active_days(self) -> list[HeatmapDay]:
        return [d for d in self.days if d.count]


def heat_level(count: int, busiest: int) -> int:
    if count <= 0 or busiest <= 0:
        return 0
    return -(-HEAT_LEVELS * count // busiest)  # ceiling: any review shows at least level 1


def heatmap(reviews: Iterable[LoggedReview], today: date, days: int = HEATMAP_DAYS) -> Heatmap:
    first = today - timedelta(days=days - 1)
    counts = _count_by_day(reviews, first, today)
    busiest = max(counts.values(), default=0)
    first_monday = first - timedelta(days=first.weekday())
    cells = [
        HeatmapDay(
            day=day,
            count=count,
            level=heat_level(count, busiest),
            week=(day - first_monday).days // 7,
            weekday=day.weekday(),
        )
        for day, count in counts.items()
    ]
    months: dict[date, MonthTotal] = {}
    for cell in cells:
        key = cell.day.replace(day=1)
        seen = months.get(key)
        months[key] = MonthTotal(
            month=key,
            reviews=(seen.reviews if seen else 0) + cell.count,
            first_day=seen.first_day if seen else cell.day,
        )
    return Heatmap(days=cells, months=list(months.values()), busiest=busiest)


def _count_by_day(reviews: Iterable[LoggedReview], first: date, last: date) -> dict[date, int]:
    counts = {first + timedelta(days=i): 0 for i in range((last - first).days + 1)}
    for review in reviews:
        if review.day in counts:
            counts[review.day] += 1
    return counts


# --- recent reviews and the forecast -----------------------------------------------------------


@dataclass(frozen=True)
class DayTally:
    day: date
    right: int
    wrong: int

    @property
    def total(self) -> int:
        return self.right + self.wrong


def reviews_per_day(
    reviews: Iterable[LoggedReview], today: date, days: int = RECENT_DAYS
) -> list[DayTally]:
    first = today - timedelta(days=days - 1)
    tallies = {first + timedelta(days=i): [0, 0] for i in range(days)}
    for review in reviews:
        tally = tallies.get(review.day)
        if tally is not None:
            tally[0 if review.correct else 1] += 1
    return [DayTally(day, right, wrong) for day, (right, wrong) in tallies.items()]


@dataclass(frozen=True)
class DayCount:
    day: date
    count: int


def due_forecast(
    due_days: Iterable[date], today: date, days: int = FORECAST_DAYS
) -> list[DayCount]:
    """Items falling due on each of the next ``days`` local days; day 0 (today) also counts
    every overdue item, since that is what today's study faces."""
    counts = {today + timedelta(days=i): 0 for i in range(days)}
    for due in due_days:
        day = max(due, today)
        if day in counts:
            counts[day] += 1
    return [DayCount(day, count) for day, count in counts.items()]


# --- true retention ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthRetention:
    month: date
    """The month's first day."""
    reviews: int
    """Answers to items in the review state before the answer."""
    right: int

    @property
    def rate(self) -> float | None:
        return self.right / self.reviews if self.reviews else None


def last_months(today: date, months: int = RETENTION_MONTHS) -> list[date]:
    """First days of the ``months`` calendar months ending with today's, oldest first."""
    index = today.year * 12 + today.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - months + 1, index + 1)]


def retention_by_month(
    reviews: Iterable[LoggedReview], today: date, months: int = RETENTION_MONTHS
) -> list[MonthRetention]:
    tallies = {month: [0, 0] for month in last_months(today, months)}
    for review in reviews:
        tally = tallies.get(review.day.replace(day=1))
        if tally is None or not review.was_review:
            continue
        tally[0] += 1
        tally[1] += 1 if review.correct else 0
    return [MonthRetention(month, n, right) for month, (n, right) in tallies.items()]


# --- mastery -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FactRef:
    """An active fact and the topic it belongs to; topic ids are unique within a bank only."""

    fact_id: int
    bank_id: int
    topic: str


@dataclass(frozen=True)
class StartedItem:
    """The student's FSRS card for an active item they have answered at least once."""

    fact_id: int
    card: Card


@dataclass(frozen=True)
class TopicMastery:
    bank_id: int
    topic: str
    facts: int
    started: int
    """Facts with at least one started item."""
    mastered: int

    @property
    def share(self) -> float:
        return self.mastered / self.facts if self.facts else 0.0


def fact_retrievabilities(started: Iterable[StartedItem], now: datetime) -> dict[int, float]:
    """Each started fact's retrievability now: the minimum over its started items."""
    by_fact: dict[int, float] = {}
    for item in started:
        r = retrievability(item.card, now)
        by_fact[item.fact_id] = min(r, by_fact.get(item.fact_id, r))
    return by_fact


def mastery_by_topic(
    facts: Sequence[FactRef],
    started: Iterable[StartedItem],
    now: datetime,
    threshold: float = MASTERY_THRESHOLD,
) -> list[TopicMastery]:
    """Per (bank, topic), in the order topics first appear in ``facts``."""
    recall = fact_retrievabilities(started, now)
    tallies: dict[tuple[int, str], list[int]] = {}
    for fact in facts:
        tally = tallies.setdefault((fact.bank_id, fact.topic), [0, 0, 0])
        tally[0] += 1
        r = recall.get(fact.fact_id)
        if r is not None:
            tally[1] += 1
            tally[2] += 1 if r >= threshold else 0
    return [
        TopicMastery(bank_id, topic, n, started_n, mastered)
        for (bank_id, topic), (n, started_n, mastered) in tallies.items()
    ]

"""A student's statistics page data, read with a handful of queries and counted in the core.

Only banks the student can see now count (``visible_banks_query``): a bank that left their
classes leaves their statistics too. Days are the student's local days in their current time
zone setting, as in the JSON stats. Mastery lists the topics of the banks the student has
started; every public bank's topics at 0% would bury them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby
from operator import attrgetter

from sqlalchemy import Select, select

from ..core import scheduling
from ..core import statistics as stats
from ..extensions import db
from ..models import AnyUser, Bank, Fact, Item, ItemState, Review
from .banks import parsed_bank
from .study import visible_banks_query


@dataclass(frozen=True)
class TopicProgress:
    bank_id: int
    bank_slug: str
    bank_title: str
    topic_title: str
    facts: int
    started: int
    mastered: int

    @property
    def share(self) -> float:
        return self.mastered / self.facts if self.facts else 0.0

    @property
    def percent(self) -> int:
        return round(100 * self.share)


@dataclass(frozen=True)
class StudentStatistics:
    timezone: str
    today: date
    heatmap: stats.Heatmap
    reviews_per_day: list[stats.DayTally]
    due_forecast: list[stats.DayCount]
    retention: list[stats.MonthRetention]
    mastery: list[TopicProgress]

    @property
    def has_reviews(self) -> bool:
        return self.heatmap.total > 0

    @property
    def mastery_by_bank(self) -> list[tuple[str, list[TopicProgress]]]:
        """The mastery rows grouped by bank (title, topics), in the page's order."""
        return [
            (topics[0].bank_title, topics)
            for topics in (
                list(group) for _, group in groupby(self.mastery, key=attrgetter("bank_id"))
            )
        ]

    @property
    def retention_overall(self) -> stats.MonthRetention:
        """The retention months summed; ``month`` is the first of them."""
        return stats.MonthRetention(
            month=self.retention[0].month,
            reviews=sum(m.reviews for m in self.retention),
            right=sum(m.right for m in self.retention),
        )


def student_statistics(user: AnyUser, now: datetime) -> StudentStatistics:
    tz = user.timezone
    today = scheduling.local_day(now, tz)
    visible_ids = visible_banks_query(user).with_only_columns(Bank.id)
    reviews = _logged_reviews(user, today, visible_ids)
    started = _started_items(user, visible_ids)
    return StudentStatistics(
        timezone=tz,
        today=today,
        heatmap=stats.heatmap(reviews, today),
        reviews_per_day=stats.reviews_per_day(reviews, today),
        due_forecast=stats.due_forecast(
            (scheduling.local_day(row.due, tz) for row in started), today
        ),
        retention=stats.retention_by_month(reviews, today),
        mastery=_mastery(started, now),
    )


def _logged_reviews(
    user: AnyUser, today: date, visible_ids: Select[tuple[int]]
) -> list[stats.LoggedReview]:
    since = scheduling.day_start(stats.window_start(today), user.timezone)
    rows = db.session.execute(
        select(Review.answered_at, Review.correct, Review.state_before["state"].as_integer()).where(
            Review.user_id == user.id,
            Review.answered_at >= since,
            Review.bank_id.in_(visible_ids),
        )
    ).all()
    return [
        stats.logged_review(answered_at, correct, state_before, user.timezone)
        for answered_at, correct, state_before in rows
    ]


@dataclass(frozen=True)
class _StartedRow:
    bank_id: int
    due: datetime
    item: stats.StartedItem


def _started_items(user: AnyUser, visible_ids: Select[tuple[int]]) -> list[_StartedRow]:
    rows = db.session.execute(
        select(
            ItemState.bank_id,
            Item.fact_id,
            ItemState.state,
            ItemState.step,
            ItemState.stability,
            ItemState.difficulty,
            ItemState.due,
            ItemState.last_review,
        )
        .join(Item, Item.id == ItemState.item_id)
        .where(
            ItemState.user_id == user.id,
            Item.active.is_(True),
            ItemState.bank_id.in_(visible_ids),
        )
    ).all()
    return [
        _StartedRow(
            bank_id=bank_id,
            due=due,
            item=stats.StartedItem(
                fact_id=fact_id,
                card=scheduling.card_from_fields(
                    state=state,
                    step=step,
                    stability=stability,
                    difficulty=difficulty,
                    due=due,
                    last_review=last_review,
                ),
            ),
        )
        for bank_id, fact_id, state, step, stability, difficulty, due, last_review in rows
    ]


def _mastery(started: list[_StartedRow], now: datetime) -> list[TopicProgress]:
    bank_ids = {row.bank_id for row in started}
    if not bank_ids:
        return []
    facts = [
        stats.FactRef(fact_id, bank_id, topic)
        for fact_id, bank_id, topic in db.session.execute(
            select(Fact.id, Fact.bank_id, Fact.topic).where(
                Fact.bank_id.in_(bank_ids), Fact.active.is_(True)
            )
        )
    ]
    banks = {
        b.id: b for b in db.session.execute(select(Bank).where(Bank.id.in_(bank_ids))).scalars()
    }
    topics = {
        (bank_id, topic.id): (position, topic.title)
        for bank_id, bank in banks.items()
        for position, topic in enumerate(parsed_bank(bank)[0].topics)
    }
    unlisted = (len(topics), "")  # not expected (banks are validated), but sorts last, no 500

    def bank_then_topic(t: stats.TopicMastery) -> tuple[str, int, int]:
        bank = banks[t.bank_id]
        return (bank.title.casefold(), bank.id, topics.get((t.bank_id, t.topic), unlisted)[0])

    tallies = sorted(
        stats.mastery_by_topic(facts, (row.item for row in started), now), key=bank_then_topic
    )
    return [
        TopicProgress(
            bank_id=t.bank_id,
            bank_slug=banks[t.bank_id].slug,
            bank_title=banks[t.bank_id].title,
            topic_title=topics.get((t.bank_id, t.topic), unlisted)[1] or t.topic,
            facts=t.facts,
            started=t.started,
            mastered=t.mastered,
        )
        for t in tallies
    ]
